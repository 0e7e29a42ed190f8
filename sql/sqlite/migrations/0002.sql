-- Schema version 1 to 2.
--
-- users.last_login: the time of the last successful login, written by
-- every successful login while the brute-force defence is on (the write
-- also proves that failures can be recorded).
-- source_failures: failed logins of unknown names, per source.
-- recent_failures: from now on short fingerprints, never whole crypt()
-- outputs; the old rows are removed.
ALTER TABLE users ADD COLUMN last_login INTEGER;
CREATE TABLE source_failures (
    source      TEXT    PRIMARY KEY,
    count       INTEGER NOT NULL,
    first_fail  INTEGER NOT NULL,
    last_fail   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
DELETE FROM recent_failures;
PRAGMA user_version = 2;
