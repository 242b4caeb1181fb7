-- E-FACTURE in production: the application role may append to the audit trail, never rewrite it.
--
-- Two roles: an OWNER role that owns the schema and runs the migrations (`efacture migrate` with its
-- DATABASE_URL, before starting the new version), and the APPLICATION role the web and worker
-- processes connect with. Run this file as the owner after each migration, e.g.
--   psql "$OWNER_DATABASE_URL" -v schema=public -v app_role=efacture_app -f docs/sql/app-role-grants.sql
-- The application role owns its job-queue schema (pg-boss creates and maintains its own tables there):
--   CREATE SCHEMA pgboss AUTHORIZATION efacture_app;   -- `<schema>_boss` when DATABASE_SCHEMA is not public

GRANT USAGE ON SCHEMA :"schema" TO :"app_role";

-- Ordinary tables: read and write.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA :"schema" TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :"schema" TO :"app_role";

-- The audit trail and its seals: append only (SECURITY.md G3). No UPDATE, DELETE or TRUNCATE.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries, audit_seals FROM :"app_role";
GRANT SELECT, INSERT ON audit_entries, audit_seals TO :"app_role";
-- The one exception: an RFC 3161 token obtained after the seal (TSA down at sealing time) is added
-- to it later. Only these two columns, and the signed payload stays untouchable.
GRANT UPDATE (tsa_url, tsa_token) ON audit_seals TO :"app_role";

-- The migrations table: the application checks at start that the schema is current, never changes it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON efacture_migrations FROM :"app_role";
GRANT SELECT ON efacture_migrations TO :"app_role";
