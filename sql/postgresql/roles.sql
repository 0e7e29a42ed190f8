-- Least privilege for a pam_mailuser store on PostgreSQL: two roles.
--
--   mailuser_admin  owns the database and the schema: "mailuser-admin"
--                   (init, migrate, users, domains, import, copy).
--   mailuser_auth   the PAM module and the policy daemon on the mail
--                   servers: reads accounts and sending limits, writes
--                   only the failure and sending counters, the rehash and
--                   password-change columns, the admin lock of a
--                   compromised account, the password history and the
--                   audit trail.
--
-- Run with psql, after "mailuser-admin init", as the schema's owner (or a
-- superuser), in the store's database:
--
--   psql -v ON_ERROR_STOP=1 -d mailuser -f roles.sql
--
-- Other role names: psql -v admin_role=NAME -v auth_role=NAME.  The roles
-- themselves are made beforehand by a superuser (passwords through
-- psql's \password, never on a command line):
--
--   CREATE ROLE mailuser_admin LOGIN;
--   CREATE ROLE mailuser_auth LOGIN;
--   CREATE DATABASE mailuser OWNER mailuser_admin;
--   \password mailuser_admin
--   \password mailuser_auth
--
-- Running it again is harmless.

\if :{?admin_role}
\else
\set admin_role mailuser_admin
\endif
\if :{?auth_role}
\else
\set auth_role mailuser_auth
\endif

BEGIN;
-- the tables are in the schema public (a database made for the store);
-- the auth role must be able to look into it
GRANT USAGE ON SCHEMA public TO :"auth_role";

-- Nothing for everyone: only the two roles reach the store's tables.
REVOKE ALL ON mailuser_meta, domains, users, pw_history, failures,
    recent_failures, source_failures, audit, domain_limits, user_limits,
    send_counts FROM PUBLIC;

-- The admin role owns everything "mailuser-admin init" created; this only
-- makes sure, when init ran as another role.
ALTER TABLE mailuser_meta OWNER TO :"admin_role";
ALTER TABLE domains OWNER TO :"admin_role";
ALTER TABLE users OWNER TO :"admin_role";
ALTER TABLE pw_history OWNER TO :"admin_role";
ALTER TABLE failures OWNER TO :"admin_role";
ALTER TABLE recent_failures OWNER TO :"admin_role";
ALTER TABLE source_failures OWNER TO :"admin_role";
ALTER TABLE audit OWNER TO :"admin_role";
ALTER TABLE domain_limits OWNER TO :"admin_role";
ALTER TABLE user_limits OWNER TO :"admin_role";
ALTER TABLE send_counts OWNER TO :"admin_role";

-- The auth role: start from nothing.
REVOKE ALL ON mailuser_meta, domains, users, pw_history, failures,
    recent_failures, source_failures, audit, domain_limits, user_limits,
    send_counts FROM :"auth_role";

-- read the accounts and the schema version
GRANT SELECT ON mailuser_meta, domains, users, pw_history, failures,
    recent_failures, source_failures TO :"auth_role";
-- mailuser-policyd: the sending limits are read (set by the admin role
-- only); the sending counters and deferrals are written, each bucket in
-- one statement (INSERT ... ON CONFLICT DO UPDATE), old buckets deleted
GRANT SELECT ON domain_limits, user_limits TO :"auth_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON send_counts TO :"auth_role";
-- the lockout counters: exact, in one statement (INSERT ... ON CONFLICT,
-- UPDATE ... RETURNING), cleared at a success
GRANT INSERT, UPDATE, DELETE ON failures, recent_failures, source_failures
    TO :"auth_role";
-- rehash at login, password change (pam_chauthtok), last login; the
-- writers of one user are serialised with SELECT ... FOR NO KEY UPDATE,
-- which needs UPDATE on at least one column.  Not disabled, expires or
-- the aging columns: those are the admin's.
GRANT UPDATE (hash, pw_changed, force_change, last_login) ON users
    TO :"auth_role";
-- mailuser-policyd locks an account that goes on sending far past its
-- limit: the administrator's lock columns, with an audit row (below).  A
-- column grant rather than a function: this role may already set any
-- password hash, so the lock adds no power over an account, and the same
-- SQL serves SQLite.  Lifting the lock stays the admin's job by policy
-- ("mailuser-admin user unlock"); the daemon only ever sets it.
GRANT UPDATE (locked_at, lock_reason) ON users TO :"auth_role";
-- password history: add the old hash, prune beyond remember=
GRANT INSERT, DELETE ON pw_history TO :"auth_role";
-- the audit trail: add only (no RETURNING, which would need SELECT)
GRANT INSERT ON audit TO :"auth_role";
-- the identity sequences of the tables it inserts into (PostgreSQL does
-- not check them for an identity column's default; granted so that an
-- explicit nextval() works as well)
GRANT USAGE ON SEQUENCE pw_history_id_seq, recent_failures_id_seq,
    audit_id_seq TO :"auth_role";

COMMIT;
