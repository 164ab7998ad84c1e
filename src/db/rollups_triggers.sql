-- The triggers that keep the rollups exact and the ledger honest, and the views they read,
-- created by every connection of community that may write (`db::open` with `Access::Write`)
-- as TEMP objects of its own: since schema 8 the file holds none of them, so that commands
-- which only read do not parse them (SQLite parses a file's whole schema on a connection's
-- first statement). The statements are those of migrations 2, 5 and 6 (the rollups'
-- conventions are at the top of 0005_rollups.sql), with TEMP, and IF NOT EXISTS so that running
-- it twice on a connection is harmless. A bulk load drops some of them inside its transaction
-- and creates them again from sqlite_temp_schema (`db::temp_sql`).
-- The file's own copies of payments_refund_limit and payments_amount_fixed stay, for other
-- programs; community's connections turn the file's triggers off and fire these.

-- A refund never exceeds what is left of the payment it refunds, and never refunds a refund.
-- The commands check first and explain; this keeps the ledger honest whatever writes to it.
CREATE TEMP TRIGGER IF NOT EXISTS payments_refund_limit BEFORE INSERT ON payments
WHEN NEW.refund_of IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a refund must point at a payment that is not itself a refund')
    WHERE NOT EXISTS (SELECT 1 FROM payments WHERE id = NEW.refund_of AND kind <> 'refund');
    SELECT RAISE(ABORT, 'refunds would exceed the payment they refund')
    WHERE (SELECT amount FROM payments WHERE id = NEW.refund_of)
        + (SELECT coalesce(sum(amount), 0) FROM payments WHERE refund_of = NEW.refund_of)
        + NEW.amount < 0;
END;

-- The ledger is append-only in what matters: amounts and refund links never change.
CREATE TEMP TRIGGER IF NOT EXISTS payments_amount_fixed BEFORE UPDATE OF amount, kind, refund_of ON payments
BEGIN
    SELECT RAISE(ABORT, 'a payment''s amount, kind and refund link cannot change; refund it instead');
END;

-- What each member counts as in the rollups.
CREATE TEMP VIEW IF NOT EXISTS rollup_ends AS
SELECT *,
       -- The first day without access (README "Ended on"), as metrics.rs ENDED_ON.
       min(coalesce(left_at, '9999-12-31'),
           CASE WHEN status = 'paused' OR expires_at IS NULL THEN '9999-12-31'
           ELSE date(expires_at, '+1 day') END) AS ended_on
FROM members;

CREATE TEMP VIEW IF NOT EXISTS rollup_member_keys AS
SELECT id, tier, coalesce(source, x'') AS source, status,
       CASE WHEN status IN ('trial', 'active', 'cancelled', 'comped') AND expires_at IS NOT NULL
            THEN substr(expires_at, 1, 7) ELSE '' END AS expires_month,
       substr(joined_at, 1, 7) AS joined_month,
       substr(ended_on, 1, 7) AS ended_month,
       ended_on,
       -- In the flows (metrics::flows): placeable, with access for a day at least.
       coalesce(NOT (status = 'expired' AND expires_at IS NULL AND left_at IS NULL)
                AND ended_on > joined_at, 0) AS in_flows,
       -- Lost from a month's start when churned (metrics::churned_fees).
       coalesce(NOT (status = 'expired' AND expires_at IS NULL AND left_at IS NULL)
                AND ended_on < '9999-12-31'
                AND substr(joined_at, 1, 7) < substr(ended_on, 1, 7), 0) AS in_churn
FROM rollup_ends;

-- A member once per tag, or once with tag '' when they have none.
CREATE TEMP VIEW IF NOT EXISTS rollup_tag_keys AS
SELECT k.id, coalesce(t.tag, '') AS tag, k.tier, k.status, k.expires_month
FROM rollup_member_keys k LEFT JOIN member_tags t ON t.member_id = k.id;

-- The MRR a membership fee (or its refund) gives in the month before its member's access
-- ended: revenue::share at that month, for members in_churn. Rows that give nothing are left
-- out, so most payments never reach the rollup.
CREATE TEMP VIEW IF NOT EXISTS rollup_fee_offsets AS
SELECT p.id AS payment_id, p.member_id, k.ended_on, k.tier, k.source, p.amount,
       p.period_months AS months,
       (CAST(substr(k.ended_on, 1, 4) AS INTEGER) - CAST(substr(p.period_start, 1, 4) AS INTEGER)) * 12
         + CAST(substr(k.ended_on, 6, 2) AS INTEGER) - CAST(substr(p.period_start, 6, 2) AS INTEGER)
         - 1 AS offset
