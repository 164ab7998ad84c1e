//! Crash safety and concurrency, with real processes: imports and adds killed with SIGKILL at
//! varied moments, and several writers and a reader at once.
//!
//! After every kill the database passes `PRAGMA integrity_check` and holds exactly what the
//! committed transactions left: the count before a killed import or the count after it, never
//! one in between, and every member with all of their tags.

use std::path::Path;
use std::process::{Child, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::common::Env;

/// Rows in a file a killed import loads. A debug build imports about 15k rows a second on a
/// shared core, so it gets a twentieth of a release build's 200k to keep CI quick.
const ROWS: usize = if cfg!(debug_assertions) {
    10_000
} else {
    200_000
};

/// Kills of an import into an empty table, and again into a filled one.
const KILLS: usize = 10;

/// Adds in the add loop; two in three are killed.
const ADDS: usize = 30;

/// A CSV of `rows` new members `{prefix}{i}@example.com`, each with two tags.
fn write_members(path: &Path, prefix: &str, rows: usize) {
    let mut text = String::with_capacity(rows * 64);
    text.push_str("email,name,tier,tags,note\n");
    for i in 0..rows {
        text.push_str(&format!(
            "{prefix}{i}@example.com,Member {prefix}{i},basic,alpha;beta,note {i}\n"
        ));
    }
    std::fs::write(path, text).expect("writes the file");
}

/// What a database holds, read after a crash; panics unless its structure is intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    members: i64,
    tags: i64,
    indexes: i64,
}

fn state(db: &Path) -> State {
    let conn = Connection::open(db).expect("the database opens after a crash");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check runs");
    assert_eq!(integrity, "ok", "integrity_check after a crash");
    let orphans: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("foreign_key_check runs");
    assert_eq!(orphans, 0, "foreign keys after a crash");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    State {
        members: count("SELECT count(*) FROM members"),
        tags: count("SELECT count(*) FROM member_tags"),
        indexes: count("SELECT count(*) FROM sqlite_schema WHERE type = 'index'"),
    }
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    env.std_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns community")
}

/// Runs to the end and says whether it succeeded.
fn finish(mut child: Child) -> bool {
    child.wait().expect("waits").success()
}

/// SIGKILL (Child::kill) after `delay`, unless it finished first; true if it was killed.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    sleep(delay);
    let finished = child.try_wait().expect("polls").is_some();
    if !finished {
        child.kill().expect("kills");
    }
    child.wait().expect("reaps");
    !finished
}

/// Kill moments spread over `0..1.2 * full`, so some land before the first row, most in the
/// middle, and some during or after the commit.
fn moments(full: Duration) -> impl Iterator<Item = Duration> {
    (0..KILLS).map(move |k| full.mul_f64((k as f64 + 0.5) / KILLS as f64 * 1.2))
}

fn restore(env: &Env, pristine: &[u8]) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(env.path(&format!("community.db{suffix}")));
    }
    std::fs::write(env.db(), pristine).expect("restores the database");
}

#[test]
fn a_killed_import_leaves_all_of_it_or_none() {
    // Into an empty table: the bulk path, which drops secondary indexes and rebuilds them
    // inside the transaction.
    let empty = Env::new();
    let pristine = std::fs::read(empty.db()).expect("reads the new database");
    let blank = state(&empty.db());
    write_members(&empty.path("m.csv"), "m", ROWS);
    let started = Instant::now();
    assert!(finish(spawn(&empty, &["member", "import", "m.csv"])));
    let full = started.elapsed();
    let done = state(&empty.db());
    assert_eq!(done.members, blank.members + ROWS as i64);
    assert_eq!(done.indexes, blank.indexes, "indexes rebuilt");

    let mut none = 0;
    for delay in moments(full) {
        restore(&empty, &pristine);
        let killed = kill_after(spawn(&empty, &["member", "import", "m.csv"]), delay);
        let after = state(&empty.db());
        assert!(
            after == blank || after == done,
            "killed after {delay:?} (killed: {killed}): {after:?} is neither {blank:?} nor {done:?}"
        );
        none += usize::from(after == blank);
    }
    assert!(none > 0, "no kill landed before the commit");

    // Into a filled table: the incremental path. Each round brings new members, so the count
    // after a commit differs from the count before.
    let filled = Env::new();
    write_members(&filled.path("seed.csv"), "seed", 500);
    assert!(finish(spawn(&filled, &["member", "import", "seed.csv"])));
    for (round, delay) in moments(full.mul_f64(1.5)).enumerate() {
        let file = format!("r{round}.csv");
        write_members(&filled.path(&file), &format!("r{round}x"), ROWS);
        let before = state(&filled.db());
        let killed = kill_after(spawn(&filled, &["member", "import", &file]), delay);
        let after = state(&filled.db());
        let landed = State {
            members: before.members + ROWS as i64,
            tags: before.tags + 2 * ROWS as i64,
            ..before
        };
        assert!(
            after == before || after == landed,
            "round {round}, killed after {delay:?} (killed: {killed}): {after:?} is neither {before:?} nor {landed:?}"
        );
    }
    // And the tool itself still works on what is left.
    filled.ok(&["member", "list", "--limit", "1"]);
}

