use crate::common::{Env, parse_csv};

fn payments(env: &Env, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["revenue", "list", "--format", "csv"];
    all.extend_from_slice(args);
    parse_csv(&env.ok(&all))
}

fn report(env: &Env, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["report", "revenue", "--format", "csv"];
    all.extend_from_slice(args);
    parse_csv(&env.ok(&all))
}

/// The ledger of the hand-worked report below.
///
/// | date       | who | kind        | amount  | note                                   |
/// |------------|-----|-------------|---------|----------------------------------------|
/// | 2026-01-15 | A   | membership  | 1200.00 | 12 months: 100.00 a month, Jan to Dec  |
/// | 2026-01-31 | B   | membership  |   99.00 | 1 month from 31 Jan: all in January    |
/// | 2026-02-01 | -   | sponsorship | 5000.00 |                                        |
/// | 2026-02-10 | B   | qa          |   50.00 |                                        |
/// | 2026-02-20 | A   | course      |  199.00 | rust-101                               |
/// | 2026-02-25 | A   | refund      |  -49.00 | of the course payment                  |
fn ledger() -> Env {
    let env = Env::new();
    env.add(&[
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--tier",
        "pro",
        "--source",
        "wechat",
    ]);
    env.add(&[
        "--email",
        "b@example.com",
        "--name",
        "B",
        "--tier",
        "basic",
        "--source",
        "douyin",
    ]);
    env.ok(&[
        "course", "add", "--slug", "rust-101", "--title", "Rust", "--price", "199",
    ]);
    for args in [
        &[
            "--kind",
            "membership",
            "--amount",
            "1200",
            "--member",
            "a@example.com",
            "--months",
            "12",
            "--at",
            "2026-01-15",
        ][..],
        &[
            "--kind",
            "membership",
            "--amount",
            "99",
            "--member",
            "b@example.com",
            "--months",
            "1",
            "--at",
            "2026-01-31 23:30",
        ],
        &[
            "--kind",
            "sponsorship",
            "--amount",
            "5000",
            "--at",
            "2026-02-01",
            "--note",
            "某某 赞助",
        ],
        &[
            "--kind",
            "qa",
            "--amount",
            "50",
            "--member",
            "b@example.com",
            "--at",
            "2026-02-10",
        ],
    ] {
        let mut all = vec!["revenue", "add"];
        all.extend_from_slice(args);
        env.ok(&all);
    }
    env.ok(&[
        "course",
        "enroll",
        "rust-101",
        "a@example.com",
        "--paid",
        "199",
        "--at",
        "2026-02-20",
    ]);
    let refund = env.ok(&[
        "revenue",
        "refund",
        "5",
        "--amount",
        "49",
        "--at",
        "2026-02-25",
    ]);
    assert_eq!(refund.trim(), "6");
    env
}

#[test]
fn the_monthly_report_matches_numbers_worked_out_by_hand() {
    let env = ledger();
    let rows = report(&env, &["--since", "2026-01-01", "--until", "2026-03-31"]);
    assert_eq!(
        rows,
        [
            vec![
                "month",
                "membership",
                "course",
                "qa",
                "sponsorship",
                "ad",
                "other",
                "refunds",
                "total",
                "change_pct",
                "mrr",
                "arr",
                "paying_members",
                "arpu"
            ],
            // MRR: 100.00 from A's year + 99.00 from B's month, which started on 31 January
            // and so counts wholly in January. ARPU: 1299.00 from members / 2 members.
            vec![
                "2026-01", "1299.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1299.00",
                "", "199.00", "2388.00", "2", "649.50"
            ],
            // Total 199 + 50 + 5000 - 49 = 5200.00; change (5200 - 1299) / 1299 = 300.3 %.
            // ARPU: (199 + 50 - 49) from members / 2 members (the sponsor is no member).
            vec![
                "2026-02", "0.00", "199.00", "50.00", "5000.00", "0.00", "0.00", "-49.00",
                "5200.00", "300.3", "100.00", "1200.00", "2", "100.00"
            ],
            vec![
                "2026-03", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
                "-100.0", "100.00", "1200.00", "0", ""
            ],
        ]
    );
}

