-- The rollups' triggers and the views they read leave the file (schema 8): SQLite parses every
-- trigger and view of a file on a connection's first statement, and these 27 (30 KB) were
-- about half of every command's start-up, reads included. Each connection of community that
-- may write now creates them as TEMP triggers of its own (db/rollups_triggers.sql, the same
-- statements), and turns the file's triggers off for itself (SQLITE_DBCONFIG_ENABLE_TRIGGER,
-- which leaves TEMP triggers on); connections that only read parse none of them.
--
-- Another program that writes to the file (the sqlite3 shell, sqlite-utils) does not have
-- those triggers. The small ones below mark the rollups stale when it changes what they depend
-- on, and the next command of community rebuilds them (`rollups::rebuild`) before it reads.
-- This also closes what migration 5 could not keep: the deletes of another program's `INSERT
-- OR REPLACE` come with an insert, which marks the rollups stale.

DROP TRIGGER rollup_members_insert;
DROP TRIGGER rollup_members_before_update;
DROP TRIGGER rollup_members_after_update;
DROP TRIGGER rollup_members_delete;
DROP TRIGGER rollup_tags_insert;
DROP TRIGGER rollup_tags_delete;
DROP TRIGGER rollup_tags_update;
DROP TRIGGER rollup_payments_insert;
DROP TRIGGER rollup_payments_before_update;
DROP TRIGGER rollup_payments_after_update;
DROP TRIGGER rollup_payments_delete;
DROP TRIGGER rollup_by_payments_insert;
DROP TRIGGER rollup_by_payments_before_update;
DROP TRIGGER rollup_by_payments_after_update;
DROP TRIGGER rollup_by_payments_delete;
DROP TRIGGER rollup_by_members_update;
DROP TRIGGER rollup_by_members_renumber;
DROP TRIGGER rollup_by_members_delete;
DROP VIEW rollup_ends;
DROP VIEW rollup_member_keys;
DROP VIEW rollup_tag_keys;
DROP VIEW rollup_fee_offsets;
DROP VIEW rollup_fee_keys;
DROP VIEW rollup_by_keys;
DROP VIEW rollup_payer_steps;
DROP VIEW rollup_payer_deltas;
DROP VIEW rollup_member_months;

-- One row: whether a program other than community changed what the rollups follow since
-- they were last exact. The triggers of schema 7 kept them exact until now.
CREATE TABLE rollup_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stale INTEGER NOT NULL CHECK (stale IN (0, 1))
);
INSERT INTO rollup_state (id, stale) VALUES (1, 0);

-- Fired only by other programs: community's connections turn the file's triggers off. The
-- columns are those the rollups' triggers watch; a change of name or note marks nothing.
CREATE TRIGGER stale_members_insert AFTER INSERT ON members
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_members_update
AFTER UPDATE OF id, tier, source, status, joined_at, expires_at, left_at ON members
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_members_delete AFTER DELETE ON members
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_tags_insert AFTER INSERT ON member_tags
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_tags_update AFTER UPDATE ON member_tags
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_tags_delete AFTER DELETE ON member_tags
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_payments_insert AFTER INSERT ON payments
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_payments_update
AFTER UPDATE OF id, member_id, course_id, kind, amount, refund_of, paid_on, period_start,
    period_months
ON payments
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
CREATE TRIGGER stale_payments_delete AFTER DELETE ON payments
BEGIN UPDATE rollup_state SET stale = 1 WHERE stale = 0; END;
