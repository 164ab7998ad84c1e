use crate::common::{Env, parse_csv};

/// A community with a course and two members.
fn setup() -> Env {
    let env = Env::new();
    env.add(&[
        "--email",
        "li@example.com",
        "--name",
        "李雷",
        "--tier",
        "pro",
    ]);
    env.add(&["--wechat", "xiaolin_88", "--name", "小林"]);
    let id = env.ok(&[
        "course",
        "add",
        "--slug",
        "rust-101",
        "--title",
        "Rust 入门",
        "--price",
        "199",
        "--description",
        "8 周",
        "--status",
        "open",
    ]);
    assert_eq!(id.trim(), "1");
    env
}

fn courses(env: &Env) -> Vec<Vec<String>> {
    parse_csv(&env.ok(&["course", "list", "--format", "csv"]))
}

fn students(env: &Env) -> Vec<Vec<String>> {
    parse_csv(&env.ok(&["course", "students", "rust-101", "--format", "csv"]))
}

#[test]
fn add_list_and_show_a_course_with_students_revenue_and_completion() {
    let env = setup();
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "199",
        "--at",
        "2026-11-01",
        "--reference",
        "WX2026110100123",
    ]);
    env.ok(&["course", "enroll", "rust-101", "xiaolin_88", "--free"]);
    env.ok(&["course", "complete", "rust-101", "li@example.com"]);
    let rows = courses(&env);
    assert_eq!(
        rows[0],
        [
            "id",
            "slug",
            "title",
            "status",
            "price",
            "students",
            "completed",
            "completion_pct",
            "revenue",
            "description"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "1",
            "rust-101",
            "Rust 入门",
            "open",
            "199.00",
            "2",
            "1",
            "50.0",
            "199.00",
            "8 周"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["course", "show", "rust-101", "--format", "json"])).unwrap();
    assert_eq!(json["revenue"], "199.00");
    assert_eq!(json["payments"], 1);
    assert_eq!(json["student_list"][0]["reference"], "WX2026110100123");
    assert_eq!(json["student_list"][0]["completed_on"], "2026-11-23");
    assert_eq!(json["student_list"][1]["paid"], "0.00");
    let table = env.ok(&["course", "show", "rust-101", "--format", "table"]);
    assert!(
        table.contains("completion_pct") && table.contains("student list:"),
        "{table}"
    );

    let s = students(&env);
    assert_eq!(
        s[0],
        [
            "member_id",
            "name",
            "email",
            "phone",
            "wechat",
            "enrolled_on",
            "paid",
            "payment_id",
            "reference",
            "completed_on"
        ]
    );
    assert_eq!(
        s[1][..8],
        [
            "1",
            "李雷",
            "li@example.com",
            "",
            "",
            "2026-11-01",
            "199.00",
            "1"
        ]
    );
    assert_eq!(s[2][4..8], ["xiaolin_88", "2026-11-23", "0.00", ""]);
    // The paid seat is a course payment in the ledger, linked to member and course.
    assert_eq!(
        env.count("SELECT count(*) FROM payments WHERE kind = 'course' AND member_id = 1 AND course_id = 1 AND amount = 19900 AND paid_on = '2026-11-01'"),
        1
    );
}

#[test]
fn list_filters_by_status() {
    let env = setup();
    env.ok(&[
        "course", "add", "--slug", "ai-camp", "--title", "AI", "--price", "1999", "--status",
        "draft",
    ]);
    let open = courses(&env);
    assert_eq!(open.len(), 3);
    let drafts = parse_csv(&env.ok(&["course", "list", "--status", "draft"]));
    assert_eq!(drafts.len(), 2);
    assert_eq!(drafts[1][1], "ai-camp");
    let err = env.fails(&["course", "list", "--status", "archived"]);
    assert!(
        err.contains("--status") && err.contains("\"archived\""),
        "{err}"
    );
}

#[test]
fn slugs_are_unique_and_url_safe() {
    let env = setup();
    let err = env.fails(&[
        "course", "add", "--slug", "Rust-101", "--title", "x", "--price", "1",
    ]);
    assert!(
        err.contains("--slug \"rust-101\": course 1 already has it"),
        "{err}"
    );
    let err = env.fails(&[
        "course", "add", "--slug", "rust 101", "--title", "x", "--price", "1",
    ]);
    assert!(
        err.contains("--slug") && err.contains("invalid slug \"rust 101\""),
        "{err}"
    );
    let err = env.fails(&[
        "course", "add", "--slug", "x", "--title", "x", "--price", "12.345",
    ]);
    assert!(
        err.contains("--price") && err.contains("\"12.345\""),
        "{err}"
    );
    let err = env.fails(&["course", "add", "--slug", "x", "--title", "x"]);
    assert!(err.contains("missing --price"), "{err}");
    let err = env.fails(&["course", "show", "nope"]);
    assert!(err.contains("no course \"nope\""), "{err}");
}

