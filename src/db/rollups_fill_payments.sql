-- The rollups that follow the payments, recomputed from the ledger. Run by migration 5 and by
-- `rollups::rebuild`.
DELETE FROM rollup_mrr;
DELETE FROM rollup_revenue;
DELETE FROM rollup_payers;
DELETE FROM rollup_courses;
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
