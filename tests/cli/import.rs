//! `member import` and `member export`: real platform exports, nasty files, all or nothing.

use crate::common::{Env, parse_csv};

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn members(env: &Env) -> i64 {
    env.count("SELECT count(*) FROM members")
}

#[test]
fn every_platform_export_imports_with_its_preset() {
    let env = Env::new();
    let cases: &[(&str, &[&str], i64)] = &[
        ("ghost.csv", &[], 9),
        (
            "patreon.csv",
            &[
                "--tier-map",
                "Supporter=basic",
                "--tier-map",
                "Inner Circle=pro",
            ],
            8,
        ),
        (
            "substack.csv",
            &[
                "--tier-map",
                "monthly=basic",
                "--tier-map",
                "yearly=basic",
                "--tier-map",
                "founding=pro",
            ],
            7,
        ),
        ("mailchimp.csv", &[], 6),
        ("zsxq.csv", &["--tier", "basic"], 7),
    ];
    let mut total = 0;
    for (file, extra, count) in cases {
        let path = fixture(file);
        let mut args = vec!["member", "import", path.as_str()];
        args.extend_from_slice(extra);
        env.ok(&args);
        total += count;
        assert_eq!(members(&env), total, "{file}");
    }
    // Platform identities are kept: a Patreon member is known by source and user id.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM members WHERE source = 'patreon' AND source_id = '70000001'"
        ),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM members WHERE source = 'zsxq' AND email IS NULL"),
        7
    );
    // Ghost labels and Mailchimp tags became tags.
    assert_eq!(
        env.count("SELECT count(*) FROM member_tags WHERE tag = '早鸟'"),
        2
    );
}

