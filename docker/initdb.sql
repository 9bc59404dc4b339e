-- Roles for docker-compose.yml, run once by the postgres image as its superuser.
--   schema_migrator     runs `schema apply` and the admin commands; owns the package tables
--   app                 the application: reads and writes rows, subject to row-level security
--   schema_audit_owner  owns the registry schema and its audit log (nobody logs in as it)
-- schema_migrator owns the package tables, whose row-level security is forced, so the policies
-- would bind it too: its data checks, backfills and copies of renamed columns must see every row
-- (schema refuses those statements otherwise). It could turn the policies off as the owner anyway.
CREATE ROLE schema_migrator LOGIN PASSWORD 'migrator' NOSUPERUSER BYPASSRLS;
CREATE ROLE app LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE schema_audit_owner NOLOGIN;
-- `schema complete --when-quiet` tells the application's sessions apart by application_name and
-- backend type in pg_stat_activity; PostgreSQL shows another role's backend type (so autovacuum
-- workers are not taken for the application) only to members of pg_read_all_stats.
GRANT pg_read_all_stats TO schema_migrator;
CREATE DATABASE app OWNER schema_migrator;
\connect app
-- Package tables are created by schema_migrator in public; the application may use their rows.
-- The registry lives in its own schema (schema_registry), where app has no privileges at all.
ALTER DEFAULT PRIVILEGES FOR ROLE schema_migrator IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app;
ALTER DEFAULT PRIVILEGES FOR ROLE schema_migrator IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO app;
-- Prisma Migrate's history table, created here (as Prisma creates it) so that the default
-- privileges above do not let the application write it: a history the application role could
-- edit would let injected SQL hide or fake migrations from `prisma migrate status`.
SET ROLE schema_migrator;
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);
REVOKE ALL ON "_prisma_migrations" FROM app;
GRANT SELECT ON "_prisma_migrations" TO app;
RESET ROLE;
