use crate::common::{Env, parse_csv};

/// Adds content and returns its id.
fn add(env: &Env, args: &[&str]) -> i64 {
    let mut all = vec!["content", "add"];
    all.extend_from_slice(args);
    env.ok(&all)
        .trim()
        .parse()
        .expect("content add prints the new id")
}

fn article(env: &Env) -> i64 {
    add(
        env,
        &[
            "--title",
            "所有权与借用详解",
            "--kind",
            "article",
            "--topic",
            "编程技术",
        ],
    )
}

/// `content list --format csv` with these args, as records (header first).
fn list(env: &Env, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["content", "list", "--format", "csv"];
    all.extend_from_slice(args);
    parse_csv(&env.ok(&all))
}

fn field(env: &Env, id: i64, name: &str) -> serde_json::Value {
    let text = env.ok(&["content", "show", &id.to_string(), "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value[name].clone()
}

#[test]
fn add_prints_the_id_and_list_shows_the_pipeline() {
    let env = Env::new();
    assert_eq!(article(&env), 1);
    assert_eq!(
        add(
            &env,
            &[
                "--title",
                "Rust 直播",
                "--kind",
                "live",
                "--status",
                "draft"
            ]
        ),
        2
    );
    let rows = list(&env, &[]);
    assert_eq!(
        rows[0],
        [
            "id",
            "title",
            "kind",
            "status",
            "topic",
            "scheduled_for",
            "published_at",
            "url",
            "slot",
            "views",
            "likes",
            "comments",
            "shares",
            "stats_on"
        ]
    );
    assert_eq!(
        &rows[1][..5],
        ["1", "所有权与借用详解", "article", "idea", "编程技术"]
    );
    assert_eq!(list(&env, &["--status", "draft"]).len(), 2);
    assert_eq!(list(&env, &["--kind", "live", "--status", "idea"]).len(), 1);
    assert_eq!(list(&env, &["--topic", "编程技术"])[1][0], "1");
    assert_eq!(list(&env, &["--search", "直播"])[1][0], "2");
}

#[test]
fn bad_values_name_the_flag_and_the_value() {
    let env = Env::new();
    let err = env.fails(&["content", "add", "--title", "x", "--kind", "podcast"]);
    assert!(err.contains("--kind \"podcast\""), "{err}");
    assert!(err.contains("article, video, live"), "{err}");
    let err = env.fails(&[
        "content",
        "add",
        "--title",
        "x",
        "--kind",
        "video",
        "--status",
        "published",
    ]);
    assert!(err.contains("--status published"), "{err}");
    let err = env.fails(&[
        "content",
        "add",
        "--title",
        "x",
        "--kind",
        "video",
        "--url",
        "example.com",
    ]);
    assert!(err.contains("--url \"example.com\""), "{err}");
    let err = env.fails(&["content", "add", "--kind", "video"]);
    assert!(err.contains("missing --title"), "{err}");
    let err = env.fails(&["content", "show", "99"]);
    assert!(err.contains("no content 99"), "{err}");
}

#[test]
fn the_workflow_runs_from_idea_to_archive() {
    let env = Env::new();
    let id = article(&env).to_string();
    env.ok(&["content", "edit", &id, "--status", "draft"]);
    env.ok(&["content", "submit", &id]);
    assert_eq!(field(&env, 1, "status"), "review");
    env.ok(&["content", "reject", &id, "--reason", "开头太长，先讲结论"]);
    assert_eq!(field(&env, 1, "status"), "draft");
    assert_eq!(field(&env, 1, "review_note"), "开头太长，先讲结论");
    env.ok(&["content", "submit", &id]);
    let err = env.fails(&["content", "approve", &id]);
    assert!(err.contains("has no time to go out at: pass --at"), "{err}");
    env.ok(&["content", "approve", &id, "--at", "2026-12-03 20:00"]);
    assert_eq!(field(&env, 1, "status"), "scheduled");
    assert_eq!(field(&env, 1, "scheduled_for"), "2026-12-03T20:00:00+08:00");
    env.ok(&["content", "schedule", &id, "--at", "2026-12-04 20:00"]);
    assert_eq!(field(&env, 1, "scheduled_for"), "2026-12-04T20:00:00+08:00");
    env.ok(&[
        "content",
        "publish",
        &id,
        "--at",
        "2026-12-04 20:05",
        "--url",
        "https://example.com/p/1",
    ]);
    assert_eq!(field(&env, 1, "status"), "published");
    assert_eq!(field(&env, 1, "published_at"), "2026-12-04T20:05:00+08:00");
    assert_eq!(field(&env, 1, "url"), "https://example.com/p/1");
    env.ok(&["content", "archive", &id]);
    assert_eq!(field(&env, 1, "status"), "archived");
    assert_eq!(
        field(&env, 1, "next_statuses"),
        serde_json::json!(["draft"])
    );
}

#[test]
fn a_forbidden_transition_names_the_allowed_next_states() {
    let env = Env::new();
    let id = article(&env).to_string();
    let err = env.fails(&["content", "publish", &id]);
    assert!(
        err.contains("content 1: content in idea cannot become published; from idea it can become: draft, review, archived"),
        "{err}"
    );
    let err = env.fails(&["content", "reject", &id, "--reason", "x"]);
    assert!(err.contains("not in review"), "{err}");
    let err = env.fails(&["content", "edit", &id, "--status", "scheduled"]);
    assert!(err.contains("--status \"scheduled\""), "{err}");
    env.ok(&["content", "submit", &id]);
    let err = env.fails(&["content", "edit", &id, "--status", "draft"]);
    assert!(err.contains("content reject 1"), "{err}");
    // Publishing straight from review is fine and stamps published_at.
    env.ok(&["content", "publish", &id]);
    assert!(field(&env, 1, "published_at").is_string());
    let err = env.fails(&["content", "submit", &id]);
    assert!(
        err.contains("from published it can become: archived"),
        "{err}"
    );
}

#[test]
fn stats_are_dated_snapshots_and_lists_show_the_latest() {
    let env = Env::new();
    let id = article(&env).to_string();
    env.ok(&[
        "content",
        "stats",
        &id,
        "--views",
        "1200",
        "--likes",
        "80",
        "--comments",
        "15",
        "--shares",
        "9",
        "--at",
        "2026-11-20",
    ]);
    env.ok(&["content", "stats", &id, "--views", "2,300"]);
    let rows = list(&env, &[]);
    assert_eq!(&rows[1][9..], ["2300", "80", "15", "9", "2026-11-23"]);
    let history = parse_csv(&env.ok(&["content", "stats", &id, "--format", "csv"]));
    assert_eq!(history.len(), 3);
    assert_eq!(&history[1][..2], ["2026-11-23", "2300"]);
    assert_eq!(history[2][5], "0.0867");
    let err = env.fails(&["content", "stats", &id, "--views=-3"]);
    assert!(err.contains("--views") && err.contains("\"-3\""), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM content_stats"), 2);
}

#[test]
fn show_edit_and_remove() {
    let env = Env::new();
    let id = article(&env).to_string();
    env.ok(&[
        "content",
        "edit",
        &id,
        "--title",
        "所有权、借用与生命周期",
        "--topic",
        "",
    ]);
    assert_eq!(field(&env, 1, "title"), "所有权、借用与生命周期");
    assert!(field(&env, 1, "topic").is_null());
    let rows = parse_csv(&env.ok(&["content", "show", &id, "--format", "csv"]));
    assert_eq!(rows[0], ["field", "value"]);
    assert!(rows.iter().any(|r| r[0] == "status" && r[1] == "idea"));
    let err = env.fails(&["content", "edit", &id]);
    assert!(err.contains("nothing to change"), "{err}");
    let err = env.fails(&["content", "remove", &id]);
    assert!(err.contains("Refusing without --yes"), "{err}");
    env.ok(&["content", "remove", &id, "--yes"]);
    assert_eq!(env.count("SELECT count(*) FROM content"), 0);
}

const HEADER: &str =
    "title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares";

#[test]
fn import_is_all_or_nothing_and_re_runs_change_nothing() {
    let env = Env::new();
    let good = format!(
        "\u{feff}{HEADER}\r\n\
         How I Learned Rust,article,published,编程技术,,2024-11-03 21:15,https://example.com/p/1,105,6,2,1\r\n\
         \"答疑：Rust, 值不值得学？\",qa,scheduled,编程技术,2026-12-20 21:00,,,,,,\r\n\
         Draft idea,video,idea,职业发展,,,,,,,\r\n"
    );
    std::fs::write(env.path("content.csv"), good).unwrap();
    env.ok(&["content", "import", "content.csv"]);
    assert_eq!(env.count("SELECT count(*) FROM content"), 3);
    assert_eq!(env.count("SELECT count(*) FROM content_stats"), 1);
    let rows = list(&env, &["--status", "published"]);
    assert_eq!(rows[1][6], "2024-11-03T21:15:00+08:00");
    assert_eq!(rows[1][9], "105");
    // A second run finds every row already there.
    let output = env
        .cmd()
        .args(["content", "import", "content.csv"])
        .output()
        .unwrap();
    let note = String::from_utf8_lossy(&output.stderr);
    assert!(note.contains("0 added, 0 updated, 3 unchanged"), "{note}");
    assert_eq!(env.count("SELECT count(*) FROM content"), 3);

    let bad = format!("{HEADER}\nNew one,article,idea,,,,,,,,\nBroken,article,publishd,,,,,,,,\n");
    std::fs::write(env.path("bad.csv"), bad).unwrap();
    let err = env.fails(&["content", "import", "bad.csv"]);
    assert!(
        err.contains(
            "bad.csv:3: column \"status\" value \"publishd\": invalid status \"publishd\""
        ),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM content"), 3);
}

#[test]
fn import_reads_jsonl_by_extension_and_gbk_with_encoding() {
    let env = Env::new();
    // The second object brings a key the first did not have.
    std::fs::write(
        env.path("content.jsonl"),
        "{\"title\":\"A\",\"kind\":\"article\"}\n{\"title\":\"B\",\"kind\":\"video\",\"views\":12}\n",
    )
    .unwrap();
    env.ok(&["content", "import", "content.jsonl"]);
    assert_eq!(env.count("SELECT count(*) FROM content"), 2);
    assert_eq!(env.count("SELECT count(*) FROM content_stats"), 1);
    let (gbk, _, _) = encoding_rs::GBK.encode("title,kind\n直播答疑,live\n");
    std::fs::write(env.path("gbk.csv"), &gbk).unwrap();
    let err = env.fails(&["content", "import", "gbk.csv"]);
    assert!(
        err.contains("gbk.csv:2: column 1 (\"title\") value ") && err.contains("not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("--encoding gbk"), "{err}");
    env.ok(&["content", "import", "gbk.csv", "--encoding", "gbk"]);
    assert_eq!(
        env.count("SELECT count(*) FROM content WHERE title = '直播答疑'"),
        1
    );
}

#[test]
fn import_reads_stdin_and_dry_runs_write_nothing() {
    let env = Env::new();
    let text = format!("{HEADER}\nA,article,idea,,,,,,,,\n");
    env.cmd()
        .args(["content", "import", "-", "--dry-run"])
        .write_stdin(text.clone())
        .assert()
        .success();
    assert_eq!(env.count("SELECT count(*) FROM content"), 0);
    env.cmd()
        .args(["content", "import", "-"])
        .write_stdin(text)
        .assert()
        .success();
    assert_eq!(env.count("SELECT count(*) FROM content"), 1);
}

#[test]
fn report_content_groups_published_reach() {
    let env = Env::new();
    let text = format!(
        "{HEADER}\n\
         A,article,published,编程技术,,2026-10-03 20:00,https://example.com/a,100,5,3,2\n\
         B,article,published,职业发展,,2026-11-01 20:00,https://example.com/b,300,20,5,5\n\
         C,video,archived,编程技术,,2026-11-02 20:00,https://example.com/c,50,1,0,0\n\
         D,video,draft,编程技术,,,,,,,\n"
    );
    std::fs::write(env.path("content.csv"), text).unwrap();
    env.ok(&["content", "import", "content.csv"]);
    let rows = parse_csv(&env.ok(&["report", "content", "--format", "csv"]));
    assert_eq!(
        rows[0],
        [
            "group",
            "published",
            "views",
            "likes",
            "comments",
            "shares",
            "engagement",
            "engagement_rate",
            "views_per_item",
            "top_id",
            "top_title",
            "top_views"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "article", "2", "400", "25", "8", "7", "40", "0.1", "200", "2", "B", "300"
        ]
    );
    assert_eq!(rows[2][..3], ["video", "1", "50"]);
    let months = parse_csv(&env.ok(&["report", "content", "--by", "month", "--format", "csv"]));
    let keys: Vec<&str> = months[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(keys, ["2026-10", "2026-11"]);
    let topics = parse_csv(&env.ok(&[
        "report",
        "content",
        "--by",
        "topic",
        "--from",
        "2026-11-01",
        "--format",
        "csv",
    ]));
    assert_eq!(topics.len(), 3);
    assert_eq!(topics[1][..3], ["职业发展", "1", "300"]);
}
