//! The member reports, the summary and backup, on a data set small enough to work out by hand.

use std::io::Write as _;

use crate::common::{Env, TODAY, bin, parse_csv};

/// Eight members, built through the CLI (today is 2026-11-23). "Ended" is the first day
/// without access: the earlier of left_at and the day after expires_at.
///
/// | id | tier  | status now | joined     | expires    | left       | ended       |
/// |----|-------|------------|------------|------------|------------|-------------|
/// | A 1| pro   | active     | 2026-08-10 | 2027-08-09 |            | -           |
/// | B 2| basic | expired    | 2026-08-15 | 2026-09-30 |            | 2026-10-01  |
/// | C 3| free  | expired    | 2026-09-05 |            | 2026-10-20 | 2026-10-20  |
/// | D 4| pro   | expired (cancelled) | 2026-09-20 | 2026-11-10 |   | 2026-11-11  |
/// | E 5| basic | trial      | 2026-10-03 | 2026-12-01 |            | -           |
/// | F 6| pro   | active     | 2026-11-02 | 2027-11-01 |            | -           |
/// | G 7| free  | paused     | 2026-09-10 | 2026-09-30 |            | - (paused)  |
/// | H 8| free  | expired    | 2026-08-01 |            |            | never placed|
///
/// Membership fees (MRR rule: spread evenly over the months they pay for):
/// A 1200.00 for 12 months from 2026-08-10 (100.00 a month, Aug to Jul), B 60.00 for 2 months
/// from 2026-08-15 (30.00 in Aug and Sep), D 300.00 for 3 months from 2026-09-20 (100.00 in
/// Sep, Oct, Nov). MRR: Aug 130.00, Sep 230.00, Oct 200.00, Nov 200.00.
///
/// Points: F +50 then -20, E +10, G +30 this month, and G +100 on 2026-10-05.
fn community() -> Env {
    let env = Env::new();
    let members: [&[&str]; 8] = [
        &["a", "pro", "active", "2026-08-10", "2027-08-09"],
        &["b", "basic", "active", "2026-08-15", "2026-09-30"],
        &["c", "free", "expired", "2026-09-05", ""],
        &["d", "pro", "cancelled", "2026-09-20", "2026-11-10"],
        &["e", "basic", "trial", "2026-10-03", "2026-12-01"],
        &["f", "pro", "active", "2026-11-02", "2027-11-01"],
        &["g", "free", "paused", "2026-09-10", "2026-09-30"],
        &["h", "free", "expired", "2026-08-01", ""],
    ];
    for m in members {
        let email = format!("{}@example.com", m[0]);
        let mut args = vec![
            "--email", &email, "--name", m[0], "--tier", m[1], "--status", m[2], "--joined", m[3],
            "--source", "wechat",
        ];
        if !m[4].is_empty() {
            args.extend(["--expires", m[4]]);
        }
        env.add(&args);
    }
    env.ok(&["member", "edit", "c@example.com", "--left", "2026-10-20"]);
    env.ok(&["member", "tag", "a@example.com", "rust"]);
    env.ok(&["member", "tag", "d@example.com", "rust"]);
    for (member, amount, months, at) in [
        ("a@example.com", "1200", "12", "2026-08-10"),
        ("b@example.com", "60", "2", "2026-08-15"),
        ("d@example.com", "300", "3", "2026-09-20"),
    ] {
        env.ok(&[
            "revenue",
            "add",
            "--kind",
            "membership",
            "--amount",
            amount,
            "--member",
            member,
            "--months",
            months,
            "--at",
            at,
        ]);
    }
    for (member, delta) in [
        ("f@example.com", "50"),
        ("f@example.com", "-20"),
        ("e@example.com", "10"),
        ("g@example.com", "30"),
    ] {
        env.ok(&[
            "member",
            "points",
            member,
            "--reason",
            "hand-worked",
            "--",
            delta,
        ]);
    }
    let conn = rusqlite::Connection::open(env.db()).expect("opens the db");
    conn.execute(
        "INSERT INTO points_ledger (member_id, delta, reason, created_at) \
         VALUES (7, 100, 'October', '2026-10-05T08:00:00Z')",
        [],
    )
    .expect("inserts");
    env
}

fn report(env: &Env, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    all.extend(["--format", "csv"]);
    parse_csv(&env.ok(&all))
}