#[test]
fn unmapped_platform_tiers_fail_with_names_and_counts() {
    let env = Env::new();
    let err = env.fails(&["member", "import", &fixture("patreon.csv")]);
    assert!(
        err.contains("unknown tiers: \"Inner Circle\" (2 rows), \"Supporter\" (4 rows)"),
        "{err}"
    );
    assert!(err.contains("--tier-map"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(members(&env), 0);
}

#[test]
fn a_former_patron_with_paid_time_left_is_cancelled_not_free() {
    let env = Env::new();
    let header = std::fs::read_to_string(fixture("patreon.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let columns = header.split(',').count();
    let row = |name: &str, email: &str, status: &str, tier: &str, id: &str, access: &str| {
        let mut cells = vec![String::new(); columns];
        for (column, value) in [
            ("Name", name),
            ("Email", email),
            ("Patron Status", status),
            ("Tier", tier),
            ("User ID", id),
            ("Access Expiration", access),
            ("Patronage Since Date", "2024-01-02 03:04:05.123456"),
        ] {
            let index = header.split(',').position(|h| h == column).unwrap();
            cells[index] = value.to_string();
        }
        cells.join(",")
    };
    let text = [
        header.clone(),
        row(
            "Paid Up",
            "paid@example.com",
            "Former patron",
            "Gold",
            "1",
            "2027-01-01 00:00:00",
        ),
        row(
            "Lapsed",
            "lapsed@example.com",
            "Former patron",
            "Gold",
            "2",
            "2026-01-01 00:00:00",
        ),
        row(
            "Current",
            "current@example.com",
            "Active patron",
            "Gold",
            "3",
            "2026-12-23 00:00:00",
        ),
    ]
    .join("\n");
    std::fs::write(env.path("Members_123.csv"), text).unwrap();
    env.ok(&[
        "member",
        "import",
        "Members_123.csv",
        "--tier-map",
        "Gold=pro",
    ]);
    assert_eq!(
        env.column("status", &[]),
        ["cancelled", "expired", "active"]
    );
    assert_eq!(env.column("tier", &[]), ["pro", "pro", "pro"]);
    assert_eq!(
        env.column("expires_at", &[]),
        ["2027-01-01", "2026-01-01", "2026-12-23"]
    );
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let env = Env::new();
    let path = fixture("ghost.csv");
    env.ok(&["member", "import", &path]);
    let before = env.ok(&["member", "export"]);
    let out = env
        .cmd()
        .args(["member", "import", &path, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["unchanged"], 9, "{summary}");
    assert_eq!(summary["inserted"], 0);
    assert_eq!(summary["committed"], true);
    assert_eq!(env.ok(&["member", "export"]), before);
}

#[test]
fn a_bad_last_row_leaves_the_database_exactly_as_it_was() {
    let env = Env::new();
    env.add(&["--email", "keep@example.com", "--name", "Keep"]);
    let mut text = String::from("email,name,tier\n");
    for i in 0..200 {
        text.push_str(&format!("m{i}@example.com,Member {i},basic\n"));
    }
    text.push_str("keep@example.com,Changed,pro\n");
    text.push_str("broken@,Bad Email,basic\n");
    std::fs::write(env.path("batch.csv"), &text).unwrap();
    let before = env.ok(&["member", "export"]);
    let err = env.fails(&["member", "import", "batch.csv"]);
    assert!(
        err.contains("batch.csv:203: column \"email\" value \"broken@\": invalid email"),
        "{err}"
    );
    assert!(
        err.contains("1 invalid row(s); nothing was imported"),
        "{err}"
    );
    assert_eq!(env.ok(&["member", "export"]), before);
    assert_eq!(
        env.count("SELECT count(*) FROM member_tags")
            + env.count("SELECT count(*) FROM points_ledger"),
        0
    );
}

#[test]
fn skip_invalid_writes_the_rest_and_a_reject_file_to_fix() {
    let env = Env::new();
    env.ok(&[
        "member",
        "import",
        &fixture("ragged.csv"),
        "--skip-invalid",
        "--rejects",
        "rejects.csv",
    ]);
    assert_eq!(members(&env), 2);
    let rejects = parse_csv(&std::fs::read_to_string(env.path("rejects.csv")).unwrap());
    assert_eq!(
        rejects[0],
        ["email", "name", "tier", "joined_at", "tags", "reason"]
    );
    assert_eq!(rejects.len(), 3);
    assert_eq!(rejects[1][0], "short@example.com");
    assert!(
        rejects[1].last().unwrap().contains("expected 5 fields"),
        "{:?}",
        rejects[1]
    );
    // Without --skip-invalid, the same file imports nothing and names both lines.
    let env = Env::new();
    let err = env.fails(&["member", "import", &fixture("ragged.csv")]);
    assert!(
        err.contains("ragged.csv:3: expected 5 fields (as in the header), found 2"),
        "{err}"
    );
    assert!(
        err.contains("ragged.csv:4: expected 5 fields (as in the header), found 7"),
        "{err}"
    );
    assert_eq!(members(&env), 0);
}

#[test]
fn a_short_first_row_does_not_shift_the_others() {
    let env = Env::new();
    env.ok(&[
        "member",
        "import",
        &fixture("short-first-row.csv"),
        "--skip-invalid",
    ]);
    assert_eq!(
        env.column("email", &[]),
        ["full1@example.com", "full2@example.com"]
    );
    assert_eq!(env.column("expires_at", &[]), ["2025-01-01", ""]);
}

#[test]
fn bom_crlf_no_trailing_newline_and_embedded_newlines_import() {
    let env = Env::new();
    for file in ["bom.csv", "no-trailing-newline.csv", "embedded-newline.csv"] {
        env.ok(&["member", "import", &fixture(file)]);
    }
    assert_eq!(members(&env), 3 + 2 + 4);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["member", "show", "nl1@example.com", "--format", "json"]))
            .unwrap();
    assert_eq!(json["name"], "Line, Break");
    assert_eq!(json["note"], "first line\nsecond line");
    assert_eq!(
        env.column("email", &["--search", "bom.first"]),
        ["bom.first@example.com"]
    );
}

#[test]
fn header_only_imports_nothing_and_an_empty_file_is_an_error() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["member", "import", &fixture("header-only.csv")])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("read 0 row(s)"));
    let err = env.fails(&["member", "import", &fixture("empty.csv")]);
    assert!(err.contains("empty.csv:1: the file is empty"), "{err}");
}

