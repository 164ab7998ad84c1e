-- members_tier_status (migration 4) served `report members` and the summary before the rollups
-- (migration 5) did. Only the scans that `report members --since/--until` falls back to still
-- chose it, and they were slower with it than without (1.6 s against 0.5 s on a million
-- members: a range over tiers, then each row looked up). It cost every import a sort of the
-- whole table, about 0.9 s a million members.
DROP INDEX members_tier_status;
