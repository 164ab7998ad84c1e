-- Courses, their students, and one ledger for every kind of income.
CREATE TABLE courses (
    id          INTEGER PRIMARY KEY,
    -- Lower-case letters, digits, '-' and '_' (validated in course.rs): safe in a URL as is.
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    description TEXT,
    price       INTEGER NOT NULL CHECK (price >= 0),   -- list price, minor units
    status      TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    created_at  TEXT NOT NULL,   -- RFC 3339, UTC
    updated_at  TEXT NOT NULL
);

-- Every payment received, and every refund given (as a negative amount pointing at the payment
-- it refunds). Income is never deleted with a member or a course: only the link goes.
CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('membership', 'course', 'qa', 'sponsorship', 'ad', 'other', 'refund')),
    amount        INTEGER NOT NULL,   -- minor units; > 0 for income, < 0 for a refund
    currency      TEXT NOT NULL,      -- ISO 4217, the community's currency when recorded
    paid_at       TEXT NOT NULL,      -- RFC 3339, UTC
    paid_on       TEXT NOT NULL,      -- YYYY-MM-DD in the community's timezone: the books' date
    member_id     INTEGER REFERENCES members (id) ON DELETE SET NULL,
    course_id     INTEGER REFERENCES courses (id) ON DELETE SET NULL,
    -- What a membership fee pays for: period_months months from period_start (YYYY-MM-DD).
    -- A refund carries the period of the payment it refunds, so MRR loses what was refunded.
    period_start  TEXT,
    period_months INTEGER CHECK (period_months BETWEEN 1 AND 1200),
    -- The bank's or WeChat Pay's id: a re-imported row with a known reference is skipped.
    reference     TEXT UNIQUE,
    refund_of     INTEGER REFERENCES payments (id),
    note          TEXT,
    created_at    TEXT NOT NULL,
    CHECK ((kind = 'refund') = (refund_of IS NOT NULL)),
    CHECK ((kind = 'refund' AND amount < 0) OR (kind <> 'refund' AND amount > 0)),
    CHECK ((period_start IS NULL) = (period_months IS NULL))
);
-- The revenue report scans date ranges; this index covers it without touching the table.
CREATE INDEX payments_paid_on ON payments (paid_on, kind, amount, member_id, course_id);
CREATE INDEX payments_member ON payments (member_id, paid_on);
CREATE INDEX payments_course ON payments (course_id, paid_on);
CREATE INDEX payments_kind ON payments (kind, paid_on);
CREATE INDEX payments_refund_of ON payments (refund_of) WHERE refund_of IS NOT NULL;
-- MRR reads only payments with a period; this partial index covers that query.
CREATE INDEX payments_period ON payments (period_start, period_months, amount)
    WHERE period_start IS NOT NULL;
-- The longest period bounds how far back MRR must look: max() is one lookup here.
CREATE INDEX payments_period_months ON payments (period_months) WHERE period_start IS NOT NULL;

-- A refund never exceeds what is left of the payment it refunds, and never refunds a refund.
-- The commands check first and explain; this keeps the ledger honest whatever writes to it.
CREATE TRIGGER payments_refund_limit BEFORE INSERT ON payments
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
CREATE TRIGGER payments_amount_fixed BEFORE UPDATE OF amount, kind, refund_of ON payments
BEGIN
    SELECT RAISE(ABORT, 'a payment''s amount, kind and refund link cannot change; refund it instead');
END;

CREATE TABLE enrollments (
    id           INTEGER PRIMARY KEY,
    course_id    INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    enrolled_on  TEXT NOT NULL,   -- YYYY-MM-DD
    price_paid   INTEGER NOT NULL DEFAULT 0 CHECK (price_paid >= 0),   -- minor units; 0 = free seat
    payment_id   INTEGER REFERENCES payments (id) ON DELETE SET NULL,
    completed_on TEXT,            -- YYYY-MM-DD
    created_at   TEXT NOT NULL,
    UNIQUE (course_id, member_id)
);
CREATE INDEX enrollments_member ON enrollments (member_id);
