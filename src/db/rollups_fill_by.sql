-- The rollups of `report revenue --by` (migrations/0006_revenue_by.sql), recomputed from the
-- ledger and the members. Run by migration 6 and by `rollups::rebuild`.
--
-- The same definitions as the triggers' views, written to stream over the indexes: kinds and
-- courses in the order of payments_paid_on, tiers and sources in member order (each member
-- read once, in id order) through the covering payments_member, paying months with a window
-- over it. About a minute for five million payments.
DELETE FROM rollup_revenue_by;
DELETE FROM rollup_payers_by;

INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
SELECT 'kind', kind, paid_on, sum(amount > 0), sum(max(amount, 0)), sum(min(amount, 0)),
       sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END)
FROM payments GROUP BY paid_on, kind;

INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
SELECT 'course', coalesce(course_id, x''), paid_on, sum(amount > 0), sum(max(amount, 0)),
       sum(min(amount, 0)), sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END)
FROM payments INDEXED BY payments_paid_on GROUP BY paid_on, course_id;

-- Tier and source: each member's days, then the member's keys, summed by both at once.
CREATE TEMP TABLE rollup_fill_by AS
SELECT coalesce(m.tier, x'') AS tier, coalesce(m.source, x'') AS source, d.paid_on,
       sum(d.payments) AS payments, sum(d.gross) AS gross, sum(d.refunds) AS refunds,
       sum(d.member_amount) AS member_amount
FROM (SELECT member_id, paid_on, sum(amount > 0) AS payments, sum(max(amount, 0)) AS gross,
             sum(min(amount, 0)) AS refunds,
             sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END) AS member_amount
      FROM payments INDEXED BY payments_member GROUP BY member_id, paid_on) d
LEFT JOIN members m ON m.id = d.member_id
GROUP BY 1, 2, 3;
INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
SELECT 'tier', tier, paid_on, sum(payments), sum(gross), sum(refunds), sum(member_amount)
FROM rollup_fill_by GROUP BY tier, paid_on;
INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
SELECT 'source', source, paid_on, sum(payments), sum(gross), sum(refunds), sum(member_amount)
FROM rollup_fill_by GROUP BY source, paid_on;
DROP TABLE rollup_fill_by;

-- Paying months: a member's payment whose month differs from that of the member's payment
-- before it (of the same key) starts a paying month, and the month before is that payment's.
INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
SELECT 'kind', kind, month, prev_month, count(*) FROM (
    SELECT kind, substr(paid_on, 1, 7) AS month,
           coalesce(substr(lag(paid_on) OVER (PARTITION BY member_id, kind ORDER BY paid_on), 1, 7), '')
             AS prev_month
    FROM payments WHERE member_id IS NOT NULL AND kind <> 'refund')
WHERE month <> prev_month
GROUP BY kind, month, prev_month;

INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
SELECT 'course', coalesce(course_id, x''), month, prev_month, count(*) FROM (
    SELECT course_id, substr(paid_on, 1, 7) AS month,
           coalesce(substr(lag(paid_on) OVER (PARTITION BY member_id, course_id ORDER BY paid_on), 1, 7), '')
             AS prev_month
    FROM payments WHERE member_id IS NOT NULL AND kind <> 'refund')
WHERE month <> prev_month
GROUP BY course_id, month, prev_month;

CREATE TEMP TABLE rollup_fill_by AS
SELECT coalesce(m.tier, x'') AS tier, coalesce(m.source, x'') AS source, mm.month, mm.prev_month,
       count(*) AS n
FROM rollup_member_months mm LEFT JOIN members m ON m.id = mm.member_id
GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
SELECT 'tier', tier, month, prev_month, sum(n) FROM rollup_fill_by
GROUP BY tier, month, prev_month;
INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
SELECT 'source', source, month, prev_month, sum(n) FROM rollup_fill_by
GROUP BY source, month, prev_month;
DROP TABLE rollup_fill_by;
