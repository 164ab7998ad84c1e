-- Members, their tags and their points ledger.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    -- Unique where present, compared case-insensitively: Li@Example.com is li@example.com.
    email       TEXT COLLATE NOCASE,
    phone       TEXT,
    wechat      TEXT COLLATE NOCASE,
    -- Acquisition channel or platform (wechat, patreon, ...) and the member's id there.
    source      TEXT,
    source_id   TEXT,
    tier        TEXT NOT NULL,
    status      TEXT NOT NULL
                CHECK (status IN ('trial', 'active', 'paused', 'cancelled', 'expired', 'comped')),
    joined_at   TEXT NOT NULL,   -- YYYY-MM-DD
    expires_at  TEXT,            -- YYYY-MM-DD, last day with access
    left_at     TEXT,            -- YYYY-MM-DD
    note        TEXT,
    created_at  TEXT NOT NULL,   -- RFC 3339, UTC
    updated_at  TEXT NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL OR wechat IS NOT NULL OR source_id IS NOT NULL),
    CHECK (source_id IS NULL OR source IS NOT NULL)
);
-- Partial indexes: members without a phone, WeChat ID, platform id or expiry (most of them)
-- cost those indexes nothing, which roughly halves the work of a large import. A lookup such
-- as `phone = ?` implies `phone IS NOT NULL`, so SQLite still uses them.
CREATE UNIQUE INDEX members_email ON members (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX members_phone ON members (phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX members_wechat ON members (wechat) WHERE wechat IS NOT NULL;
CREATE UNIQUE INDEX members_source_id ON members (source, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX members_joined_at ON members (joined_at);
CREATE INDEX members_expires_at ON members (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE member_tags (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (member_id, tag)
) WITHOUT ROWID;
CREATE INDEX member_tags_tag ON member_tags (tag);

CREATE TABLE points_ledger (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    delta      INTEGER NOT NULL CHECK (delta <> 0),
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX points_ledger_member ON points_ledger (member_id, id);