fn rows(lines: &[&str]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn members_by_tier_count_access_and_paying_members() {
    let env = community();
    assert_eq!(
        report(&env, &["members"]),
        rows(&[
            "tier,members,share_pct,with_access,paying",
            "free,3,37.5,0,0",
            "pro,3,37.5,2,2",
            "basic,2,25.0,1,0",
        ])
    );
}

#[test]
fn members_by_status_list_every_status_with_expiry_applied() {
    let env = community();
    assert_eq!(
        report(&env, &["members", "--by", "status"]),
        rows(&[
            "status,members,share_pct,with_access,paying",
            "trial,1,12.5,1,0",
            "active,2,25.0,2,2",
            "paused,1,12.5,0,0",
            "cancelled,0,0.0,0,0",
            "expired,4,50.0,0,0",
            "comped,0,0.0,0,0",
        ])
    );
}

#[test]
fn members_by_tag_share_is_of_all_members_and_filters_narrow() {
    let env = community();
    assert_eq!(
        report(&env, &["members", "--by", "tag"]),
        rows(&[
            "tag,members,share_pct,with_access,paying",
            ",6,75.0,2,1",
            "rust,2,25.0,1,1",
        ])
    );
    assert_eq!(
        report(
            &env,
            &[
                "members",
                "--by",
                "source",
                "--tier",
                "pro",
                "--since",
                "2026-09-01"
            ]
        ),
        rows(&[
            "source,members,share_pct,with_access,paying",
            "wechat,2,100.0,1,1",
        ])
    );
}

#[test]
fn growth_counts_new_churned_net_and_active_at_month_end() {
    let env = community();
    assert_eq!(
        report(&env, &["growth", "--by", "month", "--since", "2026-08-01"]),
        rows(&[
            "month,new,churned,net,active_end,growth_pct",
            "2026-08,2,0,2,2,",
            "2026-09,3,0,3,5,150.0",
            "2026-10,1,2,-1,4,-20.0",
            "2026-11,1,1,0,4,0.0",
        ])
    );
    // active_end agrees with the members a forecast starts from.
    let tier = report(&env, &["growth", "--since", "2026-10-01", "--tier", "pro"]);
    assert_eq!(
        tier,
        rows(&[
            "month,new,churned,net,active_end,growth_pct",
            "2026-10,0,0,0,2,0.0",
            "2026-11,1,1,0,2,0.0",
        ])
    );
}

#[test]
fn cohorts_show_the_share_still_with_access_each_month_since_joining() {
    let env = community();
    assert_eq!(
        report(&env, &["cohorts", "--since", "2026-08-01"]),
        rows(&[
            "cohort,members,m0,m1,m2,m3",
            "2026-08,2,100.0,100.0,50.0,50.0",
            "2026-09,3,100.0,66.7,33.3,",
            "2026-10,1,100.0,100.0,,",
            "2026-11,1,100.0,,,",
        ])
    );
    assert_eq!(
        report(
            &env,
            &[
                "cohorts",
                "--since",
                "2026-09-01",
                "--until",
                "2026-09-30",
                "--counts"
            ]
        ),
        rows(&["cohort,members,m0,m1,m2", "2026-09,3,3,2,1"])
    );
}

#[test]
fn churn_gives_logo_and_revenue_churn_and_ltv() {
    let env = community();
    assert_eq!(
        report(&env, &["churn", "--by", "month", "--since", "2026-09-01"]),
        rows(&[
            "month,active_start,churned,lost_from_start,logo_churn_pct,mrr_start,mrr_lost,revenue_churn_pct,mrr_per_member,ltv",
            "2026-09,2,0,0,0.0,130.00,0.00,0.0,65.00,",
            "2026-10,5,2,2,40.0,230.00,30.00,13.0,46.00,115.00",
            "2026-11,4,1,1,25.0,200.00,100.00,50.0,50.00,200.00",
        ])
    );
}

#[test]
fn leaderboard_ranks_points_earned_this_month_or_ever() {
    let env = community();
    // `member points` stamps a grant with the clock, not the pinned today: rank as of the
    // clock's month, or the grants fall after a pinned today's month once the clock passes it.
    assert_eq!(
        report(&env, &["leaderboard", "--today", "today"]),
        rows(&[
            "rank,member_id,name,tier,points_this_month,points_all_time,balance",
            "1,6,f,pro,50,50,30",
            "2,7,g,free,30,130,130",
            "3,5,e,basic,10,10,10",
        ])
    );
    assert_eq!(
        report(
            &env,
            &[
                "leaderboard",
                "--rank-by",
                "all-time",
                "--top",
                "2",
                "--today",
                "today"
            ]
        ),
        rows(&[
            "rank,member_id,name,tier,points_this_month,points_all_time,balance",
            "1,7,g,free,30,130,130",
            "2,6,f,pro,50,50,30",
        ])
    );
}

#[test]
fn engagement_lists_members_with_access_and_nothing_for_90_days() {
    let env = community();
    let at_risk = report(&env, &["engagement"]);
    assert_eq!(at_risk.len(), 2, "{at_risk:?}");
    assert_eq!(at_risk[1][0..3], ["1", "a", "a@example.com"]);
    assert_eq!(at_risk[1][10], "2026-08-10", "last paid");
    // Over 30 days E has joined long enough ago, but earned points today: still only A. Over
    // 106 days A's payment on 2026-08-10 falls inside the window, and nobody is at risk.
    assert_eq!(report(&env, &["engagement", "--days", "30"]).len(), 2);
    assert_eq!(report(&env, &["engagement", "--days", "106"]).len(), 1);
}

#[test]
fn summary_json_is_one_object_with_the_same_figures() {
    let env = community();
    let text = env.ok(&["summary", "--format", "json"]);
    let s: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(s["today"], TODAY);
    assert_eq!(s["members"]["total"], 8);
    assert_eq!(s["members"]["with_access"], 3);
    assert_eq!(s["members"]["paying"], 2);
    assert_eq!(s["this_month"]["new"], 1);
    assert_eq!(s["this_month"]["churned"], 1);
    assert_eq!(s["this_month"]["net"], 0);
    assert_eq!(s["this_month"]["active_now"], 4);
    assert_eq!(s["mrr"]["this_month"], "200.00");
    assert_eq!(s["mrr"]["last_month"], "200.00");
    assert_eq!(s["mrr"]["change_pct"], "0.0");
    assert_eq!(
        s["history"]["active_end"].as_array().map(Vec::len),
        Some(12)
    );
    assert_eq!(s["expiring"]["count"], 1);
    assert_eq!(s["expiring"]["first"][0]["name"], "e");
    let csv = env.ok(&["summary", "--format", "csv"]);
    assert!(csv.starts_with("metric,value\n"), "{csv}");
    assert!(csv.contains("\nmembers.total,8\n"), "{csv}");
    let table = env.ok(&["summary", "--format", "table"]);
    assert!(table.lines().count() <= 40, "{table}");
    assert!(
        table.contains("8 total · 3 with access · 2 paying"),
        "{table}"
    );
}

#[test]
fn reports_reject_bad_dates_and_ranges() {
    let env = community();
    let err = env.fails(&[
        "report",
        "growth",
        "--since",
        "2026-12-01",
        "--until",
        "2026-01-01",
    ]);
    assert!(
        err.contains("--since 2026-12 is after --until 2026-01"),
        "{err}"
    );
    let err = env.fails(&["report", "cohorts", "--since", "soon"]);
    assert!(err.contains("--since \"soon\""), "{err}");
}

#[test]
fn backup_refuses_to_overwrite_without_force_and_is_private() {
    let env = community();
    env.ok(&["backup", "copy.db"]);
    let copy = env.path("copy.db");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&copy).expect("copy").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let err = env.fails(&["backup", "copy.db"]);
    assert!(err.contains("copy.db already exists"), "{err}");
    assert!(err.contains("--force"), "{err}");
    env.ok(&["member", "remove", "h@example.com", "--yes"]);
    env.ok(&["backup", "copy.db", "--force"]);
    let conn = rusqlite::Connection::open(&copy).expect("opens the copy");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
        .expect("counts");
    assert_eq!(n, 7);
    let listed = env.ok(&["--db", "copy.db", "member", "list", "--format", "csv"]);
    assert_eq!(listed.lines().count(), 8);
}

