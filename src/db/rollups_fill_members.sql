-- The rollups that follow the members, recomputed from the base tables through the same key
-- views the triggers read (migrations/0005_rollups.sql). Run by migration 5, by
-- `rollups::rebuild`, and after a load into an empty members table (which drops their triggers).
DELETE FROM rollup_members;
DELETE FROM rollup_tags;
DELETE FROM rollup_flows;
DELETE FROM rollup_churn;
INSERT INTO rollup_members (tier, source, status, expires_month, n)
SELECT tier, source, status, expires_month, count(*) FROM rollup_member_keys
GROUP BY tier, source, status, expires_month;
INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
SELECT tag, tier, status, expires_month, count(*) FROM rollup_tag_keys
GROUP BY tag, tier, status, expires_month;
INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n)
SELECT joined_month, ended_month, tier, source, count(*) FROM rollup_member_keys WHERE in_flows
GROUP BY joined_month, ended_month, tier, source;
INSERT INTO rollup_churn (ended_on, tier, source, lost)
SELECT ended_on, tier, source, sum(lost) FROM rollup_fee_keys
GROUP BY ended_on, tier, source;