#[test]
fn the_report_by_kind_tier_course_and_source_matches_numbers_worked_out_by_hand() {
    let env = ledger();
    let range = ["--since", "2026-01-01", "--until", "2026-12-31"];
    let by = |dim: &str| {
        let mut args = vec!["--by", dim];
        args.extend_from_slice(&range);
        report(&env, &args)
    };
    // Net total 6499.00: shares 5000/6499 = 76.9 %, 1299/6499 = 20.0 %, ...
    assert_eq!(
        by("kind"),
        [
            vec![
                "kind",
                "payments",
                "gross",
                "refunds",
                "total",
                "share_pct",
                "paying_members",
                "arpu"
            ],
            vec![
                "sponsorship",
                "1",
                "5000.00",
                "0.00",
                "5000.00",
                "76.9",
                "0",
                ""
            ],
            vec![
                "membership",
                "2",
                "1299.00",
                "0.00",
                "1299.00",
                "20.0",
                "2",
                "649.50"
            ],
            vec![
                "course", "1", "199.00", "0.00", "199.00", "3.1", "1", "199.00"
            ],
            vec!["qa", "1", "50.00", "0.00", "50.00", "0.8", "1", "50.00"],
            vec!["refund", "0", "0.00", "-49.00", "-49.00", "", "0", ""],
        ]
    );
    // A refund counts against the course, tier and source of the payment it refunds.
    assert_eq!(
        by("course"),
        [
            vec![
                "course",
                "payments",
                "gross",
                "refunds",
                "total",
                "share_pct",
                "paying_members",
                "arpu"
            ],
            vec!["", "4", "6349.00", "0.00", "6349.00", "97.7", "2", "674.50"],
            vec![
                "rust-101", "1", "199.00", "-49.00", "150.00", "2.3", "1", "150.00"
            ],
        ]
    );
    let tiers = by("tier");
    assert_eq!(tiers[1][..5], ["", "1", "5000.00", "0.00", "5000.00"]);
    assert_eq!(tiers[2][..5], ["pro", "2", "1399.00", "-49.00", "1350.00"]);
    assert_eq!(tiers[3][..5], ["basic", "2", "149.00", "0.00", "149.00"]);
    let sources = by("source");
    assert_eq!(sources[0][0], "source");
    assert_eq!(
        sources[2][..5],
        ["wechat", "2", "1399.00", "-49.00", "1350.00"]
    );
    assert_eq!(sources[3][..5], ["douyin", "2", "149.00", "0.00", "149.00"]);
}

#[test]
fn a_one_month_fee_paid_on_31_january_counts_in_january_only() {
    let env = Env::new();
    env.add(&["--email", "b@example.com", "--name", "B"]);
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "membership",
        "--amount",
        "99.99",
        "--member",
        "b@example.com",
        "--months",
        "1",
        "--at",
        "2026-01-31",
    ]);
    // A 12-month fee that does not divide evenly: 1000.01 = 12 x 83.33 + 0.05, so the first
    // five months carry 83.34 and the sum stays exact.
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "membership",
        "--amount",
        "1000.01",
        "--months",
        "12",
        "--at",
        "2026-01-31",
    ]);
    let rows = report(&env, &["--since", "2025-12-01", "--until", "2027-01-31"]);
    let mrr: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[10].as_str()))
        .collect();
    assert_eq!(
        mrr,
        [
            ("2025-12", "0.00"),
            ("2026-01", "183.33"),
            ("2026-02", "83.34"),
            ("2026-03", "83.34"),
            ("2026-04", "83.34"),
            ("2026-05", "83.34"),
            ("2026-06", "83.33"),
            ("2026-07", "83.33"),
            ("2026-08", "83.33"),
            ("2026-09", "83.33"),
            ("2026-10", "83.33"),
            ("2026-11", "83.33"),
            ("2026-12", "83.33"),
            ("2027-01", "0.00"),
        ]
    );
    // The arr of a month is 12 x its mrr.
    assert_eq!(rows[2][11], "2199.96");
}

#[test]
fn a_full_refund_of_a_membership_takes_it_out_of_mrr() {
    let env = Env::new();
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "membership",
        "--amount",
        "299",
        "--months",
        "12",
        "--at",
        "2026-03-15",
    ]);
    env.ok(&["revenue", "refund", "1", "--at", "2026-04-01"]);
    let rows = report(&env, &["--since", "2026-03-01", "--until", "2026-04-30"]);
    assert_eq!(
        (rows[1][10].as_str(), rows[2][10].as_str()),
        ("0.00", "0.00")
    );
    assert_eq!(
        (rows[1][8].as_str(), rows[2][8].as_str()),
        ("299.00", "-299.00")
    );
}