#[test]
fn killed_adds_lose_nothing_that_reported_success() {
    let env = Env::new();
    let mut succeeded = 0i64;
    let mut kills = 0;
    for i in 0..ADDS {
        let email = format!("a{i}@example.com");
        let before = state(&env.db()).members;
        let child = spawn(
            &env,
            &[
                "member", "add", "--email", &email, "--name", "A", "--tag", "t",
            ],
        );
        if i % 3 == 2 {
            assert!(finish(child), "add {i} failed");
            succeeded += 1;
            assert_eq!(state(&env.db()).members, before + 1);
            continue;
        }
        // Adds take tens of milliseconds: kill somewhere from the start to the commit.
        kills += 1;
        kill_after(child, Duration::from_millis((i as u64 * 7) % 90));
        let after = state(&env.db());
        assert!(
            after.members == before || after.members == before + 1,
            "add {i}: {} members, expected {before} or {}",
            after.members,
            before + 1
        );
        assert_eq!(after.tags, after.members, "every member has their tag");
        succeeded += after.members - before;
    }
    assert!(kills >= 20);
    assert_eq!(state(&env.db()).members, succeeded);
}

#[test]
fn concurrent_writers_all_land_and_none_sees_a_locked_database() {
    let env = Env::new();
    for who in ["p@example.com", "r@example.com"] {
        env.add(&["--email", who, "--name", "Seed", "--tier", "basic"]);
    }
    env.ok(&["member", "edit", "r@example.com", "--expires", "2027-01-15"]);
    let rows = ROWS / 4;
    write_members(&env.path("a.csv"), "ia", rows);
    write_members(&env.path("b.csv"), "ib", rows);

    let run = |args: Vec<String>| {
        env.std_cmd()
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns")
    };
    let mut children: Vec<(String, Child)> = Vec::new();
    let mut start = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        children.push((args.join(" "), run(args)));
    };
    start(&["member", "import", "a.csv"]);
    start(&["member", "import", "b.csv"]);
    for i in 0..6 {
        start(&[
            "member",
            "add",
            "--email",
            &format!("c{i}@example.com"),
            "--name",
            "C",
        ]);
        start(&[
            "member",
            "points",
            "p@example.com",
            "+5",
            "--reason",
            "race",
        ]);
        start(&["member", "renew", "r@example.com", "--months", "1"]);
    }
    for (what, child) in children {
        let output = child.wait_with_output().expect("waits");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{what} failed: {stderr}");
        assert!(!stderr.contains("locked"), "{what}: {stderr}");
    }
    assert_eq!(
        env.count("SELECT count(*) FROM members"),
        2 + 2 * rows as i64 + 6
    );
    let balance = env.count(
        "SELECT sum(delta) FROM points_ledger p JOIN members m ON m.id = p.member_id \
         WHERE m.email = 'p@example.com'",
    );
    assert_eq!(balance, 6 * 5, "no points grant lost");
    let expires = env.ok(&["member", "show", "r@example.com", "--format", "json"]);
    assert!(
        expires.contains("2027-07-15"),
        "six renewals of a month each: {expires}"
    );
}

