// The PostgreSQL schema, as numbered steps; reach_migrations records which have run.
// Append new steps; never edit one that has shipped. Step 1 is SQLite's three steps as they
// stand today (there is no older PostgreSQL store to carry forward). Times are ISO strings
// as in SQLite, so that both stores order and compare them the same way.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created TEXT NOT NULL
  );
  -- SQLite's COLLATE NOCASE: one user per email whatever its case.
  CREATE UNIQUE INDEX users_email ON users (lower(email));
  CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created TEXT NOT NULL
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hardware_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    last_reported TEXT NOT NULL,
    UNIQUE (user_id, hardware_id)
  );
  CREATE TABLE device_tags (
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (device_id, name)
  );
  CREATE TABLE services (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    application INTEGER NOT NULL,
    port INTEGER NOT NULL,
    host TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (device_id, name)
  );
  CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    service_id TEXT NOT NULL,
    created TEXT NOT NULL,
    -- Milliseconds since 1970: beyond INTEGER, and a double comes back as a JS number.
    expires_at DOUBLE PRECISION NOT NULL,
    timeout INTEGER NOT NULL,
    reverse_proxy BOOLEAN NOT NULL,
    host TEXT NOT NULL,
    port INTEGER,
    url TEXT NOT NULL,
    host_ip TEXT NOT NULL,
    latched_ip TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'disconnected', 'expired', 'idle', 'removed')),
    ended TEXT
  );
  CREATE INDEX connections_by_user ON connections (user_id, state);
  CREATE INDEX connections_by_service ON connections (service_id) WHERE state = 'active';
  CREATE INDEX connections_active ON connections (state) WHERE state = 'active';
  CREATE UNIQUE INDEX connections_active_port ON connections (port)
    WHERE state = 'active' AND port IS NOT NULL;
  CREATE UNIQUE INDEX connections_active_host ON connections (host)
    WHERE state = 'active' AND reverse_proxy;
  CREATE TABLE links (
    service_id TEXT PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    host TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    password_hash TEXT,
    allow TEXT[] NOT NULL,
    deny TEXT[] NOT NULL,
    created TEXT NOT NULL
  );
  CREATE INDEX links_by_user ON links (user_id);
  `,
  // 2: the cluster. Which node holds each device's tunnel and serves each connection, when
  // a connection last carried bytes on a node that does not own it (ms), the nodes'
  // heartbeats by the database's clock (so that nodes with skewed clocks agree), and the one
  // secret the nodes present to one another. A lone broker is node 1.
  `
  ALTER TABLE devices ADD COLUMN attached_node INTEGER;
  CREATE INDEX devices_by_node ON devices (attached_node) WHERE attached_node IS NOT NULL;
  ALTER TABLE connections ADD COLUMN node INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE connections ADD COLUMN last_activity DOUBLE PRECISION;
  CREATE INDEX connections_by_node ON connections (node) WHERE state = 'active';
  -- A port is one node's: two nodes (two hosts) may each serve the same port number.
  DROP INDEX connections_active_port;
  CREATE UNIQUE INDEX connections_active_port ON connections (node, port)
    WHERE state = 'active' AND port IS NOT NULL;
  CREATE TABLE nodes (
    node INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    public_host TEXT NOT NULL,
    started TIMESTAMPTZ NOT NULL,
    heartbeat TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE cluster (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
  );
  -- Each user's active connections, counted as they open and end, so that the cap is one
  -- row's check (count(*) over a user's active rows cost a connect more the more they had).
  CREATE TABLE active_connections (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    active INTEGER NOT NULL CHECK (active >= 0)
  );
  INSERT INTO active_connections (user_id, active)
    SELECT user_id, count(*) FROM connections WHERE state = 'active' GROUP BY user_id;
  `,
  // 3: each node's public addresses, written with its heartbeat, so that every node's DNS
  // answers for every node alike.
  `
  ALTER TABLE nodes ADD COLUMN public_ips TEXT[] NOT NULL DEFAULT '{}';
  `,
  // 4: what a cluster's nodes share for ACME: DNS-01 TXT values, whichever node's DNS the
  // CA asks (expiring, by the database's clock, should their node die mid-order), and the
  // one account key, made by whichever node orders first.
  `
  CREATE TABLE acme_challenges (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, value)
  );
  CREATE TABLE acme_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    account_key TEXT NOT NULL
  );
  `,
];