#[test]
fn refunds_never_exceed_what_is_left() {
    let env = Env::new();
    env.ok(&["revenue", "add", "--kind", "qa", "--amount", "50"]);
    let err = env.fails(&["revenue", "refund", "1", "--amount", "50.01"]);
    assert!(
        err.contains(
            "more than is left of payment 1: it was ¥50.00, ¥0.00 has been refunded, ¥50.00 is left"
        ),
        "{err}"
    );
    assert_eq!(
        env.ok(&["revenue", "refund", "1", "--amount", "20"]).trim(),
        "2"
    );
    let err = env.fails(&["revenue", "refund", "1", "--amount", "30.01"]);
    assert!(
        err.contains("¥20.00 has been refunded, ¥30.00 is left"),
        "{err}"
    );
    // Without --amount: whatever is left.
    env.ok(&["revenue", "refund", "1"]);
    let err = env.fails(&["revenue", "refund", "1"]);
    assert!(err.contains("already been refunded in full"), "{err}");
    let err = env.fails(&["revenue", "refund", "2"]);
    assert!(
        err.contains("payment 2 is itself a refund (of payment 1)"),
        "{err}"
    );
    let err = env.fails(&["revenue", "refund", "9"]);
    assert!(err.contains("no payment 9"), "{err}");
    let rows = payments(&env, &[]);
    assert_eq!(rows[1][12], "50.00", "refunded column of the payment");
    assert_eq!(rows[2][2..4], ["refund", "-20.00"]);
    assert_eq!(rows[3][3], "-30.00");
    assert_eq!(env.count("SELECT sum(amount) FROM payments"), 0);
}

#[test]
fn add_records_every_kind_and_refuses_bad_values_by_flag() {
    let env = Env::new();
    env.add(&[
        "--email",
        "li@example.com",
        "--name",
        "李雷",
        "--tier",
        "basic",
    ]);
    let id = env.ok(&[
        "revenue",
        "add",
        "--kind",
        "sponsorship",
        "--amount",
        "5000",
        "--note",
        "某某 赞助 12 月",
        "--reference",
        "BANK-1",
    ]);
    assert_eq!(id.trim(), "1");
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "qa",
        "--amount",
        "50",
        "--member",
        "li@example.com",
    ]);
    env.ok(&["revenue", "add", "--kind", "ad", "--amount", "¥800"]);
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "other",
        "--amount",
        "1,299.00",
        "--at",
        "yesterday",
    ]);
    // A membership fee without --months pays for one period of the member's tier.
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "membership",
        "--amount",
        "199",
        "--member",
        "li@example.com",
    ]);
    let rows = payments(&env, &[]);
    assert_eq!(
        rows[0],
        [
            "id",
            "paid_on",
            "kind",
            "amount",
            "currency",
            "member_id",
            "member",
            "course",
            "period_start",
            "period_months",
            "reference",
            "refund_of",
            "refunded",
            "note",
            "paid_at"
        ]
    );
    assert_eq!(rows[1][..5], ["4", "2026-11-22", "other", "1299.00", "CNY"]);
    let sponsorship = rows.iter().find(|r| r[0] == "1").unwrap();
    assert_eq!(sponsorship[2..5], ["sponsorship", "5000.00", "CNY"]);
    assert_eq!(
        (sponsorship[10].as_str(), sponsorship[13].as_str()),
        ("BANK-1", "某某 赞助 12 月")
    );
    let membership = rows.iter().find(|r| r[0] == "5").unwrap();
    assert_eq!(
        membership[5..10],
        ["1", "li@example.com", "", "2026-11-23", "12"]
    );

    for (args, expected) in [
        (
            &["--kind", "refund", "--amount", "1"][..],
            "invalid kind \"refund\"",
        ),
        (
            &["--kind", "tip", "--amount", "1"],
            "--kind: invalid kind \"tip\"",
        ),
        (
            &["--kind", "qa", "--amount", "-5"],
            "--amount: invalid amount \"-5\": negative",
        ),
        (
            &["--kind", "qa", "--amount", "1.999"],
            "--amount: invalid amount \"1.999\": at most 2 decimal places",
        ),
        (
            &["--kind", "qa", "--amount", "$5"],
            "amounts here are in CNY, not USD",
        ),
        (
            &["--kind", "qa", "--amount", "99999999999999999999"],
            "too large",
        ),
        (
            &["--kind", "qa", "--amount", "5", "--at", "someday"],
            "--at \"someday\"",
        ),
        (
            &["--kind", "qa", "--amount", "5", "--member", "x@example.com"],
            "--member: no member \"x@example.com\"",
        ),
        (
            &["--kind", "qa", "--amount", "5", "--course", "nope"],
            "--course: no course \"nope\"",
        ),
        (
            &["--kind", "qa", "--amount", "5", "--months", "3"],
            "--months is for membership fees only",
        ),
        (
            &["--kind", "qa", "--amount", "5", "--reference", "BANK-1"],
            "--reference \"BANK-1\" is already payment 1",
        ),
    ] {
        let mut all = vec!["revenue", "add"];
        all.extend_from_slice(args);
        let err = env.fails(&all);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(env.count("SELECT count(*) FROM payments"), 5);
}