#[test]
fn edit_and_close() {
    let env = setup();
    env.ok(&[
        "course",
        "edit",
        "rust-101",
        "--price",
        "249",
        "--title",
        "Rust 入门 2027",
    ]);
    env.ok(&["course", "close", "rust-101"]);
    let rows = courses(&env);
    assert_eq!(rows[1][2..5], ["Rust 入门 2027", "closed", "249.00"]);
    env.ok(&[
        "course",
        "edit",
        "rust-101",
        "--slug",
        "rust-201",
        "--description",
        "",
    ]);
    let rows = courses(&env);
    assert_eq!((rows[1][1].as_str(), rows[1][9].as_str()), ("rust-201", ""));
    let err = env.fails(&["course", "edit", "rust-201"]);
    assert!(err.contains("nothing to change"), "{err}");
}

#[test]
fn a_closed_course_takes_students_only_with_force() {
    let env = setup();
    env.ok(&["course", "close", "rust-101"]);
    let err = env.fails(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "199",
    ]);
    assert!(
        err.contains("course rust-101 is closed") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM payments"), 0);
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "199",
        "--force",
    ]);
    assert_eq!(students(&env).len(), 2);
}

#[test]
fn a_member_is_enrolled_at_most_once() {
    let env = setup();
    env.ok(&["course", "enroll", "rust-101", "li@example.com", "--free"]);
    let err = env.fails(&["course", "enroll", "rust-101", "1", "--paid", "199"]);
    assert!(err.contains("already enrolled in rust-101"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM payments"), 0);
}

#[test]
fn enroll_needs_paid_or_free_and_a_known_member() {
    let env = setup();
    let err = env.fails_with(2, &["course", "enroll", "rust-101", "li@example.com"]);
    assert!(err.contains("--paid") && err.contains("--free"), "{err}");
    env.fails_with(
        2,
        &[
            "course",
            "enroll",
            "rust-101",
            "li@example.com",
            "--free",
            "--paid",
            "1",
        ],
    );
    let err = env.fails(&[
        "course",
        "enroll",
        "rust-101",
        "nobody@example.com",
        "--free",
    ]);
    assert!(err.contains("no member \"nobody@example.com\""), "{err}");
    let err = env.fails(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "0",
    ]);
    assert!(
        err.contains("--paid") && err.contains("more than zero"),
        "{err}"
    );
}

#[test]
fn unenroll_keeps_the_payment() {
    let env = setup();
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "199",
    ]);
    let out = env
        .cmd()
        .args(["course", "unenroll", "rust-101", "li@example.com"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("payment 1 stays in the ledger"), "{err}");
    assert_eq!(students(&env).len(), 1);
    assert_eq!(
        env.count("SELECT count(*) FROM payments WHERE course_id = 1"),
        1
    );
    let err = env.fails(&["course", "complete", "rust-101", "li@example.com"]);
    assert!(err.contains("not enrolled in rust-101"), "{err}");
}

#[test]
fn complete_takes_a_date_not_before_enrolling() {
    let env = setup();
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--free",
        "--at",
        "2026-11-01",
    ]);
    let err = env.fails(&[
        "course",
        "complete",
        "rust-101",
        "li@example.com",
        "--on",
        "2026-10-01",
    ]);
    assert!(err.contains("before member 1 enrolled"), "{err}");
    env.ok(&[
        "course",
        "complete",
        "rust-101",
        "li@example.com",
        "--on",
        "2026-11-20",
    ]);
    assert_eq!(students(&env)[1][9], "2026-11-20");
}

