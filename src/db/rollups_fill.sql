-- Every rollup recomputed from the base tables, through the same key views the triggers read
-- (migrations/0005_rollups.sql). Run by migration 5 and by `rollups::rebuild`.
DELETE FROM rollup_members;
DELETE FROM rollup_tags;
DELETE FROM rollup_flows;
DELETE FROM rollup_churn;
DELETE FROM rollup_mrr;
DELETE FROM rollup_revenue;
DELETE FROM rollup_payers;
DELETE FROM rollup_courses;
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
INSERT INTO rollup_mrr (period_start, period_months, amount, n)
SELECT period_start, period_months, amount, count(*) FROM payments WHERE period_start IS NOT NULL
GROUP BY period_start, period_months, amount;
INSERT INTO rollup_revenue (paid_on, kind, amount, member_amount)
SELECT paid_on, kind, sum(amount), sum(CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END)
FROM payments GROUP BY paid_on, kind;
INSERT INTO rollup_payers (month, n)
SELECT substr(paid_on, 1, 7), count(DISTINCT member_id) FROM payments
WHERE member_id IS NOT NULL AND kind <> 'refund' GROUP BY substr(paid_on, 1, 7);
INSERT INTO rollup_courses (course_id, payments, amount)
SELECT course_id, count(*), sum(amount) FROM payments WHERE course_id IS NOT NULL
GROUP BY course_id;
