-- Rollups for `report revenue --by kind|tier|course|source` (issue 7, "Speed at scale"), kept
-- exact by triggers in the conventions of migration 5 (0005_rollups.sql). README ("Speed at
-- scale") says what they hold; db/rollups.rs reads them and `rollups::rebuild` refills them
-- (rollups_fill_by.sql).
--
-- A payment counts under each dimension by a key: its kind; its course id (x'' for none); its
-- member's tier and source now (x'' for no member, no source, or a member_id naming no member,
-- as the report's LEFT JOIN has it). The member's tier and source are read through the
-- member, so changing them moves the member's payments from one key to the other.
--
-- Sums add up over days; distinct payers over a range do not. Those come from each member's
-- paying months under a key (the months with a payment, not a refund, of that key): the
-- rollup counts members by (month, previous paying month), and the members who paid in months
-- A..B are the rows with a month in A..B whose previous month is before A ('' for none).
-- A payment in month M that is its member's first of that key in M puts M between the months
-- before and after it (prev, next): (next, prev) goes, (next, M) and (M, prev) come.
--
-- `revenue import` and `course import` drop the insert trigger for their load and add what
-- they loaded in grouped statements instead (`rollups::PaymentLoad`). Not kept, beside what
-- migration 5 says: a member inserted with an id that payments still name (possible only
-- with foreign keys off); `rollups::rebuild` repairs it.

-- Every lookup of a member's payments (the triggers here, a member's tier change, the reader's
-- check of days the rollups do not cover, the filling below) reads this index and no row.
-- Replaces (member_id, paid_on, kind).
DROP INDEX payments_member;
CREATE INDEX payments_member ON payments (member_id, paid_on, kind, course_id, amount);

-- Income by dimension, key and day.
CREATE TABLE rollup_revenue_by (
    dimension     TEXT NOT NULL,      -- 'kind', 'course', 'tier' or 'source'
    key           NOT NULL,           -- the kind, course id, tier or source; x'' for none
    paid_on       TEXT NOT NULL,
    payments      INTEGER NOT NULL,   -- payments, not refunds
    gross         INTEGER NOT NULL,   -- their sum
    refunds       INTEGER NOT NULL,   -- the sum of refunds (zero or negative)
    member_amount INTEGER NOT NULL,   -- the net of payments and refunds that name a member
    PRIMARY KEY (dimension, key, paid_on)
) WITHOUT ROWID;

-- Members by dimension, key, paying month and the paying month before it ('' for none).
CREATE TABLE rollup_payers_by (
    dimension  TEXT NOT NULL,
    key        NOT NULL,
    month      TEXT NOT NULL,
    prev_month TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (dimension, key, month, prev_month)
) WITHOUT ROWID;

-- Each ledger entry once per dimension, with the key it counts under.
CREATE VIEW rollup_by_keys AS
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
CREATE VIEW rollup_payer_steps AS
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
CREATE VIEW rollup_payer_deltas AS
SELECT s.payment_id, s.dimension, s.key,
       CASE WHEN e.i = 2 THEN s.month ELSE s.next_month END AS month,
       CASE WHEN e.i = 1 THEN s.month ELSE s.prev_month END AS prev_month,
       CASE WHEN e.i = 0 THEN -1 ELSE 1 END AS n
FROM rollup_payer_steps s
CROSS JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2) e
WHERE e.i = 2 OR s.next_month IS NOT NULL;

-- Each member's paying months (of any payment, not a refund) with the one before: the pairs
-- a member holds under their tier and under their source. In payments_member's order.
CREATE VIEW rollup_member_months AS
SELECT member_id, month, prev_month FROM (
    SELECT member_id, substr(paid_on, 1, 7) AS month,
           coalesce(substr(lag(paid_on) OVER (PARTITION BY member_id ORDER BY paid_on), 1, 7), '')
             AS prev_month
    FROM payments WHERE member_id IS NOT NULL AND kind <> 'refund')
WHERE month <> prev_month;

-- Payments.

CREATE TRIGGER rollup_by_payments_insert AFTER INSERT ON payments
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
CREATE TRIGGER rollup_by_payments_before_update BEFORE UPDATE ON payments
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

CREATE TRIGGER rollup_by_payments_after_update AFTER UPDATE ON payments
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

CREATE TRIGGER rollup_by_payments_delete BEFORE DELETE ON payments
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

-- Members. A member's payments count under the member's tier and source while the member
-- exists, and under x'' once no member has their id.

-- A change of tier or source moves the member's payments (sums) and paying months from the
-- old key to the new one, in one statement per rollup.
CREATE TRIGGER rollup_by_members_update AFTER UPDATE ON members
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
CREATE TRIGGER rollup_by_members_renumber AFTER UPDATE ON members
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
CREATE TRIGGER rollup_by_members_delete BEFORE DELETE ON members
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