#[test]
fn removing_a_course_with_students_needs_yes_and_keeps_its_payments() {
    let env = setup();
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "199",
    ]);
    let err = env.fails(&["course", "remove", "rust-101"]);
    assert!(
        err.contains("1 student(s) and 1 payment(s)") && err.contains("Refusing without --yes"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM courses"), 1);
    env.ok(&["course", "remove", "rust-101", "--yes"]);
    assert_eq!(env.count("SELECT count(*) FROM courses"), 0);
    assert_eq!(env.count("SELECT count(*) FROM enrollments"), 0);
    // Income is never lost: the payment stays, without its course.
    assert_eq!(
        env.count("SELECT count(*) FROM payments WHERE amount = 19900 AND course_id IS NULL AND member_id = 1"),
        1
    );
    let list = parse_csv(&env.ok(&["revenue", "list"]));
    assert_eq!((list[1][2].as_str(), list[1][7].as_str()), ("course", ""));
}

#[test]
fn an_empty_course_is_removed_without_asking() {
    let env = setup();
    env.ok(&["course", "remove", "rust-101"]);
    assert_eq!(env.count("SELECT count(*) FROM courses"), 0);
}

#[test]
fn import_enrolls_all_or_nothing_and_is_idempotent() {
    let env = setup();
    env.ok(&[
        "course", "add", "--slug", "old", "--title", "Old", "--price", "99", "--status", "closed",
    ]);
    let file = env.path("enrollments.csv");
    std::fs::write(
        &file,
        "\u{feff}slug,member,paid,at,reference\r\n\
         rust-101,li@example.com,199,2026-11-01,WX1\r\n\
         rust-101,xiaolin_88,,,\r\n",
    )
    .unwrap();
    env.ok(&["course", "import", file.to_str().unwrap()]);
    let s = students(&env);
    assert_eq!(s.len(), 3);
    assert_eq!(s[1][5..9], ["2026-11-01", "199.00", "1", "WX1"]);
    assert_eq!(s[2][6], "0.00");
    // Again: nothing changes.
    env.ok(&["course", "import", file.to_str().unwrap()]);
    assert_eq!(students(&env).len(), 3);
    assert_eq!(env.count("SELECT count(*) FROM payments"), 1);

    // A bad row anywhere rejects the whole file, and every bad row is named.
    let bad = env.path("bad.csv");
    std::fs::write(
        &bad,
        "slug,member,paid,reference\n\
         rust-101,13800138000,1,WX9\n\
         old,li@example.com,99,WX10\n\
         nope,li@example.com,,\n\
         rust-101,li@example.com,1.234,WX11\n",
    )
    .unwrap();
    let err = env.fails(&["course", "import", bad.to_str().unwrap()]);
    assert!(
        err.contains(
            "bad.csv:2: column \"member\" value \"13800138000\": no member \"13800138000\""
        ),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:3: column \"slug\" value \"old\": course \"old\" is closed"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:4: column \"slug\" value \"nope\": no course \"nope\""),
        "{err}"
    );
    assert!(
        err.contains("bad.csv: 3 invalid row(s); nothing was imported"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM payments"), 1);
    let err = env.fails(&[
        "course",
        "import",
        env.path("missing.csv").to_str().unwrap(),
    ]);
    assert!(err.contains("missing.csv"), "{err}");
}

#[test]
fn import_reads_gbk_with_encoding() {
    let env = setup();
    let (gbk, _, _) = encoding_rs::GBK.encode("slug,member,note\nrust-101,li@example.com,老学员\n");
    std::fs::write(env.path("gbk.csv"), &gbk).unwrap();
    let err = env.fails(&["course", "import", "gbk.csv"]);
    assert!(
        err.contains("gbk.csv:2: column 3 (\"note\") value ") && err.contains("not valid UTF-8"),
        "{err}"
    );
    env.ok(&["course", "import", "gbk.csv", "--encoding", "gbk"]);
    assert_eq!(students(&env).len(), 2);
}

#[test]
fn students_in_every_format() {
    let env = setup();
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "li@example.com",
        "--paid",
        "199.5",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["course", "students", "rust-101", "--format", "json"]))
            .unwrap();
    assert_eq!(json[0]["paid"], "199.50");
    assert_eq!(json[0]["member_id"], 1);
    let jsonl = env.ok(&["course", "students", "rust-101", "--format", "jsonl"]);
    assert_eq!(jsonl.lines().count(), 1);
    let tsv = env.ok(&["course", "students", "rust-101", "--format", "tsv"]);
    assert!(tsv.starts_with("member_id\tname\t"), "{tsv}");
    let table = env.ok(&["course", "list", "--format", "table"]);
    assert!(
        table.contains("rust-101") && table.contains("199.50"),
        "{table}"
    );
}

#[test]
fn course_help_shows_examples() {
    let env = Env::empty();
    for verb in [
        "add", "list", "show", "edit", "close", "remove", "enroll", "unenroll", "students",
        "complete", "import",
    ] {
        let help = env.ok(&["course", verb, "--help"]);
        assert!(help.contains("Examples:"), "course {verb}: {help}");
    }
}
