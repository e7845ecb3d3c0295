// Schema migrations, applied in order; PRAGMA user_version records how many have run.
// Append new steps; never edit one that has shipped.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created TEXT NOT NULL
  );
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
    UNIQUE (user_id, hardware_id)
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
    expires_at INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    reverse_proxy INTEGER NOT NULL,
    host TEXT NOT NULL,
    port INTEGER,
    url TEXT NOT NULL,
    host_ip TEXT NOT NULL,
    latched_ip TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'disconnected', 'expired', 'idle', 'removed')),
    ended TEXT
  );
  CREATE INDEX connections_by_user ON connections (user_id, state);
  CREATE INDEX connections_active ON connections (state) WHERE state = 'active';
  CREATE UNIQUE INDEX connections_active_port ON connections (port)
    WHERE state = 'active' AND port IS NOT NULL;
  CREATE UNIQUE INDEX connections_active_host ON connections (host)
    WHERE state = 'active' AND reverse_proxy = 1;
  `,
  // 2: devices' lastReported and tags (remote.it's Device fields); service types renumbered
  // to remote.it's own numbers (Samba 34, MySQL 45, PostgreSQL 46).
  `
  ALTER TABLE devices ADD COLUMN last_reported TEXT;
  UPDATE devices SET last_reported = created;
  CREATE TABLE device_tags (
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (device_id, name)
  );
  UPDATE services SET application = CASE application
    WHEN 32 THEN 34 WHEN 37 THEN 46 WHEN 38 THEN 45 ELSE application END;
  `,
  // 3: persistent public links (setConnectLink): one per service, kept until removed.
  `
  CREATE TABLE links (
    service_id TEXT PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    host TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    password_hash TEXT,
    allow TEXT NOT NULL,
    deny TEXT NOT NULL,
    created TEXT NOT NULL
  );
  CREATE INDEX links_by_user ON links (user_id);
  `,
  // 4: the cluster. Which node holds each device's tunnel and serves each connection, when
  // a connection last carried bytes on a node that does not own it, the nodes' heartbeats,
  // and the one secret the nodes present to one another. A lone broker is node 1.
  `
  ALTER TABLE devices ADD COLUMN attached_node INTEGER;
  CREATE INDEX devices_by_node ON devices (attached_node) WHERE attached_node IS NOT NULL;
  ALTER TABLE connections ADD COLUMN node INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE connections ADD COLUMN last_activity REAL;
  CREATE INDEX connections_by_node ON connections (node) WHERE state = 'active';
  -- A port is one node's: two nodes (two hosts) may each serve the same port number.
  DROP INDEX connections_active_port;
  CREATE UNIQUE INDEX connections_active_port ON connections (node, port)
    WHERE state = 'active' AND port IS NOT NULL;
  CREATE TABLE nodes (
    node INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    public_host TEXT NOT NULL,
    started TEXT NOT NULL,
    heartbeat TEXT NOT NULL
  );
  CREATE TABLE cluster (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
  );
  `,
  // 5: each node's public addresses, written with its heartbeat, so that every node's DNS
  // answers for every node alike (a JSON array of IP addresses).
  `
  ALTER TABLE nodes ADD COLUMN public_ips TEXT NOT NULL DEFAULT '[]';
  `,
  // 6: what nodes sharing this store keep for ACME: DNS-01 TXT values (expires_at in ms
  // since 1970, should their node die mid-order) and the one account key.
  `
  CREATE TABLE acme_challenges (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (name, value)
  );
  CREATE TABLE acme_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    account_key TEXT NOT NULL
  );
  `,
];
