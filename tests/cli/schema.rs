//! Schema life: a database from the first schema upgrades with its data intact, and an upgrade
//! that fails midway leaves the old version as it was and usable. (A newer database is refused
//! untouched: errors.rs.)

use rusqlite::Connection;

use crate::common::{Env, TODAY};

/// Schema 1 as the first release wrote it.
const FIRST: &str = include_str!("../../src/db/migrations/0001_members.sql");

/// The schema this build writes: one migration per file.
fn current_version() -> i64 {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/migrations");
    std::fs::read_dir(dir)
        .expect("lists migrations")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count() as i64
}

/// Replaces the env's database with one at schema 1 holding two members, tags and points.
fn first_version_database(env: &Env) {
    std::fs::remove_file(env.db()).expect("removes the new database");
    let conn = Connection::open(env.db()).expect("creates");
    conn.execute_batch(FIRST).expect("schema 1");
    conn.execute_batch(
        "INSERT INTO members (id, name, email, phone, wechat, tier, status, joined_at, expires_at, note, created_at, updated_at)
         VALUES (1, '李雷', 'li@example.com', '13800138000', NULL, 'basic', 'active', '2025-01-02', '2027-01-01', 'first member', '2025-01-02T00:00:00Z', '2025-01-02T00:00:00Z'),
                (2, 'Han', NULL, NULL, 'han_mm', 'free', 'paused', '2025-03-04', NULL, NULL, '2025-03-04T00:00:00Z', '2025-03-04T00:00:00Z');
         INSERT INTO member_tags (member_id, tag) VALUES (1, '早鸟'), (1, 'vip'), (2, 'vip');
         INSERT INTO points_ledger (member_id, delta, reason, created_at) VALUES (1, 20, 'best answer', '2025-02-01T00:00:00Z');
         PRAGMA user_version = 1;",
    )
    .expect("schema 1 data");
}

fn user_version(env: &Env) -> i64 {
    env.count("PRAGMA user_version")
}