#[test]
fn gbk_needs_its_encoding_and_then_imports() {
    let env = Env::new();
    let err = env.fails(&["member", "import", &fixture("gbk.csv")]);
    assert!(
        err.contains("gbk.csv:1: column 1 value \"\\xD3\\xCA\\xCF\\xE4\": not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("hint:") && err.contains("--encoding gbk"),
        "{err}"
    );
    env.ok(&[
        "member",
        "import",
        &fixture("gbk.csv"),
        "--encoding",
        "gbk",
        "--tier-map",
        "专业版=pro",
        "--tier-map",
        "基础版=basic",
        "--tier-map",
        "免费=free",
    ]);
    assert_eq!(env.column("name", &["--tier", "pro"]), ["周敏", "杨帆"]);
    assert_eq!(env.column("tags", &["--search", "zhou"]), ["早鸟;读书会"]);
}

#[test]
fn utf16_text_from_excel_is_read_by_its_bom() {
    let env = Env::new();
    env.ok(&[
        "member",
        "import",
        &fixture("utf16.tsv"),
        "--tier-map",
        "专业=pro",
        "--tier-map",
        "基础=basic",
        "--tier-map",
        "免费=free",
    ]);
    assert_eq!(
        env.column("name", &[]),
        ["吴刚", "Ada Lovelace", "郑 制表符"]
    );
    assert_eq!(env.column("tags", &["--search", "tab3"]), ["note has tab"]);
}

#[test]
fn the_same_member_twice_in_one_file_is_merged_and_reported() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["member", "import", &fixture("dup-emails.csv")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("3 row(s) named a member an earlier row named"),
        "{stderr}"
    );
    assert_eq!(members(&env), 2);
    // The later rows win for what they carry: the last one named him "LI LEI" on basic.
    assert_eq!(env.column("name", &["--search", "li@"]), ["LI LEI"]);
    // With --on-conflict error, the repeat is a rejected row and nothing lands.
    let env = Env::new();
    let err = env.fails(&[
        "member",
        "import",
        &fixture("dup-emails.csv"),
        "--on-conflict",
        "error",
    ]);
    assert!(
        err.contains("dup-emails.csv:3: member 1 already exists"),
        "{err}"
    );
    assert_eq!(members(&env), 0);
}

#[test]
fn impossible_dates_are_rejected_by_line_and_value() {
    let env = Env::new();
    let err = env.fails(&["member", "import", &fixture("bad-dates.csv")]);
    for needle in [
        "bad-dates.csv:2: column \"joined_at\" value \"2026-02-30\"",
        "bad-dates.csv:3: column \"joined_at\" value \"0000-00-00\"",
        "bad-dates.csv:4: column \"joined_at\" value \"2099-12-31\": join date is in the future",
        "bad-dates.csv:6: column \"expires_at\" value \"2023-06-01\": expires before the member joined",
        "bad-dates.csv:8: column \"joined_at\" value \"03/04/2024\"",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in\n{err}");
    }
    assert!(
        !err.contains("bad-dates.csv:5:"),
        "2024-02-29 is a real day\n{err}"
    );
    assert_eq!(members(&env), 0);
}

#[test]
fn formula_like_text_is_data_and_defused_only_for_spreadsheets() {
    let env = Env::new();
    env.ok(&["member", "import", &fixture("formula.csv")]);
    assert_eq!(members(&env), 6);
    let plain = parse_csv(&env.ok(&["member", "export"]));
    assert_eq!(plain[1][1], "=HYPERLINK(\"http://x\",\"y\")");
    let safe = parse_csv(&env.ok(&["member", "export", "--spreadsheet-safe"]));
    assert_eq!(safe[1][1], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(safe[2][1], "'+1234");
    assert_eq!(safe[2][3], "'+8613800000051");
    assert_eq!(safe[3][1], "'@SUM(A1)");
    assert_eq!(safe[4][1], "'-2+3");
    assert_eq!(safe[6][1], "普通名字");
}

#[test]
fn jsonl_imports_typed_values_and_rejects_wrong_types() {
    let env = Env::new();
    let err = env.fails(&["member", "import", &fixture("members.jsonl")]);
    assert!(
        err.contains("members.jsonl:5: column \"points\" value \"twelve\""),
        "{err}"
    );
    env.ok(&[
        "member",
        "import",
        &fixture("members.jsonl"),
        "--skip-invalid",
    ]);
    assert_eq!(members(&env), 5);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["member", "show", "j1@example.com", "--format", "json"]))
            .unwrap();
    assert_eq!(json["points"], 120);
    assert_eq!(json["tag_list"], serde_json::json!(["early", "VIP"]));
    assert_eq!(json["note"], "multi\nline");
}

