use crate::common::{Env, parse_csv};

fn li(env: &Env) -> i64 {
    env.add(&[
        "--email",
        "li@example.com",
        "--name",
        "李雷",
        "--tier",
        "pro",
        "--source",
        "wechat",
        "--tag",
        "rust",
        "--tag",
        "ai",
    ])
}

#[test]
fn add_prints_the_id_and_list_shows_every_field() {
    let env = Env::new();
    assert_eq!(li(&env), 1);
    assert_eq!(
        env.add(&[
            "--wechat",
            "xiaolin_88",
            "--phone",
            "138-0013-8000",
            "--name",
            "小林",
            "--tier",
            "basic"
        ]),
        2
    );
    let rows = env.list(&[]);
    assert_eq!(
        rows[0],
        [
            "id",
            "name",
            "email",
            "phone",
            "wechat",
            "tier",
            "status",
            "joined_at",
            "expires_at",
            "source",
            "tags",
            "points"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "1",
            "李雷",
            "li@example.com",
            "",
            "",
            "pro",
            "active",
            "2026-11-23",
            "2027-11-23",
            "wechat",
            "ai;rust",
            "0"
        ]
    );
    // The phone is normalised; a paid tier's expiry defaults to one period after joining.
    assert_eq!(rows[2][3], "13800138000");
    assert_eq!(rows[2][8], "2027-11-23");
}

#[test]
fn free_members_do_not_expire_by_default() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "A"]);
    assert_eq!(env.column("tier", &[]), ["free"]);
    assert_eq!(env.column("expires_at", &[]), [""]);
}