#[test]
fn list_filters_combine() {
    let env = ledger();
    let rows = payments(
        &env,
        &[
            "--kind",
            "course",
            "--since",
            "2026-01-01",
            "--member",
            "a@example.com",
        ],
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1][2..8],
        ["course", "199.00", "CNY", "1", "a@example.com", "rust-101"]
    );
    assert_eq!(
        payments(&env, &["--since", "2026-02-01", "--until", "2026-02-10"]).len(),
        3
    );
    assert_eq!(payments(&env, &["--course", "rust-101"]).len(), 3);
    assert_eq!(payments(&env, &["--kind", "refund"])[1][11], "5");
    assert_eq!(payments(&env, &["--limit", "2"]).len(), 3);
    // A 23:30 payment in Shanghai is 15:30 UTC: the books' date is the local one.
    let b = payments(&env, &["--member", "b@example.com", "--kind", "membership"]);
    assert_eq!(
        (b[1][1].as_str(), b[1][14].as_str()),
        ("2026-01-31", "2026-01-31T15:30:00Z")
    );
}

#[test]
fn renew_with_paid_records_a_membership_payment_for_the_renewed_period() {
    let env = Env::new();
    env.add(&[
        "--email",
        "li@example.com",
        "--name",
        "李雷",
        "--tier",
        "basic",
        "--expires",
        "2026-12-10",
    ]);
    env.ok(&[
        "member",
        "renew",
        "li@example.com",
        "--months",
        "12",
        "--paid",
        "299",
        "--reference",
        "WX42",
    ]);
    assert_eq!(env.column("expires_at", &[]), ["2027-12-10"]);
    let rows = payments(&env, &[]);
    assert_eq!(
        rows[1][1..11],
        [
            "2026-11-23",
            "membership",
            "299.00",
            "CNY",
            "1",
            "li@example.com",
            "",
            "2026-12-10",
            "12",
            "WX42"
        ]
    );
    // The payment and the renewal are one transaction: a bad reference undoes both.
    let err = env.fails(&[
        "member",
        "renew",
        "li@example.com",
        "--months",
        "1",
        "--paid",
        "25",
        "--reference",
        "WX42",
    ]);
    assert!(
        err.contains("--reference \"WX42\" is already payment 1"),
        "{err}"
    );
    assert_eq!(env.column("expires_at", &[]), ["2027-12-10"]);
    // Without --paid, a renewal records no payment, as before.
    env.ok(&["member", "renew", "li@example.com", "--months", "1"]);
    assert_eq!(env.count("SELECT count(*) FROM payments"), 1);
    let err = env.fails_with(
        2,
        &["member", "renew", "li@example.com", "--reference", "X"],
    );
    assert!(err.contains("--paid"), "{err}");
}

