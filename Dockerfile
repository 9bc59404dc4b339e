# Multi-stage build: compile `schema` once, ship it beside the host application.
FROM swift:6.1-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product schema --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/schema" /usr/local/bin/schema

# The host application's image. Replace with your own; it needs the packages/ folder and prisma/.
FROM node:20-bookworm-slim
COPY --from=build /usr/local/bin/schema /usr/local/bin/schema
COPY scripts/apply-schema-migrations.sh /usr/local/bin/apply-schema-migrations.sh
WORKDIR /app
COPY Examples/workspace/ /app/
ENV SCHEMA_ROOT=/app \
    SCHEMA_MERGED=/app/prisma/merged.prisma
# Applies approved package schema changes, then starts the application.
ENTRYPOINT ["/usr/local/bin/apply-schema-migrations.sh"]
CMD ["node", "server.js"]
