-- Schema version 2 to 3: the sending limits of mailuser-policyd.
--
-- domain_limits, user_limits: limits per domain and per user.
-- send_counts: what each user sent and was refused, in buckets of a
-- minute and of an hour (see sql/sqlite/schema.sql).
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
CREATE INDEX send_counts_bucket ON send_counts(span, bucket);
PRAGMA user_version = 3;