#[test]
fn emails_are_unique_whatever_their_case() {
    let env = Env::new();
    li(&env);
    let err = env.fails(&[
        "member",
        "add",
        "--email",
        "Li@Example.COM",
        "--name",
        "Other",
    ]);
    assert!(
        err.contains("email \"Li@Example.COM\" already belongs to member 1"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM members"), 1);
    // ...and the member is found by any case of it.
    let shown = env.ok(&["member", "show", "LI@example.com", "--format", "csv"]);
    assert!(shown.contains("李雷"));
}

#[test]
fn phone_and_wechat_are_unique_too() {
    let env = Env::new();
    env.add(&[
        "--wechat",
        "xiaolin_88",
        "--phone",
        "13800138000",
        "--name",
        "小林",
    ]);
    let err = env.fails(&["member", "add", "--phone", "138 0013 8000", "--name", "B"]);
    assert!(
        err.contains("phone \"13800138000\" already belongs to member 1"),
        "{err}"
    );
    let err = env.fails(&["member", "add", "--wechat", "XIAOLIN_88", "--name", "C"]);
    assert!(err.contains("already belongs to member 1"), "{err}");
}

#[test]
fn bad_values_are_refused_by_name() {
    let env = Env::new();
    let err = env.fails(&["member", "add", "--email", "li@", "--name", "A"]);
    assert!(err.contains("invalid email \"li@\""), "{err}");
    let err = env.fails(&[
        "member",
        "add",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--tier",
        "gold",
    ]);
    assert!(
        err.contains("unknown tier \"gold\"; tiers are: free, basic, pro"),
        "{err}"
    );
    let err = env.fails(&[
        "member",
        "add",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--joined",
        "2026-02-30",
    ]);
    assert!(
        err.contains("--joined") && err.contains("2026-02-30"),
        "{err}"
    );
    let err = env.fails(&["member", "add", "--name", "A"]);
    assert!(
        err.contains("at least one of --email, --phone, --wechat or --source-id"),
        "{err}"
    );
    let err = env.fails(&[
        "member",
        "add",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--tag",
        "a,b",
    ]);
    assert!(err.contains("invalid tag \"a,b\""), "{err}");
    let err = env.fails(&[
        "member",
        "add",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--status",
        "gone",
    ]);
    assert!(err.contains("invalid status \"gone\""), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM members"), 0);
}

#[test]
fn a_missing_name_off_a_terminal_fails_at_once() {
    let env = Env::new();
    let started = std::time::Instant::now();
    let err = env.fails(&["member", "add", "--email", "a@example.com"]);
    assert!(
        err.contains("missing --name (not asked: stdin is not a terminal)"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn list_filters_combine() {
    let env = Env::new();
    li(&env);
    env.add(&[
        "--email",
        "han@example.com",
        "--name",
        "韩梅梅",
        "--tier",
        "pro",
        "--source",
        "weibo",
        "--tag",
        "rust",
        "--joined",
        "2025-03-01",
        "--expires",
        "2027-03-01",
    ]);
    env.add(&[
        "--email",
        "wang@example.com",
        "--name",
        "王小明",
        "--tier",
        "basic",
        "--source",
        "wechat",
        "--status",
        "paused",
    ]);
    env.add(&[
        "--wechat",
        "zhang_w",
        "--name",
        "张伟",
        "--note",
        "asked about 李 invoices",
    ]);

    assert_eq!(env.column("id", &["--tier", "pro"]), ["1", "2"]);
    assert_eq!(
        env.column("id", &["--tier", "PRO", "--source", "wechat"]),
        ["1"]
    );
    assert_eq!(env.column("id", &["--status", "paused"]), ["3"]);
    assert_eq!(env.column("id", &["--tag", "rust"]), ["1", "2"]);
    assert_eq!(env.column("id", &["--tag", "rust", "--tag", "ai"]), ["1"]);
    assert_eq!(
        env.column("id", &["--search", "李"]),
        ["1", "4"],
        "name or note"
    );
    assert_eq!(env.column("id", &["--search", "zhang"]), ["4"], "wechat");
    assert_eq!(
        env.column("id", &["--joined-after", "2026-01-01"]),
        ["1", "3", "4"]
    );
    assert_eq!(env.column("id", &["--joined-before", "2025-12-31"]), ["2"]);
    assert_eq!(
        env.column("id", &["--sort", "joined_at", "--limit", "2"]),
        ["2", "1"]
    );
    assert_eq!(
        env.column("id", &["--sort", "name", "--desc", "--limit", "1"]),
        ["2"]
    );
    let err = env.fails(&["member", "list", "--tier", "gold"]);
    assert!(err.contains("unknown tier \"gold\""), "{err}");
}

#[test]
fn search_treats_wildcards_literally() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "100% real"]);
    env.add(&["--email", "b@example.com", "--name", "100 fake"]);
    assert_eq!(env.column("id", &["--search", "0%"]), ["1"]);
}

#[test]
fn lapsed_paid_members_read_as_expired_everywhere() {
    let env = Env::new();
    env.add(&[
        "--email",
        "a@example.com",
        "--name",
        "Lapsed",
        "--tier",
        "basic",
        "--expires",
        "2026-11-22",
    ]);
    env.add(&[
        "--email",
        "b@example.com",
        "--name",
        "Last day",
        "--tier",
        "basic",
        "--expires",
        "2026-11-23",
    ]);
    env.add(&[
        "--email",
        "c@example.com",
        "--name",
        "Cancelled",
        "--tier",
        "basic",
        "--status",
        "cancelled",
        "--expires",
        "2026-12-01",
    ]);
    env.add(&[
        "--email",
        "d@example.com",
        "--name",
        "Paused",
        "--tier",
        "basic",
        "--status",
        "paused",
        "--expires",
        "2026-01-01",
    ]);
    assert_eq!(
        env.column("status", &[]),
        ["expired", "active", "cancelled", "paused"]
    );
    assert_eq!(env.column("id", &["--status", "expired"]), ["1"]);
    assert_eq!(env.column("id", &["--status", "active"]), ["2"]);
    // The stored status is untouched: with an earlier today, the member is active again.
    assert_eq!(
        env.column("status", &["--today", "2026-11-01"])[0],
        "active"
    );
    // A cancelled member keeps access until expiry, then lapses.
    assert_eq!(
        env.column("status", &["--today", "2026-12-02"])[2],
        "expired"
    );
}

#[test]
fn expiring_within_lists_whom_to_remind() {
    let env = Env::new();
    env.add(&[
        "--email",
        "a@example.com",
        "--name",
        "Soon",
        "--tier",
        "basic",
        "--expires",
        "2026-11-30",
    ]);
    env.add(&[
        "--email",
        "b@example.com",
        "--name",
        "Later",
        "--tier",
        "basic",
        "--expires",
        "2027-01-30",
    ]);
    env.add(&[
        "--email",
        "c@example.com",
        "--name",
        "Gone",
        "--tier",
        "basic",
        "--expires",
        "2026-11-01",
    ]);
    env.add(&[
        "--email",
        "d@example.com",
        "--name",
        "Edge",
        "--tier",
        "basic",
        "--expires",
        "2026-12-07",
    ]);
    env.add(&[
        "--email",
        "e@example.com",
        "--name",
        "Paused",
        "--tier",
        "basic",
        "--expires",
        "2026-11-25",
        "--status",
        "paused",
    ]);
    assert_eq!(
        env.column("name", &["--expiring-within", "14d"]),
        ["Soon", "Edge"]
    );
    assert_eq!(
        env.column("name", &["--expiring-within", "3m", "--sort", "expires_at"]),
        ["Soon", "Edge", "Later"]
    );
    let err = env.fails(&["member", "list", "--expiring-within", "soon"]);
    assert!(err.contains("--expiring-within \"soon\""), "{err}");
}

#[test]
fn show_names_a_member_by_id_email_phone_or_wechat() {
    let env = Env::new();
    li(&env);
    env.add(&[
        "--wechat",
        "xiaolin_88",
        "--phone",
        "13800138000",
        "--name",
        "小林",
    ]);
    for reference in [
        "2",
        "id:2",
        "xiaolin_88",
        "wechat:xiaolin_88",
        "13800138000",
        "phone:138-0013-8000",
    ] {
        let out = env.ok(&["member", "show", reference, "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["name"], "小林", "{reference}");
    }
    let err = env.fails(&["member", "show", "nobody@example.com"]);
    assert!(err.contains("no member \"nobody@example.com\""), "{err}");
}

#[test]
fn show_has_tags_points_and_history() {
    let env = Env::new();
    li(&env);
    env.ok(&[
        "member",
        "points",
        "li@example.com",
        "+20",
        "--reason",
        "best answer",
    ]);
    env.ok(&[
        "member",
        "points",
        "li@example.com",
        "--reason",
        "mug",
        "--",
        "-5",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["member", "show", "li@example.com", "--format", "json"]))
            .unwrap();
    assert_eq!(json["points"], 15);
    assert_eq!(json["tag_list"], serde_json::json!(["ai", "rust"]));
    assert_eq!(json["recent_points"][0]["reason"], "mug");
    assert_eq!(json["recent_points"][0]["balance"], 15);
    assert_eq!(json["recent_points"][1]["balance"], 20);
    let table = env.ok(&["member", "show", "1", "--format", "table"]);
    assert!(
        table.contains("recent points") && table.contains("best answer"),
        "{table}"
    );
    let csv = parse_csv(&env.ok(&["member", "show", "1", "--format", "csv"]));
    assert_eq!(csv[0], ["field", "value"]);
    assert!(csv.contains(&vec!["email".to_string(), "li@example.com".to_string()]));
}

#[test]
fn a_bare_value_naming_two_members_is_ambiguous() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "A"]);
    env.add(&["--wechat", "1", "--name", "B"]);
    let err = env.fails(&["member", "show", "1"]);
    assert!(
        err.contains("matches several members (id:1, id:2)"),
        "{err}"
    );
    assert!(
        env.ok(&["member", "show", "id:1", "--format", "csv"])
            .contains("a@example.com")
    );
}

#[test]
fn edit_changes_fields_and_stamps_updated_at() {
    let env = Env::new();
    li(&env);
    let before: String = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("SELECT updated_at FROM members", [], |r| r.get(0))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.ok(&[
        "member",
        "edit",
        "Li@Example.com",
        "--tier",
        "basic",
        "--note",
        "asked for an invoice",
        "--phone",
        "+86 138 0000 0000",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["member", "show", "1", "--format", "json"])).unwrap();
    assert_eq!(json["tier"], "basic");
    assert_eq!(json["note"], "asked for an invoice");
    assert_eq!(json["phone"], "+8613800000000");
    assert_ne!(json["updated_at"], before.as_str());
    // An empty value clears an optional field...
    env.ok(&["member", "edit", "1", "--note", ""]);
    assert!(
        env.ok(&["member", "show", "1", "--format", "json"])
            .contains("\"note\": null")
    );
    // ...but never the last way to reach someone.
    env.ok(&["member", "edit", "1", "--phone", ""]);
    let err = env.fails(&["member", "edit", "1", "--email", ""]);
    assert!(err.contains("at least one of"), "{err}");
    let err = env.fails(&["member", "edit", "1"]);
    assert!(err.contains("nothing to change"), "{err}");
}

#[test]
fn edit_refuses_an_identifier_another_member_has() {
    let env = Env::new();
    li(&env);
    env.add(&["--email", "han@example.com", "--name", "韩梅梅"]);
    let err = env.fails(&[
        "member",
        "edit",
        "han@example.com",
        "--email",
        "LI@example.com",
    ]);
    assert!(err.contains("already belongs to member 1"), "{err}");
}

#[test]
fn cancelling_stamps_left_at() {
    let env = Env::new();
    li(&env);
    env.ok(&["member", "edit", "1", "--status", "cancelled"]);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["member", "show", "1", "--format", "json"])).unwrap();
    assert_eq!(json["left_at"], "2026-11-23");
    assert_eq!(json["status"], "cancelled");
}

