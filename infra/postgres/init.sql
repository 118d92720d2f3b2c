-- Runs once, when the postgres service initialises an empty data volume (mounted into
-- /docker-entrypoint-initdb.d by docker-compose.yml), connected as POSTGRES_USER (nezuko) to POSTGRES_DB (nezuko).
--
-- The official image creates the role and the database from POSTGRES_USER / POSTGRES_DB / POSTGRES_PASSWORD.
-- Authentication is SCRAM-SHA-256 only: POSTGRES_INITDB_ARGS=--auth-host=scram-sha-256 and
-- POSTGRES_HOST_AUTH_METHOD=scram-sha-256 write pg_hba.conf; this file pins the hashing and locks the database down.
-- The cluster is dedicated to Nezuko; the app connects over the private compose network only.

-- Every password set from now on (ALTER ROLE … PASSWORD) is stored as a SCRAM verifier, never MD5.
ALTER SYSTEM SET password_encryption = 'scram-sha-256';
SELECT pg_reload_conf();

-- Fail the initialisation loudly if the bootstrap password was stored as anything but SCRAM.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_authid WHERE rolname = current_user AND rolpassword LIKE 'SCRAM-SHA-256$%'
  ) THEN
    RAISE EXCEPTION 'password of role % is not a SCRAM-SHA-256 verifier', current_user;
  END IF;
END
$$;

-- Nobody but the owner may connect to the app database or create objects in its public schema
-- (PostgreSQL 15 already revokes CREATE on public; stating it keeps that true on any version).
DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Useful for a small production database: log slow statements and lock waits.
ALTER SYSTEM SET log_min_duration_statement = '500ms';
ALTER SYSTEM SET log_lock_waits = on;
SELECT pg_reload_conf();
