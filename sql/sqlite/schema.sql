-- pam_mailuser store, schema version 3.
--
-- Applied by "mailuser-admin init" to an empty file, in one transaction.
-- The module never runs this: it checks application_id and user_version
-- and refuses any other file.  Changes after version 1 go into
-- sql/migrations/NNNN.sql, where NNNN is the version the file produces
-- from NNNN-1; schema.sql is then updated to the same end state.
--
-- Times are seconds since the Unix epoch (UTC).  Day counts are days.
-- Policy columns that are NULL inherit from the domain, then from the
-- configuration file.

PRAGMA application_id = 1296848211;  -- 0x4D4C5553, "MLUS"
PRAGMA user_version = 3;

CREATE TABLE domains (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    max_days    INTEGER CHECK (max_days   >= 0),
    min_days    INTEGER CHECK (min_days   >= 0),
    warn_days   INTEGER CHECK (warn_days  >= 0),
    grace_days  INTEGER CHECK (grace_days >= 0),
    created     INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,   -- canonical local@domain
    domain_id     INTEGER NOT NULL REFERENCES domains(id),
    hash          TEXT    NOT NULL,          -- crypt(3) string
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    expires       INTEGER,                   -- account expiry; NULL = never
    pw_changed    INTEGER NOT NULL,          -- last password change
    force_change  INTEGER NOT NULL DEFAULT 0 CHECK (force_change IN (0, 1)),
    max_days      INTEGER CHECK (max_days   >= 0),
    min_days      INTEGER CHECK (min_days   >= 0),
    warn_days     INTEGER CHECK (warn_days  >= 0),
    grace_days    INTEGER CHECK (grace_days >= 0),
    locked_at     INTEGER,                   -- admin lock; NULL = not locked
    lock_reason   TEXT,
    created       INTEGER NOT NULL,
    last_login    INTEGER                    -- last successful login
) STRICT;
CREATE INDEX users_domain ON users(domain_id);

-- Old password hashes, for "not among the last N passwords".
CREATE TABLE pw_history (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash     TEXT    NOT NULL,
    changed  INTEGER NOT NULL
) STRICT;
CREATE INDEX pw_history_user ON pw_history(user_id, id);

-- Authentication failures per user and source (PAM_RHOST or "unknown").
CREATE TABLE failures (
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source        TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    first_fail    INTEGER NOT NULL,
    last_fail     INTEGER NOT NULL,
    locked_until  INTEGER,                   -- NULL = not locked
    PRIMARY KEY (user_id, source)
) STRICT, WITHOUT ROWID;

-- Fingerprints of recent wrong passwords: three characters (18 bits) of
-- the crypt() output computed with the user's own salt and cost.  A
-- repeated stale password is recognised; a copy of the store cannot be
-- cracked into the password that was mistyped (each fingerprint fits one
-- candidate in 262144), and a collision only makes one new wrong password
-- count as a repeat.  Dropped at the next successful login.
CREATE TABLE recent_failures (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest   TEXT    NOT NULL,
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX recent_failures_user ON recent_failures(user_id, id);

-- Failed logins of names that are not in the store, per source (no row
-- per name: people type passwords into the name field).
CREATE TABLE source_failures (
    source      TEXT    PRIMARY KEY,
    count       INTEGER NOT NULL,
    first_fail  INTEGER NOT NULL,
    last_fail   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Who changed what.  Never a password or a hash.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    uid      INTEGER,
    actor    TEXT,
    tool     TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    account  TEXT,
    detail   TEXT
) STRICT;
CREATE INDEX audit_at ON audit(at);

-- Sending limits of mailuser-policyd, per domain and per user (schema
-- version 3).  NULL: not set at this level (a user inherits its domain's
-- value, a domain the configuration's default); 0: no limit.
CREATE TABLE domain_limits (
    domain_id   INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
    msgs_hour   INTEGER CHECK (msgs_hour  >= 0),   -- messages per hour
    rcpts_hour  INTEGER CHECK (rcpts_hour >= 0),   -- recipients per hour
    rcpts_day   INTEGER CHECK (rcpts_day  >= 0)    -- recipients per day
) STRICT;

CREATE TABLE user_limits (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    msgs_hour   INTEGER CHECK (msgs_hour  >= 0),
    rcpts_hour  INTEGER CHECK (rcpts_hour >= 0),
    rcpts_day   INTEGER CHECK (rcpts_day  >= 0)
) STRICT;

-- What each user sent, in buckets: one minute wide (span 60) for the hour
-- windows, one hour wide (span 3600) for the day window; bucket is the
-- start time divided by span.  A window is the sum of its last 60 (24)
-- buckets, so it slides a minute (an hour) at a time, with no burst at
-- the top of the hour.  An accepted message adds to one bucket of each
-- span in one statement each (INSERT ... ON CONFLICT DO UPDATE SET
-- msgs = msgs + 1, exact under concurrency), and a window reads at most
-- 84 rows per user, however much was sent: an exact log of events would
-- read one row per message (thousands for a heavy sender, on every
-- request).  def_msgs and def_rcpts count what was refused over a limit,
-- for the compromised-account rule (going on to a multiple of a limit
-- within its window locks the account).  Buckets older than their window
-- are deleted when the user sends again.  Which message was already
-- counted (Postfix's "instance") is kept in the daemon's memory: Postfix
-- sends every request of one message over the same policy connection.
CREATE TABLE send_counts (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    span       INTEGER NOT NULL CHECK (span IN (60, 3600)),
    bucket     INTEGER NOT NULL,
    msgs       INTEGER NOT NULL DEFAULT 0 CHECK (msgs >= 0),
    rcpts      INTEGER NOT NULL DEFAULT 0 CHECK (rcpts >= 0),
    def_msgs   INTEGER NOT NULL DEFAULT 0 CHECK (def_msgs >= 0),
    def_rcpts  INTEGER NOT NULL DEFAULT 0 CHECK (def_rcpts >= 0),
    PRIMARY KEY (user_id, span, bucket)
) STRICT, WITHOUT ROWID;
-- the report's top senders read a window of every user
CREATE INDEX send_counts_bucket ON send_counts(span, bucket);