#[test]
fn a_backup_taken_during_an_import_is_a_consistent_snapshot() {
    const ROWS: usize = 150_000;
    let env = Env::new();
    let big = env.path("big.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&big).expect("creates"));
    writeln!(file, "email,name").expect("writes");
    for i in 0..ROWS {
        writeln!(file, "user{i}@example.com,User {i}").expect("writes");
    }
    file.flush().expect("flushes");
    drop(file);
    let mut import = std::process::Command::new(bin())
        .current_dir(env.dir.path())
        .env("COMMUNITY_TODAY", TODAY)
        .env_remove("COMMUNITY_DB")
        .env_remove("COMMUNITY_CONFIG")
        .args(["--quiet", "--yes", "member", "import", "big.csv"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawns the import");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let running = import.try_wait().expect("polls").is_none();
    env.ok(&["backup", "during.db"]);
    let status = import.wait().expect("waits");
    assert!(status.success(), "the import failed");
    assert!(
        running,
        "the import ended before the backup began; make it bigger"
    );
    let conn = rusqlite::Connection::open(env.path("during.db")).expect("opens the copy");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("checks");
    assert_eq!(check, "ok");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
        .expect("counts");
    assert!(n == 0 || n == ROWS as i64, "a torn copy: {n} members");
    assert_eq!(env.count("SELECT count(*) FROM members"), ROWS as i64);
}
