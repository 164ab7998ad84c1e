-- Indexes for the reports and the summary (issue 7), each added where EXPLAIN QUERY PLAN
-- showed a scan of the table on a large community.

-- Flows, members at a date and growth read only these columns: the scan reads this index,
-- not the wider rows. It starts with joined_at, so it replaces members_joined_at.
DROP INDEX members_joined_at;
CREATE INDEX members_timeline ON members (joined_at, status, expires_at, left_at);
-- Members by tier and status now (report members, summary) read only these.
CREATE INDEX members_tier_status ON members (tier, status, expires_at);

-- The leaderboard of this month reads this month's grants only.
CREATE INDEX points_ledger_created ON points_ledger (created_at, member_id, delta);
-- A member's points since a day (engagement) and their sums (leaderboard), without the rows.
CREATE INDEX points_ledger_member_created ON points_ledger (member_id, created_at, delta);

-- A member's enrollments since a day (engagement).
DROP INDEX enrollments_member;
CREATE INDEX enrollments_member ON enrollments (member_id, enrolled_on);
