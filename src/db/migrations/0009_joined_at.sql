-- members_timeline (migration 4: joined_at, status, expires_at, left_at) served the flows and
-- the forecasts' members at a date from the index alone, before the rollups (migration 5) and
-- while `forecast growth` still counted members at 24 days with a scan (it sums the rollups
-- now). What still reads members by join date (the lists' --joined-* filters and
-- --sort joined_at, `report members --since/--until`, the earliest join) needs only the date:
-- on a million members every such command measured the same or faster on (joined_at) alone
-- (`member list --sort joined_at --desc` 62 to 6 ms), and the narrower index is about a third
-- cheaper to build in each first import (0.81 to 0.55 s a million members) and to grow.
DROP INDEX members_timeline;
CREATE INDEX members_joined_at ON members (joined_at);