FROM payments p JOIN rollup_member_keys k ON k.id = p.member_id
WHERE p.period_start IS NOT NULL AND k.in_churn;

CREATE TEMP VIEW IF NOT EXISTS rollup_fee_keys AS
SELECT payment_id, member_id, ended_on, tier, source,
       amount / months
         + CASE WHEN offset < abs(amount) % months THEN (CASE WHEN amount < 0 THEN -1 ELSE 1 END)
           ELSE 0 END AS lost
FROM rollup_fee_offsets
WHERE offset >= 0 AND offset < months;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_members_insert AFTER INSERT ON members
BEGIN
    INSERT INTO rollup_members (tier, source, status, expires_month, n)
    SELECT tier, source, status, expires_month, 1 FROM rollup_member_keys WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT tag, tier, status, expires_month, 1 FROM rollup_tag_keys WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n)
    SELECT joined_month, ended_month, tier, source, 1 FROM rollup_member_keys
    WHERE id = NEW.id AND in_flows
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    -- A new member has no payments yet (a deleted member's are unlinked), so no churn rows.
END;

-- The columns the rollups depend on; a change of name, note or stamps costs nothing.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_members_before_update BEFORE UPDATE ON members
WHEN OLD.tier IS NOT NEW.tier OR OLD.source IS NOT NEW.source OR OLD.status IS NOT NEW.status
  OR OLD.joined_at IS NOT NEW.joined_at OR OLD.expires_at IS NOT NEW.expires_at
  OR OLD.left_at IS NOT NEW.left_at OR OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_members (tier, source, status, expires_month, n)
    SELECT tier, source, status, expires_month, -1 FROM rollup_member_keys WHERE id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT tag, tier, status, expires_month, -1 FROM rollup_tag_keys WHERE id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n)
    SELECT joined_month, ended_month, tier, source, -1 FROM rollup_member_keys
    WHERE id = OLD.id AND in_flows
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, -sum(lost) FROM rollup_fee_keys WHERE member_id = OLD.id
    GROUP BY ended_on, tier, source
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_members_after_update AFTER UPDATE ON members
WHEN OLD.tier IS NOT NEW.tier OR OLD.source IS NOT NEW.source OR OLD.status IS NOT NEW.status
  OR OLD.joined_at IS NOT NEW.joined_at OR OLD.expires_at IS NOT NEW.expires_at
  OR OLD.left_at IS NOT NEW.left_at OR OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_members (tier, source, status, expires_month, n)
    SELECT tier, source, status, expires_month, 1 FROM rollup_member_keys WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT tag, tier, status, expires_month, 1 FROM rollup_tag_keys WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n)
    SELECT joined_month, ended_month, tier, source, 1 FROM rollup_member_keys
    WHERE id = NEW.id AND in_flows
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, sum(lost) FROM rollup_fee_keys WHERE member_id = NEW.id
    GROUP BY ended_on, tier, source
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

-- Before: the member's tags and payments are still linked (the cascade and SET NULL that
-- follow the delete find the member gone and change nothing).
CREATE TEMP TRIGGER IF NOT EXISTS rollup_members_delete BEFORE DELETE ON members
BEGIN
    INSERT INTO rollup_members (tier, source, status, expires_month, n)
    SELECT tier, source, status, expires_month, -1 FROM rollup_member_keys WHERE id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT tag, tier, status, expires_month, -1 FROM rollup_tag_keys WHERE id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_flows (joined_month, ended_month, tier, source, n)
    SELECT joined_month, ended_month, tier, source, -1 FROM rollup_member_keys
    WHERE id = OLD.id AND in_flows
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, -sum(lost) FROM rollup_fee_keys WHERE member_id = OLD.id
    GROUP BY ended_on, tier, source
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_tags_insert AFTER INSERT ON member_tags
BEGIN
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT NEW.tag, tier, status, expires_month, 1 FROM rollup_member_keys WHERE id = NEW.member_id
    UNION ALL
    SELECT '', tier, status, expires_month, -1 FROM rollup_member_keys WHERE id = NEW.member_id
      AND NOT EXISTS (SELECT 1 FROM member_tags WHERE member_id = NEW.member_id AND tag <> NEW.tag)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_tags_delete AFTER DELETE ON member_tags
