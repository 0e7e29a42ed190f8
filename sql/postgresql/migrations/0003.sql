-- Schema version 2 to 3: the sending limits of mailuser-policyd, as in
-- sql/sqlite/migrations/0003.sql (see sql/postgresql/schema.sql).  After
-- it, run sql/postgresql/roles.sql again: the auth role reads the limits
-- and writes the counters.
CREATE TABLE domain_limits (
    domain_id   BIGINT PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
    msgs_hour   BIGINT CHECK (msgs_hour  >= 0),   -- messages per hour
    rcpts_hour  BIGINT CHECK (rcpts_hour >= 0),   -- recipients per hour
    rcpts_day   BIGINT CHECK (rcpts_day  >= 0)    -- recipients per day
);

CREATE TABLE user_limits (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    msgs_hour   BIGINT CHECK (msgs_hour  >= 0),
    rcpts_hour  BIGINT CHECK (rcpts_hour >= 0),
    rcpts_day   BIGINT CHECK (rcpts_day  >= 0)
);

CREATE TABLE send_counts (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    span       BIGINT NOT NULL CHECK (span IN (60, 3600)),
    bucket     BIGINT NOT NULL,
    msgs       BIGINT NOT NULL DEFAULT 0 CHECK (msgs >= 0),
    rcpts      BIGINT NOT NULL DEFAULT 0 CHECK (rcpts >= 0),
    def_msgs   BIGINT NOT NULL DEFAULT 0 CHECK (def_msgs >= 0),
    def_rcpts  BIGINT NOT NULL DEFAULT 0 CHECK (def_rcpts >= 0),
    PRIMARY KEY (user_id, span, bucket)
);
CREATE INDEX send_counts_bucket ON send_counts(span, bucket);
UPDATE mailuser_meta SET schema_version = 3;
