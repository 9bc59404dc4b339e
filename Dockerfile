# Multi-stage build: compile `schema` once, ship it beside the host application.
# The toolchain the project is tested with (swift --version in CI: 6.3.1).
FROM swift:6.3.1-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# --static-swift-stdlib: no Swift runtime is needed in the application image, only libsqlite3.
RUN swift build -c release --product schema --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/schema" /usr/local/bin/schema

# The host application's image: the example Node application (Examples/node-app). Replace it with
# your own; it needs the packages/ folder, prisma/ and the start script.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/schema /usr/local/bin/schema
COPY scripts/apply-schema-migrations.sh /usr/local/bin/apply-schema-migrations.sh
WORKDIR /app
COPY Examples/node-app/package.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm install --no-save --no-audit --no-fund prisma@6
COPY Examples/node-app/ ./
COPY Examples/workspace/packages/ ./packages/
ENV SCHEMA_ROOT=/app \
    SCHEMA_MERGED=/app/prisma/merged.prisma \
    NODE_ENV=production
# Runs the host's migrations (SCHEMA_BEFORE), applies approved package schema changes, regenerates
# the Prisma client (SCHEMA_AFTER), then starts the application.
ENTRYPOINT ["/usr/local/bin/apply-schema-migrations.sh"]
CMD ["node", "server.js"]