#[test]
fn a_first_version_database_upgrades_with_its_data_intact() {
    let env = Env::new();
    first_version_database(&env);
    let before = Connection::open(env.db())
        .unwrap()
        .query_row(
            "SELECT group_concat(concat_ws(',', id, name, email, phone, wechat, tier, status, joined_at, expires_at, note), '|') FROM members",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .unwrap();

    let list = env.list(&[]);
    assert_eq!(user_version(&env), current_version());
    assert_eq!(list.len(), 3, "{list:?}");
    let export = env.ok(&["member", "export", "--format", "jsonl"]);
    for expected in [
        "\"name\":\"李雷\"",
        "\"email\":\"li@example.com\"",
        "\"phone\":\"13800138000\"",
        "\"tags\":\"vip;早鸟\"",
        "\"points\":20",
        "\"note\":\"first member\"",
        "\"wechat\":\"han_mm\"",
        "\"status\":\"paused\"",
    ] {
        assert!(
            export.contains(expected),
            "{expected} missing from {export}"
        );
    }
    let after = Connection::open(env.db())
        .unwrap()
        .query_row(
            "SELECT group_concat(concat_ws(',', id, name, email, phone, wechat, tier, status, joined_at, expires_at, note), '|') FROM members",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .unwrap();
    assert_eq!(after, before);
    // The rollups (schema 5) were filled from the members already there.
    let by_tag = env.ok(&["report", "members", "--by", "tag", "--format", "csv"]);
    assert!(by_tag.contains("vip,2,100.0,"), "{by_tag}");
    assert!(by_tag.contains("早鸟,1,50.0,"), "{by_tag}");
    assert_eq!(env.count("SELECT sum(n) FROM rollup_members"), 2);
    // And the new tables work on it.
    env.ok(&[
        "revenue", "add", "--kind", "ad", "--amount", "100", "--at", TODAY,
    ]);
    env.ok(&["content", "add", "--title", "Hello", "--kind", "article"]);
}

#[test]
fn an_upgrade_that_fails_midway_leaves_the_old_version_usable() {
    let env = Env::new();
    first_version_database(&env);
    // Migration 2 creates `courses`; a table of that name already there makes it fail after
    // it has begun.
    Connection::open(env.db())
        .unwrap()
        .execute_batch("CREATE TABLE courses (x TEXT); INSERT INTO courses VALUES ('in the way');")
        .unwrap();
    let err = env.fails(&["member", "list"]);
    assert!(err.contains("to schema 2"), "{err}");
    assert!(err.contains("courses"), "{err}");
    assert_eq!(user_version(&env), 1, "the version did not move");
    assert_eq!(env.count("SELECT count(*) FROM members"), 2);
    assert_eq!(
        env.count("SELECT count(*) FROM sqlite_schema WHERE name = 'payments'"),
        0,
        "nothing of migration 2 is left behind"
    );
    let integrity: String = Connection::open(env.db())
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    // Once the obstacle is gone, the same database upgrades.
    Connection::open(env.db())
        .unwrap()
        .execute_batch("DROP TABLE courses")
        .unwrap();
    assert_eq!(env.list(&[]).len(), 3);
    assert_eq!(user_version(&env), current_version());
}

/// Another program's writes (here a plain SQLite connection, as the sqlite3 shell or
/// sqlite-utils would make) reach the reports, which read rollups that only community's own
/// connections keep: the file's triggers mark them stale, and the next command rebuilds them.
#[test]
fn members_written_by_another_program_count_in_the_reports() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "a", "--tier", "pro"]);
    let by_tier = |env: &Env| env.ok(&["report", "members", "--by", "tier", "--format", "csv"]);
    let before = by_tier(&env);
    assert!(before.contains("\npro,1,"), "{before}");
    Connection::open(env.db())
        .unwrap()
        .execute_batch(
            "INSERT INTO members (name, email, tier, status, joined_at, created_at, updated_at)
             VALUES ('b', 'b@example.com', 'pro', 'active', '2026-01-01', 'x', 'x');
             INSERT INTO member_tags (member_id, tag) VALUES (last_insert_rowid(), 'rust');",
        )
        .unwrap();
    assert_eq!(env.count("SELECT stale FROM rollup_state"), 1);
    let output = env
        .cmd()
        .args(["report", "members", "--by", "tier", "--format", "csv"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let after = String::from_utf8(output.stdout).unwrap();
    assert!(after.contains("\npro,2,"), "{after}");
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(said.contains("rebuilding the rollups"), "{said}");
    assert_eq!(env.count("SELECT stale FROM rollup_state"), 0);
    let tagged = env.ok(&["report", "members", "--by", "tag", "--format", "csv"]);
    assert!(tagged.contains("\nrust,1,"), "{tagged}");
    // community's own writes keep the rollups themselves and mark nothing.
    env.ok(&["member", "tag", "a@example.com", "rust"]);
    assert_eq!(env.count("SELECT stale FROM rollup_state"), 0);
    let tagged = env.ok(&["report", "members", "--by", "tag", "--format", "csv"]);
    assert!(tagged.contains("\nrust,2,"), "{tagged}");
}

/// A command that only reads leaves an empty write-ahead log beside the file for the next one
/// (there is nothing to checkpoint, and creating it again is a tenth of a short command), but
/// checkpoints and deletes a log that holds frames, so content in a log never outlives the
/// next command.
#[test]
fn a_read_leaves_only_an_empty_write_ahead_log_behind() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "a"]);
    let log = env.path("community.db-wal");
    assert!(
        !log.exists(),
        "a write checkpoints and deletes the log as it closes"
    );
    env.ok(&["member", "list"]);
    let size = std::fs::metadata(&log)
        .expect("a read leaves the log")
        .len();
    assert_eq!(size, 0);

    // Another program writes and closes without a checkpoint: its change is in the log only.
    {
        let conn = Connection::open(env.db()).expect("opens the db");
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .expect("sets no checkpoint on close");
        conn.execute("UPDATE members SET note = 'from elsewhere'", [])
            .expect("updates");
    }
    assert!(std::fs::metadata(&log).expect("log").len() > 0);
    assert!(env.ok(&["member", "export"]).contains("from elsewhere"));
    assert!(
        !log.exists(),
        "the read checkpointed the log into the file and deleted it"
    );
    let conn = Connection::open(env.db()).expect("opens the db");
    let note: String = conn
        .query_row("SELECT note FROM members", [], |r| r.get(0))
        .expect("reads");
    assert_eq!(note, "from elsewhere");
}
