-- The content pipeline (content, content_stats) and the content calendar (plan_slots, plan_skips).
CREATE TABLE content (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('article', 'video', 'live', 'discussion', 'qa', 'event')),
    status        TEXT NOT NULL
                  CHECK (status IN ('idea', 'draft', 'review', 'scheduled', 'published', 'archived')),
    topic         TEXT,
    scheduled_for TEXT,   -- RFC 3339, UTC: when it is meant to go out
    published_at  TEXT,   -- RFC 3339, UTC: when it went out
    url           TEXT,
    review_note   TEXT,   -- why review last sent it back to draft
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (status <> 'published' OR published_at IS NOT NULL),
    CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL)
);
-- A url names one piece of content: re-imports match on it.
CREATE UNIQUE INDEX content_url ON content (url) WHERE url IS NOT NULL;
CREATE INDEX content_status ON content (status);
CREATE INDEX content_kind ON content (kind);
CREATE INDEX content_topic ON content (topic);
CREATE INDEX content_published_at ON content (published_at);
CREATE INDEX content_scheduled_for ON content (scheduled_for);
-- Re-imports match rows without a url on title and kind.
CREATE INDEX content_title ON content (title, kind);

-- Dated snapshots of reach: one per content and day (a later one that day replaces it).
CREATE TABLE content_stats (
    content_id  INTEGER NOT NULL REFERENCES content (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,   -- YYYY-MM-DD in the community's timezone
    views       INTEGER NOT NULL CHECK (views >= 0),
    likes       INTEGER NOT NULL CHECK (likes >= 0),
    comments    INTEGER NOT NULL CHECK (comments >= 0),
    shares      INTEGER NOT NULL CHECK (shares >= 0),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (content_id, day)
) WITHOUT ROWID;
CREATE INDEX content_stats_day ON content_stats (day);

-- Calendar slots generated from [plan]; (rule, local_start) is a slot's identity across runs.
CREATE TABLE plan_slots (
    id          INTEGER PRIMARY KEY,
    rule        TEXT NOT NULL,
    local_start TEXT NOT NULL,   -- YYYY-MM-DDTHH:MM, wall-clock time in the community's timezone
    starts_at   TEXT NOT NULL,   -- RFC 3339, UTC
    ends_at     TEXT NOT NULL,   -- RFC 3339, UTC
    kind        TEXT NOT NULL
                CHECK (kind IN ('article', 'video', 'live', 'discussion', 'qa', 'event')),
    topic       TEXT,
    content_id  INTEGER REFERENCES content (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (rule, local_start)
);
CREATE INDEX plan_slots_local_start ON plan_slots (local_start);
CREATE INDEX plan_slots_starts_at ON plan_slots (starts_at);
-- A piece of content fills at most one slot.
CREATE UNIQUE INDEX plan_slots_content ON plan_slots (content_id) WHERE content_id IS NOT NULL;

-- Days with no slots (holidays): `plan skip DATE`.
CREATE TABLE plan_skips (
    day        TEXT PRIMARY KEY,   -- YYYY-MM-DD
    reason     TEXT,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