#[test]
fn a_reader_is_not_blocked_by_an_import_holding_the_write_lock() {
    let env = Env::new();
    env.add(&["--email", "first@example.com", "--name", "First"]);
    write_members(&env.path("big.csv"), "big", ROWS);
    let mut import = spawn(&env, &["member", "import", "big.csv"]);

    // Wait until the import holds the write lock: then a write with no patience fails.
    let probe = Connection::open(env.db()).expect("opens");
    probe.busy_timeout(Duration::ZERO).expect("sets timeout");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match probe.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => break,
            _ if Instant::now() > deadline => panic!("the import never took the write lock"),
            _ => sleep(Duration::from_millis(5)),
        }
    }

    let started = Instant::now();
    let listed = env.list(&[]);
    let waited = started.elapsed();
    let still_writing = import.try_wait().expect("polls").is_none();
    assert!(
        still_writing,
        "the list took {waited:?} and returned only after the import ended"
    );
    // The reader sees the last commit: the import is all or nothing to it too.
    assert_eq!(listed.len(), 2, "header and the one committed member");
    assert!(import.wait().expect("waits").success());
    assert_eq!(env.count("SELECT count(*) FROM members"), 1 + ROWS as i64);
}

#[test]
fn a_first_import_writes_through_a_rollback_journal_and_leaves_the_log_on() {
    // Into an empty community the load writes in a rollback journal (each new page once),
    // then switches the file back to the write-ahead log every command expects.
    let journal_mode = |db: &Path| -> String {
        Connection::open(db)
            .expect("opens")
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("reads the journal mode")
    };
    let env = Env::new();
    write_members(&env.path("m.csv"), "m", 300);
    env.ok(&["member", "import", "m.csv"]);
    assert_eq!(journal_mode(&env.db()), "wal");
    assert_eq!(state(&env.db()).members, 300);

    // One that fails writes nothing and switches back too.
    let other = Env::new();
    std::fs::write(
        other.path("bad.csv"),
        "email,name\na@example.com,A\nbroken@,B\n",
    )
    .unwrap();
    other.fails(&["member", "import", "bad.csv"]);
    assert_eq!(journal_mode(&other.db()), "wal");
    assert_eq!(state(&other.db()).members, 0);
}

#[test]
fn a_first_import_beside_a_reader_keeps_the_log_and_does_not_wait() {
    // The switch to a rollback journal needs the file alone: with a reader in a transaction,
    // the import keeps the write-ahead log, does not wait for the reader, and the reader
    // goes on seeing the community as it was.
    let env = Env::new();
    write_members(&env.path("m.csv"), "m", 300);
    let reader = Connection::open(env.db()).expect("opens");
    reader.execute_batch("BEGIN").expect("begins");
    let count = |conn: &Connection| -> i64 {
        conn.query_row("SELECT count(*) FROM members", [], |r| r.get(0))
            .expect("counts")
    };
    assert_eq!(count(&reader), 0);
    let started = Instant::now();
    env.ok(&["member", "import", "m.csv"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "waited for the reader"
    );
    assert_eq!(count(&reader), 0, "the reader's snapshot");
    reader.execute_batch("COMMIT").expect("ends");
    assert_eq!(count(&reader), 300);
}

#[test]
fn a_command_during_a_first_import_waits_for_it() {
    // A first import on its own writes through a rollback journal, which lets no other
    // connection read once it writes to the file: a command started meanwhile waits for the
    // commit, rather than failing as locked.
    let env = Env::new();
    write_members(&env.path("big.csv"), "big", ROWS);
    let mut import = spawn(&env, &["member", "import", "big.csv"]);
    // The journal exists while the import's transaction writes (no connection may be opened
    // to watch for it: an open connection keeps the import in WAL mode).
    let journal = env.path("community.db-journal");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journal.exists() {
        assert!(
            Instant::now() < deadline,
            "the import never wrote a rollback journal"
        );
        sleep(Duration::from_millis(2));
    }
    // Past its first pages, once it writes to the file itself.
    sleep(Duration::from_millis(100));
    let listed = env.list(&["--limit", "1"]);
    assert!(import.wait().expect("waits").success());
    // The last commit: none of the import, or all of it.
    assert!(listed.len() <= 2, "{listed:?}");
    assert_eq!(env.count("SELECT count(*) FROM members"), ROWS as i64);
}