BEGIN
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT OLD.tag, tier, status, expires_month, -1 FROM rollup_member_keys WHERE id = OLD.member_id
    UNION ALL
    SELECT '', tier, status, expires_month, 1 FROM rollup_member_keys WHERE id = OLD.member_id
      AND NOT EXISTS (SELECT 1 FROM member_tags WHERE member_id = OLD.member_id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- No command changes a tag in place; should anything, the old tag goes and the new one comes,
-- and each member moves in or out of '' as their first tag comes or their last goes. After
-- the change only, so that an `UPDATE OR IGNORE` that changes nothing costs nothing.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_tags_update AFTER UPDATE ON member_tags
BEGIN
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT OLD.tag, tier, status, expires_month, -1 FROM rollup_member_keys WHERE id = OLD.member_id
    UNION ALL
    SELECT '', tier, status, expires_month, 1 FROM rollup_member_keys WHERE id = OLD.member_id
      AND OLD.member_id IS NOT NEW.member_id
      AND NOT EXISTS (SELECT 1 FROM member_tags WHERE member_id = OLD.member_id)
    UNION ALL
    SELECT NEW.tag, tier, status, expires_month, 1 FROM rollup_member_keys WHERE id = NEW.member_id
    UNION ALL
    SELECT '', tier, status, expires_month, -1 FROM rollup_member_keys WHERE id = NEW.member_id
      AND OLD.member_id IS NOT NEW.member_id
      AND NOT EXISTS (SELECT 1 FROM member_tags WHERE member_id = NEW.member_id AND tag <> NEW.tag)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_payments_insert AFTER INSERT ON payments
BEGIN
    INSERT INTO rollup_revenue (paid_on, kind, amount, member_amount)
    VALUES (NEW.paid_on, NEW.kind, NEW.amount,
            CASE WHEN NEW.member_id IS NOT NULL THEN NEW.amount ELSE 0 END)
    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_mrr (period_start, period_months, amount, n)
    SELECT NEW.period_start, NEW.period_months, NEW.amount, 1 WHERE NEW.period_start IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_courses (course_id, payments, amount)
    SELECT NEW.course_id, 1, NEW.amount WHERE NEW.course_id IS NOT NULL
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              amount = amount + excluded.amount;
    INSERT INTO rollup_payers (month, n)
    SELECT substr(NEW.paid_on, 1, 7), 1
    WHERE NEW.member_id IS NOT NULL AND NEW.kind <> 'refund'
      AND NOT EXISTS (SELECT 1 FROM payments WHERE member_id = NEW.member_id
                      AND paid_on >= substr(NEW.paid_on, 1, 7) AND paid_on < substr(NEW.paid_on, 1, 7) || '~'
                      AND kind <> 'refund' AND id <> NEW.id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, lost FROM rollup_fee_keys WHERE payment_id = NEW.id
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

-- Amounts, kinds and refund links never change (payments_amount_fixed); the links to a member
-- or course, the period and the day might (a member's or course's removal unlinks them).
CREATE TEMP TRIGGER IF NOT EXISTS rollup_payments_before_update BEFORE UPDATE ON payments
WHEN OLD.member_id IS NOT NEW.member_id OR OLD.course_id IS NOT NEW.course_id
  OR OLD.period_start IS NOT NEW.period_start OR OLD.period_months IS NOT NEW.period_months
  OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_payers (month, n)
    SELECT substr(OLD.paid_on, 1, 7), -1
    WHERE OLD.member_id IS NOT NULL AND OLD.kind <> 'refund'
      AND NOT EXISTS (SELECT 1 FROM payments WHERE member_id = OLD.member_id
                      AND paid_on >= substr(OLD.paid_on, 1, 7) AND paid_on < substr(OLD.paid_on, 1, 7) || '~'
                      AND kind <> 'refund' AND id <> OLD.id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, -lost FROM rollup_fee_keys WHERE payment_id = OLD.id
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_payments_after_update AFTER UPDATE ON payments
WHEN OLD.member_id IS NOT NEW.member_id OR OLD.course_id IS NOT NEW.course_id
  OR OLD.period_start IS NOT NEW.period_start OR OLD.period_months IS NOT NEW.period_months
  OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_revenue (paid_on, kind, amount, member_amount)
    VALUES (OLD.paid_on, OLD.kind, -OLD.amount,
            CASE WHEN OLD.member_id IS NOT NULL THEN -OLD.amount ELSE 0 END),
           (NEW.paid_on, NEW.kind, NEW.amount,
            CASE WHEN NEW.member_id IS NOT NULL THEN NEW.amount ELSE 0 END)
    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_mrr (period_start, period_months, amount, n)
    SELECT OLD.period_start, OLD.period_months, OLD.amount, -1 WHERE OLD.period_start IS NOT NULL
    UNION ALL
    SELECT NEW.period_start, NEW.period_months, NEW.amount, 1 WHERE NEW.period_start IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_courses (course_id, payments, amount)
    SELECT OLD.course_id, -1, -OLD.amount WHERE OLD.course_id IS NOT NULL
    UNION ALL
    SELECT NEW.course_id, 1, NEW.amount WHERE NEW.course_id IS NOT NULL
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              amount = amount + excluded.amount;
    INSERT INTO rollup_payers (month, n)
    SELECT substr(NEW.paid_on, 1, 7), 1
    WHERE NEW.member_id IS NOT NULL AND NEW.kind <> 'refund'
      AND NOT EXISTS (SELECT 1 FROM payments WHERE member_id = NEW.member_id
                      AND paid_on >= substr(NEW.paid_on, 1, 7) AND paid_on < substr(NEW.paid_on, 1, 7) || '~'
                      AND kind <> 'refund' AND id <> NEW.id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, lost FROM rollup_fee_keys WHERE payment_id = NEW.id
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

-- Before: the fee's member is read through the payment row, which is still there.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_payments_delete BEFORE DELETE ON payments
BEGIN
    INSERT INTO rollup_revenue (paid_on, kind, amount, member_amount)
    VALUES (OLD.paid_on, OLD.kind, -OLD.amount,
            CASE WHEN OLD.member_id IS NOT NULL THEN -OLD.amount ELSE 0 END)
    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_mrr (period_start, period_months, amount, n)
    SELECT OLD.period_start, OLD.period_months, OLD.amount, -1 WHERE OLD.period_start IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_courses (course_id, payments, amount)
    SELECT OLD.course_id, -1, -OLD.amount WHERE OLD.course_id IS NOT NULL
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              amount = amount + excluded.amount;
    INSERT INTO rollup_payers (month, n)
    SELECT substr(OLD.paid_on, 1, 7), -1
    WHERE OLD.member_id IS NOT NULL AND OLD.kind <> 'refund'
      AND NOT EXISTS (SELECT 1 FROM payments WHERE member_id = OLD.member_id
                      AND paid_on >= substr(OLD.paid_on, 1, 7) AND paid_on < substr(OLD.paid_on, 1, 7) || '~'
                      AND kind <> 'refund' AND id <> OLD.id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_churn (ended_on, tier, source, lost)
    SELECT ended_on, tier, source, -lost FROM rollup_fee_keys WHERE payment_id = OLD.id
    ON CONFLICT DO UPDATE SET lost = lost + excluded.lost;
END;

-- Each ledger entry once per dimension, with the key it counts under.
CREATE TEMP VIEW IF NOT EXISTS rollup_by_keys AS
SELECT p.id AS payment_id, p.paid_on, p.amount, p.member_id, 'kind' AS dimension, p.kind AS key
FROM payments p
UNION ALL
SELECT p.id, p.paid_on, p.amount, p.member_id, 'course', coalesce(p.course_id, x'')
FROM payments p
UNION ALL
SELECT p.id, p.paid_on, p.amount, p.member_id, 'tier', coalesce(m.tier, x'')
FROM payments p LEFT JOIN members m ON m.id = p.member_id
UNION ALL
SELECT p.id, p.paid_on, p.amount, p.member_id, 'source', coalesce(m.source, x'')
FROM payments p LEFT JOIN members m ON m.id = p.member_id;

-- Each payment (not a refund) naming a member that is the member's only one of its key in its
-- month (only such a payment makes or unmakes a paying month), once per dimension: its key,
-- its month, and the member's paying months of that key before and after it. Each lookup is a
-- short range of payments_member.
CREATE TEMP VIEW IF NOT EXISTS rollup_payer_steps AS
SELECT p.id AS payment_id, 'kind' AS dimension, p.kind AS key, substr(p.paid_on, 1, 7) AS month,
       coalesce(substr((SELECT q.paid_on FROM payments q WHERE q.member_id = p.member_id
                          AND q.paid_on < substr(p.paid_on, 1, 7) AND q.kind = p.kind
                        ORDER BY q.paid_on DESC LIMIT 1), 1, 7), '') AS prev_month,
       substr((SELECT q.paid_on FROM payments q WHERE q.member_id = p.member_id
                 AND q.paid_on > substr(p.paid_on, 1, 7) || '~' AND q.kind = p.kind
               ORDER BY q.paid_on LIMIT 1), 1, 7) AS next_month
FROM payments p WHERE p.member_id IS NOT NULL AND p.kind <> 'refund'
  AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.member_id = p.member_id
                    AND q.paid_on > substr(p.paid_on, 1, 7)
                    AND q.paid_on < substr(p.paid_on, 1, 7) || '~'
                    AND q.kind = p.kind AND q.id <> p.id)
UNION ALL
SELECT p.id, 'course', coalesce(p.course_id, x''), substr(p.paid_on, 1, 7),
       coalesce(substr((SELECT q.paid_on FROM payments q WHERE q.member_id = p.member_id
                          AND q.paid_on < substr(p.paid_on, 1, 7) AND q.kind <> 'refund'
                          AND q.course_id IS p.course_id
                        ORDER BY q.paid_on DESC LIMIT 1), 1, 7), ''),
       substr((SELECT q.paid_on FROM payments q WHERE q.member_id = p.member_id
                 AND q.paid_on > substr(p.paid_on, 1, 7) || '~' AND q.kind <> 'refund'
                 AND q.course_id IS p.course_id
               ORDER BY q.paid_on LIMIT 1), 1, 7)
FROM payments p WHERE p.member_id IS NOT NULL AND p.kind <> 'refund'
  AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.member_id = p.member_id
                    AND q.paid_on > substr(p.paid_on, 1, 7)
                    AND q.paid_on < substr(p.paid_on, 1, 7) || '~'
                    AND q.kind <> 'refund' AND q.course_id IS p.course_id AND q.id <> p.id)
UNION ALL
-- Tier and source: every payment of the member shares the key, so the member's paying months
-- are those of all their payments.
SELECT p.id, d.dimension,
       CASE d.dimension WHEN 'tier' THEN coalesce(m.tier, x'') ELSE coalesce(m.source, x'') END,
       substr(p.paid_on, 1, 7),
       coalesce(substr((SELECT q.paid_on FROM payments q WHERE q.member_id = p.member_id
                          AND q.paid_on < substr(p.paid_on, 1, 7) AND q.kind <> 'refund'
                        ORDER BY q.paid_on DESC LIMIT 1), 1, 7), ''),
       substr((SELECT q.paid_on FROM payments q WHERE q.member_id = p.member_id
                 AND q.paid_on > substr(p.paid_on, 1, 7) || '~' AND q.kind <> 'refund'
               ORDER BY q.paid_on LIMIT 1), 1, 7)
FROM payments p LEFT JOIN members m ON m.id = p.member_id
CROSS JOIN (SELECT 'tier' AS dimension UNION ALL SELECT 'source') d
WHERE p.member_id IS NOT NULL AND p.kind <> 'refund'
  AND NOT EXISTS (SELECT 1 FROM payments q WHERE q.member_id = p.member_id
                    AND q.paid_on > substr(p.paid_on, 1, 7)
                    AND q.paid_on < substr(p.paid_on, 1, 7) || '~'
                    AND q.kind <> 'refund' AND q.id <> p.id);

-- What such a payment changes: (next, prev) goes, (next, M) and (M, prev) come. n is for
-- adding the payment; removing it is the negation.
CREATE TEMP VIEW IF NOT EXISTS rollup_payer_deltas AS
SELECT s.payment_id, s.dimension, s.key,
       CASE WHEN e.i = 2 THEN s.month ELSE s.next_month END AS month,
       CASE WHEN e.i = 1 THEN s.month ELSE s.prev_month END AS prev_month,
       CASE WHEN e.i = 0 THEN -1 ELSE 1 END AS n
FROM rollup_payer_steps s
CROSS JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2) e
WHERE e.i = 2 OR s.next_month IS NOT NULL;

-- Each member's paying months (of any payment, not a refund) with the one before: the pairs
-- a member holds under their tier and under their source. In payments_member's order.
CREATE TEMP VIEW IF NOT EXISTS rollup_member_months AS
SELECT member_id, month, prev_month FROM (
    SELECT member_id, substr(paid_on, 1, 7) AS month,
           coalesce(substr(lag(paid_on) OVER (PARTITION BY member_id ORDER BY paid_on), 1, 7), '')
             AS prev_month
    FROM payments WHERE member_id IS NOT NULL AND kind <> 'refund')
WHERE month <> prev_month;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_payments_insert AFTER INSERT ON payments
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT dimension, key, paid_on, amount > 0, max(amount, 0), min(amount, 0),
           CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END
    FROM rollup_by_keys WHERE payment_id = NEW.id
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT dimension, key, month, prev_month, n FROM rollup_payer_deltas WHERE payment_id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Amounts and kinds never change (payments_amount_fixed); the member, the course and the day
-- might (a member's or course's removal unlinks them). A change of course alone moves only
-- the course's rows (the other dimensions' branches of the views are skipped, their WHERE
-- being false from the start): removing a course of many payments does not redo the rest.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_payments_before_update BEFORE UPDATE ON payments
WHEN OLD.member_id IS NOT NEW.member_id OR OLD.course_id IS NOT NEW.course_id
  OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT dimension, key, paid_on, -(amount > 0), -max(amount, 0), -min(amount, 0),
           CASE WHEN member_id IS NOT NULL THEN -amount ELSE 0 END
    FROM rollup_by_keys WHERE payment_id = OLD.id
      AND (dimension = 'course' OR OLD.member_id IS NOT NEW.member_id
           OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id)
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT dimension, key, month, prev_month, -n FROM rollup_payer_deltas WHERE payment_id = OLD.id
      AND (dimension = 'course' OR OLD.member_id IS NOT NEW.member_id
           OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_payments_after_update AFTER UPDATE ON payments
WHEN OLD.member_id IS NOT NEW.member_id OR OLD.course_id IS NOT NEW.course_id
  OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT dimension, key, paid_on, amount > 0, max(amount, 0), min(amount, 0),
           CASE WHEN member_id IS NOT NULL THEN amount ELSE 0 END
    FROM rollup_by_keys WHERE payment_id = NEW.id
      AND (dimension = 'course' OR OLD.member_id IS NOT NEW.member_id
           OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id)
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT dimension, key, month, prev_month, n FROM rollup_payer_deltas WHERE payment_id = NEW.id
      AND (dimension = 'course' OR OLD.member_id IS NOT NEW.member_id
           OR OLD.paid_on IS NOT NEW.paid_on OR OLD.id IS NOT NEW.id)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_payments_delete BEFORE DELETE ON payments
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT dimension, key, paid_on, -(amount > 0), -max(amount, 0), -min(amount, 0),
           CASE WHEN member_id IS NOT NULL THEN -amount ELSE 0 END
    FROM rollup_by_keys WHERE payment_id = OLD.id
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT dimension, key, month, prev_month, -n FROM rollup_payer_deltas WHERE payment_id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- A change of tier or source moves the member's payments (sums) and paying months from the
-- old key to the new one, in one statement per rollup.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_members_update AFTER UPDATE ON members
WHEN OLD.id = NEW.id AND (OLD.tier IS NOT NEW.tier OR OLD.source IS NOT NEW.source)
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT k.dimension, k.key, p.paid_on, k.sign * (p.amount > 0),
           k.sign * max(p.amount, 0), k.sign * min(p.amount, 0), k.sign * p.amount
    FROM payments p CROSS JOIN (
        SELECT 'tier' AS dimension, OLD.tier AS key, -1 AS sign WHERE OLD.tier IS NOT NEW.tier
        UNION ALL SELECT 'tier', NEW.tier, 1 WHERE OLD.tier IS NOT NEW.tier
        UNION ALL SELECT 'source', coalesce(OLD.source, x''), -1 WHERE OLD.source IS NOT NEW.source
        UNION ALL SELECT 'source', coalesce(NEW.source, x''), 1 WHERE OLD.source IS NOT NEW.source) k
    WHERE p.member_id = NEW.id
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT k.dimension, k.key, mm.month, mm.prev_month, k.sign
    FROM rollup_member_months mm CROSS JOIN (
        SELECT 'tier' AS dimension, OLD.tier AS key, -1 AS sign WHERE OLD.tier IS NOT NEW.tier
        UNION ALL SELECT 'tier', NEW.tier, 1 WHERE OLD.tier IS NOT NEW.tier
        UNION ALL SELECT 'source', coalesce(OLD.source, x''), -1 WHERE OLD.source IS NOT NEW.source
        UNION ALL SELECT 'source', coalesce(NEW.source, x''), 1 WHERE OLD.source IS NOT NEW.source) k
    WHERE mm.member_id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- A new id (no command gives one; with foreign keys on, only a member without payments can
-- take one): the payments naming the old id move from its keys to x'', and those naming the
-- new id (if any named a missing member) from x'' to its keys.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_members_renumber AFTER UPDATE ON members
WHEN OLD.id IS NOT NEW.id
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT k.dimension, k.key, p.paid_on, k.sign * (p.amount > 0),
           k.sign * max(p.amount, 0), k.sign * min(p.amount, 0), k.sign * p.amount
    FROM payments p CROSS JOIN (
        SELECT 'tier' AS dimension, OLD.tier AS key, -1 AS sign
        UNION ALL SELECT 'source', coalesce(OLD.source, x''), -1
        UNION ALL SELECT 'tier', x'', 1
        UNION ALL SELECT 'source', x'', 1) k
    WHERE p.member_id = OLD.id
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT k.dimension, k.key, mm.month, mm.prev_month, k.sign
    FROM rollup_member_months mm CROSS JOIN (
        SELECT 'tier' AS dimension, OLD.tier AS key, -1 AS sign
        UNION ALL SELECT 'source', coalesce(OLD.source, x''), -1
        UNION ALL SELECT 'tier', x'', 1
        UNION ALL SELECT 'source', x'', 1) k
    WHERE mm.member_id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT k.dimension, k.key, p.paid_on, k.sign * (p.amount > 0),
           k.sign * max(p.amount, 0), k.sign * min(p.amount, 0), k.sign * p.amount
    FROM payments p CROSS JOIN (
        SELECT 'tier' AS dimension, x'' AS key, -1 AS sign
        UNION ALL SELECT 'source', x'', -1
        UNION ALL SELECT 'tier', NEW.tier, 1
        UNION ALL SELECT 'source', coalesce(NEW.source, x''), 1) k
    WHERE p.member_id = NEW.id
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT k.dimension, k.key, mm.month, mm.prev_month, k.sign
    FROM rollup_member_months mm CROSS JOIN (
        SELECT 'tier' AS dimension, x'' AS key, -1 AS sign
        UNION ALL SELECT 'source', x'', -1
        UNION ALL SELECT 'tier', NEW.tier, 1
        UNION ALL SELECT 'source', coalesce(NEW.source, x''), 1) k
    WHERE mm.member_id = NEW.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Before: the member's payments still name them. The SET NULL that follows the delete
-- updates each payment, whose triggers take it from x'' (its member gone) to no member.
CREATE TEMP TRIGGER IF NOT EXISTS rollup_by_members_delete BEFORE DELETE ON members
BEGIN
    INSERT INTO rollup_revenue_by (dimension, key, paid_on, payments, gross, refunds, member_amount)
    SELECT k.dimension, k.key, p.paid_on, k.sign * (p.amount > 0),
           k.sign * max(p.amount, 0), k.sign * min(p.amount, 0), k.sign * p.amount
    FROM payments p CROSS JOIN (
        SELECT 'tier' AS dimension, OLD.tier AS key, -1 AS sign
        UNION ALL SELECT 'source', coalesce(OLD.source, x''), -1
        UNION ALL SELECT 'tier', x'', 1
        UNION ALL SELECT 'source', x'', 1) k
    WHERE p.member_id = OLD.id
    ON CONFLICT DO UPDATE SET payments = payments + excluded.payments,
                              gross = gross + excluded.gross,
                              refunds = refunds + excluded.refunds,
                              member_amount = member_amount + excluded.member_amount;
    INSERT INTO rollup_payers_by (dimension, key, month, prev_month, n)
    SELECT k.dimension, k.key, mm.month, mm.prev_month, k.sign
    FROM rollup_member_months mm CROSS JOIN (
        SELECT 'tier' AS dimension, OLD.tier AS key, -1 AS sign
        UNION ALL SELECT 'source', coalesce(OLD.source, x''), -1
        UNION ALL SELECT 'tier', x'', 1
        UNION ALL SELECT 'source', x'', 1) k
    WHERE mm.member_id = OLD.id
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