#[test]
fn renew_extends_from_the_later_of_today_and_expiry() {
    let env = Env::new();
    env.add(&[
        "--email",
        "a@example.com",
        "--name",
        "Early",
        "--tier",
        "basic",
        "--expires",
        "2026-12-31",
    ]);
    env.add(&[
        "--email",
        "b@example.com",
        "--name",
        "Lapsed",
        "--tier",
        "basic",
        "--expires",
        "2026-10-31",
        "--status",
        "cancelled",
    ]);
    env.add(&[
        "--email",
        "c@example.com",
        "--name",
        "Month end",
        "--tier",
        "basic",
        "--expires",
        "2027-01-31",
    ]);
    env.ok(&["member", "renew", "a@example.com", "--months", "12"]);
    env.ok(&["member", "renew", "b@example.com"]);
    env.ok(&["member", "renew", "c@example.com", "--months", "1"]);
    assert_eq!(
        env.column("expires_at", &[]),
        ["2027-12-31", "2027-11-23", "2027-02-28"]
    );
    assert_eq!(env.column("status", &[]), ["active", "active", "active"]);
    let err = env.fails_with(2, &["member", "renew", "a@example.com", "--months", "0"]);
    assert!(err.contains("--months"), "{err}");
}

#[test]
fn renewing_a_free_member_needs_months() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "Free"]);
    let err = env.fails(&["member", "renew", "a@example.com"]);
    assert!(err.contains("is free and does not expire"), "{err}");
}

