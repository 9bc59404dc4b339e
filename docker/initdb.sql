-- Roles for docker-compose.yml, run once by the postgres image as its superuser.
--   schema_migrator     runs `schema apply` and the admin commands; owns the package tables
--   app                 the application: reads and writes rows, subject to row-level security
--   schema_audit_owner  owns the registry schema and its audit log (nobody logs in as it)
CREATE ROLE schema_migrator LOGIN PASSWORD 'migrator' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE app LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS;
CREATE ROLE schema_audit_owner NOLOGIN;
CREATE DATABASE app OWNER schema_migrator;
\connect app
-- Package tables are created by schema_migrator in public; the application may use their rows.
-- The registry lives in its own schema (schema_registry), where app has no privileges at all.
ALTER DEFAULT PRIVILEGES FOR ROLE schema_migrator IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app;
ALTER DEFAULT PRIVILEGES FOR ROLE schema_migrator IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO app;
