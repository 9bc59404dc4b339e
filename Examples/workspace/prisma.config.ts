// prisma.config.ts: the tables of the `schema` registry are managed by `schema`, not by Prisma Migrate.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { externalTables: true },
  tables: {
    external: ["_schema_meta", "_schema_entities", "_schema_queue", "_schema_approvals", "_schema_audit", "_schema_admins", "_schema_tokens"],
  },
});