#[test]
fn points_are_a_ledger_that_never_goes_negative() {
    let env = Env::new();
    li(&env);
    env.ok(&[
        "member",
        "points",
        "li@example.com",
        "+20",
        "--reason",
        "best answer of the week",
    ]);
    let err = env.fails(&[
        "member",
        "points",
        "li@example.com",
        "--reason",
        "mug",
        "--",
        "-50",
    ]);
    assert!(
        err.contains("would drop below zero: it is 20, and -50 was asked"),
        "{err}"
    );
    env.ok(&[
        "member",
        "points",
        "li@example.com",
        "--rule",
        "best_answer",
    ]);
    let err = env.fails(&["member", "points", "li@example.com", "+5"]);
    assert!(err.contains("missing --reason"), "{err}");
    let err = env.fails(&["member", "points", "li@example.com", "--rule", "nope"]);
    assert!(
        err.contains("no points rule \"nope\"") && err.contains("best_answer"),
        "{err}"
    );
    let history = parse_csv(&env.ok(&["member", "points", "li@example.com"]));
    assert_eq!(
        history[0],
        ["id", "delta", "balance", "reason", "created_at"]
    );
    assert_eq!(history[1][1..4], ["20", "40", "best_answer"]);
    assert_eq!(history[2][1..4], ["20", "20", "best answer of the week"]);
    assert_eq!(env.column("points", &[]), ["40"]);
}

#[test]
fn tags_are_added_once_and_removed() {
    let env = Env::new();
    li(&env);
    env.ok(&["member", "tag", "li@example.com", "career", "Rust"]);
    assert_eq!(env.column("tags", &[]), ["ai;career;rust"]);
    env.ok(&["member", "untag", "li@example.com", "ai"]);
    assert_eq!(env.column("tags", &[]), ["career;rust"]);
    let err = env.fails(&["member", "tag", "1", "a;b"]);
    assert!(err.contains("invalid tag"), "{err}");
}

#[test]
fn remove_asks_first_and_refuses_off_a_terminal_without_yes() {
    let env = Env::new();
    li(&env);
    env.ok(&["member", "points", "1", "+5", "--reason", "x"]);
    let err = env.fails(&["member", "remove", "li@example.com"]);
    assert!(err.contains("Refusing without --yes"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM members"), 1);
    env.ok(&["member", "remove", "li@example.com", "--yes"]);
    assert_eq!(env.count("SELECT count(*) FROM members"), 0);
    assert_eq!(env.count("SELECT count(*) FROM points_ledger"), 0);
    assert_eq!(env.count("SELECT count(*) FROM member_tags"), 0);
}

#[test]
fn member_help_shows_examples() {
    let env = Env::empty();
    let help = env.ok(&["member", "add", "--help"]);
    assert!(
        help.contains("Examples:") && help.contains("--wechat xiaolin_88"),
        "{help}"
    );
    let help = env.ok(&["member", "--help"]);
    for verb in [
        "add", "list", "show", "edit", "remove", "tag", "untag", "points", "renew",
    ] {
        assert!(help.contains(verb), "{verb} missing from member --help");
    }
}
