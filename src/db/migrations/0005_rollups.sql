-- Rollups (issue 7, "Speed at scale"): small aggregate tables kept exact by triggers, so that
-- the summary and the reports read a few thousand rows instead of every member and payment.
-- README ("Speed at scale") says what each one holds and which reports read it; db/rollups.rs
-- reads them and can rebuild them all from the base tables (`rollups::rebuild`).
--
-- Conventions:
-- * Keys never hold NULL (NULLs are distinct in a primary key, so an upsert would never find
--   its row): a member without a source is keyed by the empty blob x'' (no text equals a
--   blob), no expiry month by '', no tag by '', "never ended" by '9999-12'.
-- * A count that falls to zero keeps its row; readers skip zeros.
-- * The keys of a member, a tag and a fee are computed in one view each (rollup_*_keys), read
--   by the triggers and by the rebuild alike, so there is one definition of each. Triggers
--   take away a row's contribution BEFORE it changes or goes and add it back AFTER, reading
--   the row itself through the view; inserts add AFTER only, so an `INSERT OR IGNORE` that
--   inserts nothing changes nothing.
-- * Status is derived from today, so "now" figures keep the expiry month and the reader
--   corrects this month's part exactly from the members expiring in it (an indexed range).
-- * Not kept: the deletes of an `INSERT OR REPLACE` (they fire no triggers) and an `UPDATE OR
--   IGNORE` on members or payments that skips its row after the BEFORE trigger ran. No command
--   writes either; `rollups::rebuild` repairs what another tool might have done.

-- Members whose access ends after today within this month: the flows' exact correction reads
-- them by left_at as well as by expiry. Partial: members who never left cost nothing.
CREATE INDEX members_left_at ON members (left_at) WHERE left_at IS NOT NULL;
-- Replaces (expires_at): the lists that read members in expiry order still can, and the
-- corrections for today's month read what they need from the index, not the rows.
DROP INDEX members_expires_at;
CREATE INDEX members_expires_at ON members (expires_at, status, tier, source, joined_at, left_at)
    WHERE expires_at IS NOT NULL;

