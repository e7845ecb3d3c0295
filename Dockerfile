# The Reach broker as a small non-root container. Build: docker build -t reach .
# Run:   docker run -v reach-data:/var/lib/reach -p 443:443 -p 80:80 -p 53:53/udp -p 53:53/tcp \
#          reach --domain reach.example.com --acme-email me@example.com
# (flags after the image name go to `reach broker`; see docs/self-hosting.md, "Container").
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own prepare step builds the desktop app too, which needs
# the dev dependencies; the two native modules the broker uses are built on their own, and
# the Node sources compiled with esbuild (which tsx brings), so no TypeScript loader runs.
RUN npm ci --omit=dev --ignore-scripts \
  && npm rebuild better-sqlite3 node-datachannel \
  && npm cache clean --force
COPY bin ./bin
COPY cli ./cli
COPY client ./client
COPY broker ./broker
COPY agent ./agent
COPY common ./common
COPY main ./main
COPY scripts/build-node.ts ./scripts/build-node.ts
COPY tsconfig.json ./
RUN node --import tsx scripts/build-node.ts

RUN mkdir -p /var/lib/reach && chown node:node /var/lib/reach
USER node
VOLUME /var/lib/reach
# Docker (20.10 and later) lets an unprivileged process bind ports below 1024 inside the
# container (net.ipv4.ip_unprivileged_port_start=0), so no capability is needed for these.
EXPOSE 443/tcp 80/tcp 53/udp 53/tcp
ENTRYPOINT ["node", "/app/bin/reach.js", "broker", "--data-dir", "/var/lib/reach", "--listen", "0.0.0.0:443", "--http-listen", "0.0.0.0:80", "--dns-listen", "0.0.0.0:53", "--proxy-bind", "0.0.0.0"]