#[test]
fn stdin_dry_run_and_maps() {
    let env = Env::new();
    let text = "邮件地址,外号,微信\nli@example.com,李雷,lilei_wx\n";
    let out = env
        .cmd()
        .args([
            "member",
            "import",
            "-",
            "--map",
            "邮件地址=email",
            "--map",
            "外号=name",
            "--map",
            "微信=wechat",
            "--dry-run",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 would be inserted"));
    assert_eq!(members(&env), 0, "a dry run writes nothing");
    env.cmd()
        .args([
            "member",
            "import",
            "-",
            "--map",
            "邮件地址=email",
            "--map",
            "外号=name",
            "--map",
            "微信=wechat",
        ])
        .write_stdin(text)
        .assert()
        .success();
    assert_eq!(env.column("wechat", &[]), ["lilei_wx"]);
    let out = env
        .cmd()
        .args(["member", "import", "-", "--map", "nope=email"])
        .write_stdin(text)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--map names column \"nope\""), "{err}");
    let out = env.cmd().args(["member", "import", "-"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdin:1: the file is empty"));
}

#[test]
fn on_conflict_skip_keeps_existing_members() {
    let env = Env::new();
    env.add(&[
        "--email",
        "li@example.com",
        "--name",
        "Original",
        "--tier",
        "pro",
    ]);
    std::fs::write(
        env.path("in.csv"),
        "email,name,tier\nLi@Example.com,Changed,basic\nnew@example.com,New,basic\n",
    )
    .unwrap();
    env.ok(&["member", "import", "in.csv", "--on-conflict", "skip"]);
    assert_eq!(env.column("name", &[]), ["Original", "New"]);
    env.ok(&["member", "import", "in.csv"]);
    assert_eq!(env.column("name", &[]), ["Changed", "New"]);
    assert_eq!(env.column("tier", &[]), ["basic", "basic"]);
}

#[test]
fn export_then_import_into_an_empty_database_gives_the_same_file() {
    let env = Env::empty();
    env.ok(&["init", "--demo", "--name", "Demo"]);
    env.ok(&[
        "member",
        "edit",
        "1",
        "--note",
        "comma, \"quote\" and\nnewline",
    ]);
    for format in ["csv", "tsv", "jsonl"] {
        let first = env.ok(&["member", "export", "--format", format]);
        let file = format!("export.{format}");
        std::fs::write(env.path(&file), &first).unwrap();
        let other = Env::new();
        other.ok(&["member", "import", env.path(&file).to_str().unwrap()]);
        assert_eq!(
            other.ok(&["member", "export", "--format", format]),
            first,
            "{format}"
        );
    }
}

#[test]
fn an_export_of_many_batches_gives_each_member_once_in_order() {
    // The export reads in batches of 512 on a thread of its own and reads into spent
    // batches again: 1,300 members cross two batch ends and a partial last batch, and the
    // members' tags (none to three) differ from those of the member read before in the space.
    let env = Env::new();
    let tags_of = |i: usize| {
        (0..i % 4)
            .map(|k| format!("t{}", i + k))
            .collect::<Vec<_>>()
    };
    let mut csv = String::from("email,name,tags\n");
    for i in 1..=1300 {
        let tags = tags_of(i).join(";");
        csv.push_str(&format!("m{i}@example.com,Member {i},\"{tags}\"\n"));
    }
    std::fs::write(env.path("many.csv"), csv).unwrap();
    env.ok(&["member", "import", "many.csv"]);
    let rows = parse_csv(&env.ok(&["member", "export", "--format", "csv"]));
    let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (name, tags) = (column("name"), column("tags"));
    let got: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[name].as_str(), r[tags].as_str()))
        .collect();
    let expected: Vec<(String, String)> = (1..=1300)
        .map(|i| {
            let mut tags = tags_of(i);
            tags.sort();
            (format!("Member {i}"), tags.join(";"))
        })
        .collect();
    let expected: Vec<(&str, &str)> = expected
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn export_honours_list_filters_and_formats() {
    let env = Env::empty();
    env.ok(&["init", "--demo", "--name", "Demo"]);
    let all = parse_csv(&env.ok(&["member", "export"]));
    assert_eq!(all.len(), 31);
    assert_eq!(all[0].len(), 17);
    let pro = parse_csv(&env.ok(&["member", "export", "--tier", "pro"]));
    assert!(pro.len() > 1 && pro.len() < 31);
    let jsonl = env.ok(&["member", "export", "--format", "jsonl", "--limit", "3"]);
    assert_eq!(jsonl.lines().count(), 3);
}