-- Whether a member already paid in a month (rollup_payers' triggers ask on every payment):
-- with the kind in the index the answer needs no row. Replaces (member_id, paid_on).
DROP INDEX payments_member;
CREATE INDEX payments_member ON payments (member_id, paid_on, kind);

-- What each member counts as in the rollups.
CREATE VIEW rollup_ends AS
SELECT *,
       -- The first day without access (README "Ended on"), as metrics.rs ENDED_ON.
       min(coalesce(left_at, '9999-12-31'),
           CASE WHEN status = 'paused' OR expires_at IS NULL THEN '9999-12-31'
           ELSE date(expires_at, '+1 day') END) AS ended_on
FROM members;

CREATE VIEW rollup_member_keys AS
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
CREATE VIEW rollup_tag_keys AS
SELECT k.id, coalesce(t.tag, '') AS tag, k.tier, k.status, k.expires_month
FROM rollup_member_keys k LEFT JOIN member_tags t ON t.member_id = k.id;

-- The MRR a membership fee (or its refund) gives in the month before its member's access
-- ended: revenue::share at that month, for members in_churn. Rows that give nothing are left
-- out, so most payments never reach the rollup.
CREATE VIEW rollup_fee_offsets AS
SELECT p.id AS payment_id, p.member_id, k.ended_on, k.tier, k.source, p.amount,
       p.period_months AS months,
       (CAST(substr(k.ended_on, 1, 4) AS INTEGER) - CAST(substr(p.period_start, 1, 4) AS INTEGER)) * 12
         + CAST(substr(k.ended_on, 6, 2) AS INTEGER) - CAST(substr(p.period_start, 6, 2) AS INTEGER)
         - 1 AS offset
FROM payments p JOIN rollup_member_keys k ON k.id = p.member_id
WHERE p.period_start IS NOT NULL AND k.in_churn;

CREATE VIEW rollup_fee_keys AS
SELECT payment_id, member_id, ended_on, tier, source,
       amount / months
         + CASE WHEN offset < abs(amount) % months THEN (CASE WHEN amount < 0 THEN -1 ELSE 1 END)
           ELSE 0 END AS lost
FROM rollup_fee_offsets
WHERE offset >= 0 AND offset < months;

-- Members by tier, source, stored status and expiry month (report members, summary).
CREATE TABLE rollup_members (
    tier          TEXT NOT NULL,
    source        NOT NULL,
    status        TEXT NOT NULL,
    expires_month TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (tier, source, status, expires_month)
) WITHOUT ROWID;

-- The same by tag (report members --by tag); tag '' counts members without one. Each
-- spelling of a tag has its rows (the reader groups them case-insensitively).
CREATE TABLE rollup_tags (
    tag           TEXT NOT NULL,
    tier          TEXT NOT NULL,
    status        TEXT NOT NULL,
    expires_month TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (tag, tier, status, expires_month)
) WITHOUT ROWID;

-- Members in the flows by join month and the month their access ended (growth, cohorts,
-- churn, summary).
CREATE TABLE rollup_flows (
    joined_month TEXT NOT NULL,
    ended_month  TEXT NOT NULL,
    tier         TEXT NOT NULL,
    source       NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (joined_month, ended_month, tier, source)
) WITHOUT ROWID;

-- The MRR that members lost from a month's start took with them, by the day their access
-- ended (report churn: mrr_lost).
CREATE TABLE rollup_churn (
    ended_on TEXT NOT NULL,
    tier     TEXT NOT NULL,
    source   NOT NULL,
    lost     INTEGER NOT NULL,
    PRIMARY KEY (ended_on, tier, source)
) WITHOUT ROWID;

-- Equal fees with a period (MRR: report revenue, report churn, summary).
CREATE TABLE rollup_mrr (
    period_start  TEXT NOT NULL,
    period_months INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (period_start, period_months, amount)
) WITHOUT ROWID;

-- Income by day and kind (report revenue by month).
CREATE TABLE rollup_revenue (
    paid_on       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    member_amount INTEGER NOT NULL,   -- of payments that name a member
    PRIMARY KEY (paid_on, kind)
) WITHOUT ROWID;

-- Distinct members with a payment (not a refund) in each month (report revenue by month).
CREATE TABLE rollup_payers (
    month TEXT NOT NULL PRIMARY KEY,
    n     INTEGER NOT NULL
) WITHOUT ROWID;

-- Payments (refunds included) and their net sum by course (course list).
CREATE TABLE rollup_courses (
    course_id INTEGER NOT NULL PRIMARY KEY,
    payments  INTEGER NOT NULL,
    amount    INTEGER NOT NULL
) WITHOUT ROWID;

-- Members.

CREATE TRIGGER rollup_members_insert AFTER INSERT ON members
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
CREATE TRIGGER rollup_members_before_update BEFORE UPDATE ON members
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

CREATE TRIGGER rollup_members_after_update AFTER UPDATE ON members
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
CREATE TRIGGER rollup_members_delete BEFORE DELETE ON members
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

-- Tags. A member's first tag takes them out of '' and their last puts them back.

CREATE TRIGGER rollup_tags_insert AFTER INSERT ON member_tags
BEGIN
    INSERT INTO rollup_tags (tag, tier, status, expires_month, n)
    SELECT NEW.tag, tier, status, expires_month, 1 FROM rollup_member_keys WHERE id = NEW.member_id
    UNION ALL
    SELECT '', tier, status, expires_month, -1 FROM rollup_member_keys WHERE id = NEW.member_id
      AND NOT EXISTS (SELECT 1 FROM member_tags WHERE member_id = NEW.member_id AND tag <> NEW.tag)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER rollup_tags_delete AFTER DELETE ON member_tags
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
CREATE TRIGGER rollup_tags_update AFTER UPDATE ON member_tags
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

-- Payments.

CREATE TRIGGER rollup_payments_insert AFTER INSERT ON payments
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
CREATE TRIGGER rollup_payments_before_update BEFORE UPDATE ON payments
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

CREATE TRIGGER rollup_payments_after_update AFTER UPDATE ON payments
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
CREATE TRIGGER rollup_payments_delete BEFORE DELETE ON payments
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