const PAYMENTS: &str = "reference,kind,amount,paid_at,member,course,period_months,note\n\
WX202402120000001,membership,199.00,2024-02-12 17:26:16,a@example.com,,1,\n\
WX202310120000002,membership,299.00,2023-10-12 22:26:51,a@example.com,,12,\n\
WX202201260000004,course,1299.00,2022-01-26 12:07:37,a@example.com,rust-101,,\n\
AL202312260000005,qa,99.00,2023-12-26 13:13:20,,,,\"学员说 \"\"很有帮助\"\", 谢谢\"\n\
ST202511010000009,sponsorship,5000.00,2025-11-01 09:00:00,,,,赞助：某云服务商\n";

#[test]
fn import_is_all_or_nothing_and_idempotent_on_reference() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "A"]);
    env.ok(&[
        "course", "add", "--slug", "rust-101", "--title", "Rust", "--price", "1299",
    ]);
    let file = env.path("payments.csv");
    // A spreadsheet's BOM and CRLF line ends are fine.
    std::fs::write(&file, format!("\u{feff}{}", PAYMENTS.replace('\n', "\r\n"))).unwrap();
    let out = env
        .cmd()
        .args(["revenue", "import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("added 5 payment(s); 0 already there"));
    let rows = payments(&env, &[]);
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[1][..11],
        [
            "3",
            "2022-01-26",
            "course",
            "1299.00",
            "CNY",
            "1",
            "a@example.com",
            "rust-101",
            "",
            "",
            "WX202201260000004"
        ]
    );
    assert_eq!(rows[2][8..10], ["2023-10-12", "12"]);
    assert_eq!(rows[3][13], "学员说 \"很有帮助\", 谢谢");

    // Again, with one new row: only that one is added; the others are left unchanged.
    let more = format!("{PAYMENTS}NEW-1,ad,800,2026-11-01,,,,\n");
    std::fs::write(&file, more).unwrap();
    let out = env
        .cmd()
        .args(["revenue", "import", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("added 1 payment(s); 5 already there"));
    assert_eq!(env.count("SELECT count(*) FROM payments"), 6);

    // Bad rows: every one named by file, line, column and value; nothing written.
    let bad = env.path("bad.csv");
    std::fs::write(
        &bad,
        "reference,kind,amount,paid_at,member,course,period_months,note\n\
         B1,qa,12.345,2026-01-01,,,,\n\
         B2,tip,1,2026-01-01,,,,\n\
         B3,qa,1,not a date,,,,\n\
         B4,qa,1,2026-01-01,ghost@example.com,,,\n\
         B5,course,1,2026-01-01,,nope,,\n\
         B6,qa,1,2026-01-01,,,12,\n\
         B7,membership,1,2026-01-01,,,0,\n\
         B8,qa,,2026-01-01,,,,\n\
         B9,ad,5,2026-01-01,,,,\n",
    )
    .unwrap();
    let err = env.fails(&["revenue", "import", bad.to_str().unwrap()]);
    for expected in [
        "bad.csv:2: column \"amount\" value \"12.345\": invalid amount \"12.345\": at most 2 decimal places for CNY",
        "bad.csv:3: column \"kind\" value \"tip\": invalid kind \"tip\"",
        "bad.csv:4: column \"paid_at\" value \"not a date\": invalid date/time \"not a date\"",
        "bad.csv:5: column \"member\" value \"ghost@example.com\": no member \"ghost@example.com\"",
        "bad.csv:6: column \"course\" value \"nope\": no course \"nope\"",
        "bad.csv:7: column \"period_months\" value \"12\": a period is for membership fees only",
        "bad.csv:8: column \"period_months\" value \"0\": invalid period \"0\"",
        "bad.csv:9: column \"amount\" value \"\": missing amount",
        "bad.csv: 8 invalid row(s); nothing was imported",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert_eq!(env.count("SELECT count(*) FROM payments"), 6);

    let ragged = env.path("ragged.csv");
    std::fs::write(&ragged, "kind,amount,paid_at\nqa,1\n").unwrap();
    let err = env.fails(&["revenue", "import", ragged.to_str().unwrap()]);
    assert!(
        err.contains("ragged.csv:2: expected 3 fields (as in the header), found 2"),
        "{err}"
    );
    let headless = env.path("headless.csv");
    std::fs::write(&headless, "reference,amount\nX,1\n").unwrap();
    let err = env.fails(&["revenue", "import", headless.to_str().unwrap()]);
    assert!(err.contains("missing column(s) kind, paid_at"), "{err}");
}

#[test]
fn import_reads_stdin_and_dry_run_writes_nothing() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["revenue", "import", "-", "--dry-run"])
        .write_stdin("kind,amount,paid_at\nqa,1,2026-01-01\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stdin: would add 1 payment(s)") && err.contains("dry run"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM payments"), 0);
}

#[test]
fn import_reads_gbk_with_encoding_and_tsv_by_extension() {
    let env = Env::new();
    let (gbk, _, _) = encoding_rs::GBK.encode("kind,amount,paid_at,note\nqa,50,2026-01-01,答疑\n");
    std::fs::write(env.path("gbk.csv"), &gbk).unwrap();
    let err = env.fails(&["revenue", "import", "gbk.csv"]);
    assert!(
        err.contains("gbk.csv:2: column 4 (\"note\") value ")
            && err.contains("not valid UTF-8")
            && err.contains("--encoding gbk"),
        "{err}"
    );
    env.ok(&["revenue", "import", "gbk.csv", "--encoding", "gbk"]);
    assert_eq!(payments(&env, &[])[1][13], "答疑");
    std::fs::write(
        env.path("more.tsv"),
        "kind\tamount\tpaid_at\nad\t800\t2026-02-01\n",
    )
    .unwrap();
    env.ok(&["revenue", "import", "more.tsv"]);
    assert_eq!(env.count("SELECT count(*) FROM payments"), 2);
}

#[test]
fn reports_and_lists_in_every_format() {
    let env = ledger();
    let range = ["--since", "2026-01-01", "--until", "2026-02-28"];
    let json: serde_json::Value = serde_json::from_str(
        &env.ok(&[&["report", "revenue", "--format", "json"][..], &range].concat()),
    )
    .unwrap();
    assert_eq!(json[0]["month"], "2026-01");
    assert_eq!(json[0]["mrr"], "199.00");
    assert_eq!(json[0]["paying_members"], 2);
    assert!(json[0]["change_pct"].is_null());
    let jsonl = env.ok(&[
        &["report", "revenue", "--by", "kind", "--format", "jsonl"][..],
        &range,
    ]
    .concat());
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(
        (first["kind"].as_str(), first["total"].as_str()),
        (Some("sponsorship"), Some("5000.00"))
    );
    let tsv = env.ok(&[&["report", "revenue", "--format", "tsv"][..], &range].concat());
    assert!(tsv.starts_with("month\tmembership\tcourse\t"), "{tsv}");
    let table = env.ok(&[&["report", "revenue", "--format", "table"][..], &range].concat());
    assert!(
        table.contains("2026-02") && table.contains("5200.00"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["revenue", "list", "--format", "json"])).unwrap();
    assert_eq!(json[0]["amount"], "1200.00");
    assert_eq!(json[0]["period_months"], 12);
    // The default range is the twelve months up to today.
    let rows = report(&env, &[]);
    assert_eq!(
        (rows[1][0].as_str(), rows[12][0].as_str(), rows.len()),
        ("2025-12", "2026-11", 13)
    );
    let err = env.fails(&[
        "report",
        "revenue",
        "--since",
        "2026-02-01",
        "--until",
        "2026-01-01",
    ]);
    assert!(
        err.contains("--since 2026-02-01 is after --until 2026-01-01"),
        "{err}"
    );
}

#[test]
fn removing_a_member_keeps_their_payments() {
    let env = Env::new();
    env.add(&["--email", "a@example.com", "--name", "A"]);
    env.ok(&[
        "revenue",
        "add",
        "--kind",
        "qa",
        "--amount",
        "50",
        "--member",
        "a@example.com",
    ]);
    env.ok(&["member", "remove", "a@example.com", "--yes"]);
    assert_eq!(
        env.count("SELECT count(*) FROM payments WHERE member_id IS NULL AND amount = 5000"),
        1
    );
}

#[test]
fn revenue_and_report_help_show_examples() {
    let env = Env::empty();
    for verb in ["add", "list", "refund", "import"] {
        let help = env.ok(&["revenue", verb, "--help"]);
        assert!(help.contains("Examples:"), "revenue {verb}: {help}");
    }
    assert!(
        env.ok(&["report", "revenue", "--help"])
            .contains("Examples:")
    );
}
