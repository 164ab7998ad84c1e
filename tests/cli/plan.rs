use crate::common::{Env, parse_csv};

/// A community with the example cadence generated for December and most of January.
fn planned() -> Env {
    let env = Env::new();
    env.ok(&["plan", "generate", "--from", "2026-12-01", "--weeks", "8"]);
    env
}

fn slots(env: &Env) -> i64 {
    env.count("SELECT count(*) FROM plan_slots")
}

fn show_csv(env: &Env, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["plan", "show", "--format", "csv"];
    all.extend_from_slice(args);
    parse_csv(&env.ok(&all))
}

fn add_content(env: &Env, title: &str, kind: &str) -> String {
    env.ok(&["content", "add", "--title", title, "--kind", kind])
        .trim()
        .to_string()
}

fn edit_config(env: &Env, from: &str, to: &str) {
    let path = env.path("community.toml");
    let text = std::fs::read_to_string(&path).expect("reads community.toml");
    assert!(text.contains(from), "community.toml has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("writes community.toml");
}

#[test]
fn generate_is_idempotent_and_reports_what_it_added() {
    let env = Env::new();
    let out = env.ok(&["plan", "generate", "--from", "2026-12-01", "--weeks", "8"]);
    let rows = parse_csv(&out);
    assert_eq!(
        rows[0],
        [
            "change",
            "slot",
            "date",
            "time",
            "kind",
            "topic",
            "rule",
            "content_id"
        ]
    );
    // 2 articles, 1 Q&A a week for 8 weeks, a live in December and January, one event.
    assert_eq!(rows.len() - 1, 16 + 8 + 2 + 1);
    assert_eq!(
        rows[1],
        [
            "added",
            "1",
            "2026-12-01",
            "20:00",
            "article",
            "编程技术",
            "weekly-article",
            ""
        ]
    );
    assert_eq!(slots(&env), 27);
    let again = env.ok(&["plan", "generate", "--from", "2026-12-01", "--weeks", "8"]);
    assert_eq!(parse_csv(&again).len(), 1, "{again}");
    assert_eq!(slots(&env), 27);
    // --until overlapping the same range adds only the days beyond it.
    env.ok(&[
        "plan",
        "generate",
        "--from",
        "2026-12-01",
        "--until",
        "2027-01-31",
    ]);
    assert_eq!(slots(&env), 27 + 3); // Tue 26th, Thu 28th, Sun 31st of January
}

#[test]
fn a_changed_rule_moves_open_slots_and_keeps_assigned_ones() {
    let env = planned();
    let id = add_content(&env, "所有权与借用详解", "article");
    env.ok(&["plan", "assign", "weekly-article@2026-12-03T20:00", &id]);
    edit_config(&env, "on = [\"tue\", \"thu\"]", "on = [\"wed\"]");
    let dry = parse_csv(&env.ok(&[
        "plan",
        "generate",
        "--from",
        "2026-12-01",
        "--weeks",
        "8",
        "--dry-run",
    ]));
    assert_eq!(slots(&env), 27, "a dry run changes nothing");
    let output = env
        .cmd()
        .args(["plan", "generate", "--from", "2026-12-01", "--weeks", "8"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let rows = parse_csv(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(rows, dry);
    let count = |change: &str| rows.iter().filter(|r| r[0] == change).count();
    assert_eq!(
        (count("added"), count("removed"), count("kept")),
        (8, 15, 1)
    );
    let kept = rows.iter().find(|r| r[0] == "kept").unwrap();
    assert_eq!(kept[2], "2026-12-03");
    assert_eq!(kept[7], id);
    let note = String::from_utf8_lossy(&output.stderr);
    assert!(
        note.contains("no longer fits [plan]") && note.contains("plan unassign"),
        "{note}"
    );
    assert_eq!(slots(&env), 27 - 15 + 8);
}

#[test]
fn skipped_days_get_no_slots() {
    let env = planned();
    env.ok(&["plan", "skip", "2026-12-27", "--reason", "年终休息"]);
    let on = |day: &str| {
        env.count(&format!(
            "SELECT count(*) FROM plan_slots WHERE local_start LIKE '{day}%'"
        ))
    };
    assert_eq!(on("2026-12-27"), 0);
    env.ok(&["plan", "generate", "--from", "2026-12-01", "--weeks", "8"]);
    assert_eq!(on("2026-12-27"), 0);
    let list = parse_csv(&env.ok(&["plan", "skip", "--format", "csv"]));
    assert_eq!(list[1], ["2026-12-27", "Sun", "年终休息"]);
    env.ok(&["plan", "skip", "2026-12-27", "--undo"]);
    env.ok(&["plan", "generate", "--from", "2026-12-01", "--weeks", "8"]);
    assert_eq!(on("2026-12-27"), 1);
    let err = env.fails(&["plan", "skip", "2026-13-01"]);
    assert!(err.contains("DATE \"2026-13-01\""), "{err}");
}

#[test]
fn show_draws_a_month_grid_and_lists_rows_in_csv() {
    let env = planned();
    let id = add_content(&env, "所有权与借用详解", "article");
    env.ok(&["plan", "assign", "2", &id]);
    let rows = show_csv(&env, &["--month", "2026-12"]);
    assert_eq!(
        rows[0],
        [
            "id",
            "date",
            "weekday",
            "time",
            "minutes",
            "kind",
            "topic",
            "rule",
            "state",
            "content_id",
            "content_title",
            "content_status",
            "starts_at",
            "key"
        ]
    );
    assert_eq!(rows.len() - 1, 16);
    assert_eq!(
        rows[2],
        [
            "2",
            "2026-12-03",
            "Thu",
            "20:00",
            "45",
            "article",
            "职业发展",
            "weekly-article",
            "filled",
            "1",
            "所有权与借用详解",
            "idea",
            "2026-12-03T20:00:00+08:00",
            "weekly-article@2026-12-03T20:00"
        ]
    );
    assert_eq!(show_csv(&env, &["--week", "2026-W49"]).len() - 1, 4);
    assert_eq!(
        show_csv(&env, &["--from", "2026-12-01", "--until", "2027-01-31"]).len() - 1,
        27
    );
    // This month (November, today 2026-11-23) has no slots yet.
    assert_eq!(show_csv(&env, &[]).len(), 1);

    let grid = env.ok(&["plan", "show", "--month", "2026-12", "--format", "table"]);
    assert!(grid.starts_with("December 2026\n"), "{grid}");
    assert!(grid.contains("Mon") && grid.contains("Sun"), "{grid}");
    assert!(
        grid.contains("[x] 20:00") && grid.contains("#2 article"),
        "{grid}"
    );
    assert!(
        grid.contains("[ ] 20:00") && grid.contains("#1 article"),
        "{grid}"
    );
    for line in grid.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 120, "{line}");
    }
    let week = env.ok(&["plan", "show", "--week", "2026-W49", "--format", "table"]);
    assert!(
        week.starts_with("2026-W49 (2026-11-30 – 2026-12-06)"),
        "{week}"
    );
    let err = env.fails(&["plan", "show", "--month", "2026-13"]);
    assert!(err.contains("--month \"2026-13\""), "{err}");
}

#[test]
fn gaps_lists_open_slots_soonest_first() {
    let env = planned();
    let id = add_content(&env, "所有权与借用详解", "article");
    env.ok(&["plan", "assign", "1", &id]);
    // Today is 2026-11-23: three weeks out reaches 14 December.
    let rows = parse_csv(&env.ok(&["plan", "gaps", "--within", "3w", "--format", "csv"]));
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["2", "3", "4", "5", "6", "7"]);
    assert!(rows[1..].iter().all(|r| r[8] == "open"));
    // The default is two weeks: to 7 December.
    assert_eq!(parse_csv(&env.ok(&["plan", "gaps"])).len() - 1, 3);
    let err = env.fails(&["plan", "gaps", "--within", "soon"]);
    assert!(err.contains("--within \"soon\""), "{err}");
}

#[test]
fn assign_gives_content_the_slot_time_and_unassign_opens_it() {
    let env = planned();
    let id = add_content(&env, "所有权与借用详解", "article");
    let other = add_content(&env, "Rust 直播", "live");
    env.ok(&["plan", "assign", "2", &id]);
    let err = env.fails(&["plan", "assign", "5", &id]);
    assert!(err.contains("already fills slot 2"), "{err}");
    let err = env.fails(&["plan", "assign", "999", &id]);
    assert!(err.contains("no plan slot 999"), "{err}");
    let err = env.fails(&["plan", "assign", "nope@x", &id]);
    assert!(err.contains("SLOT \"nope@x\""), "{err}");
    // The slot's time becomes the content's, so approving needs no --at.
    env.ok(&["content", "submit", &id]);
    env.ok(&["content", "approve", &id]);
    let rows = parse_csv(&env.ok(&["content", "list", "--format", "csv"]));
    assert_eq!(rows[1][5], "2026-12-03T20:00:00+08:00");
    assert_eq!(rows[1][8], "2");
    env.ok(&["plan", "unassign", "2"]);
    assert_eq!(
        env.count("SELECT count(*) FROM plan_slots WHERE content_id IS NOT NULL"),
        0
    );
    // Removing content opens its slot.
    env.ok(&["plan", "assign", "3", &other]);
    env.ok(&["content", "remove", &other, "--yes"]);
    assert_eq!(
        env.count("SELECT count(*) FROM plan_slots WHERE id = 3 AND content_id IS NULL"),
        1
    );
}

fn export(env: &Env) -> String {
    env.ok(&["plan", "export", "--format", "ics"])
}

#[test]
fn export_writes_rfc5545_that_parses_back_with_stable_uids() {
    let env = planned();
    let id = add_content(
        &env,
        "所有权与借用详解：一个足够长、需要折行的标题, 带逗号; 和分号",
        "article",
    );
    env.ok(&["plan", "assign", "2", &id]);
    let text = export(&env);
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"),
        "{text}"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    let calendars: Vec<_> = ical::IcalParser::new(text.as_bytes())
        .collect::<Result<_, _>>()
        .expect("parses");
    assert_eq!(calendars.len(), 1);
    let calendar = &calendars[0];
    assert_eq!(calendar.timezones.len(), 1);
    assert_eq!(calendar.events.len(), 27);
    let prop = |event: &ical::parser::ical::component::IcalEvent, name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    let filled = &calendar.events[1];
    assert_eq!(
        prop(filled, "SUMMARY"),
        "[article] 所有权与借用详解：一个足够长、需要折行的标题\\, 带逗号\\; 和分号"
    );
    assert_eq!(prop(filled, "DTSTART"), "20261203T200000");
    let tzid = filled
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .and_then(|p| p.params.clone())
        .unwrap_or_default();
    assert_eq!(
        tzid,
        [("TZID".to_string(), vec!["Asia/Shanghai".to_string()])]
    );
    assert_eq!(prop(filled, "CATEGORIES"), "article,职业发展");
    for event in &calendar.events {
        for name in [
            "UID",
            "DTSTAMP",
            "DTSTART",
            "DTEND",
            "SUMMARY",
            "DESCRIPTION",
        ] {
            assert!(!prop(event, name).is_empty(), "{name} missing");
        }
    }
    // Exporting again (after a re-generation) gives every slot the same UID.
    let uids = |text: &str| -> Vec<String> {
        ical::IcalParser::new(text.as_bytes())
            .flat_map(|c| c.expect("parses").events)
            .map(|e| prop(&e, "UID"))
            .collect()
    };
    env.ok(&["plan", "generate", "--from", "2026-12-01", "--weeks", "8"]);
    assert_eq!(uids(&text), uids(&export(&env)));
    let mut unique = uids(&text);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 27);
}

#[test]
fn export_writes_a_file_and_refuses_list_formats() {
    let env = planned();
    env.ok(&[
        "plan",
        "export",
        "--from",
        "2026-12-01",
        "--until",
        "2026-12-31",
        "--output",
        "plan.ics",
    ]);
    let text = std::fs::read_to_string(env.path("plan.ics")).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 16);
    // Off a terminal with no --format, export still writes iCalendar.
    let default = env.ok(&["plan", "export"]);
    assert!(default.starts_with("BEGIN:VCALENDAR"));
    let err = env.fails(&["plan", "export", "--format", "csv"]);
    assert!(
        err.contains("plan show") && err.contains("--format csv"),
        "{err}"
    );
    let err = env.fails(&["content", "list", "--format", "ics"]);
    assert!(
        err.contains("--format ics is for `community plan export`"),
        "{err}"
    );
}

#[test]
fn bad_rules_and_missing_rules_are_named() {
    let env = Env::new();
    edit_config(&env, "at = \"20:00\"", "at = \"8pm\"");
    let err = env.fails(&["plan", "generate"]);
    assert!(err.contains("community.toml:"), "{err}");
    assert!(
        err.contains("\"weekly-article\": `at`: \"8pm\" is not a time of day"),
        "{err}"
    );

    let env = Env::new();
    let path = env.path("community.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.find("[plan]").unwrap();
    std::fs::write(&path, &text[..cut]).unwrap();
    let err = env.fails(&["plan", "generate"]);
    assert!(err.contains("no [[plan.rule]]"), "{err}");
}

#[test]
fn slots_keep_their_wall_clock_time_across_a_daylight_saving_change() {
    let env = Env::new();
    edit_config(
        &env,
        "timezone = \"Asia/Shanghai\"",
        "timezone = \"Europe/Berlin\"",
    );
    // Berlin moves to summer time on Sunday 28 March 2027.
    env.ok(&[
        "plan",
        "generate",
        "--from",
        "2027-03-21",
        "--until",
        "2027-04-04",
    ]);
    let rows = show_csv(&env, &["--from", "2027-03-21", "--until", "2027-04-04"]);
    let qa: Vec<(&str, &str)> = rows[1..]
        .iter()
        .filter(|r| r[5] == "qa")
        .map(|r| (r[3].as_str(), r[12].as_str()))
        .collect();
    assert_eq!(
        qa,
        [
            ("21:00", "2027-03-21T21:00:00+01:00"),
            ("21:00", "2027-03-28T21:00:00+02:00"),
            ("21:00", "2027-04-04T21:00:00+02:00"),
        ]
    );
    let ics = env.ok(&[
        "plan",
        "export",
        "--from",
        "2027-03-21",
        "--until",
        "2027-04-04",
    ]);
    assert!(ics.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"), "{ics}");
    assert!(
        ics.contains("DTSTART;TZID=Europe/Berlin:20270328T210000\r\n"),
        "{ics}"
    );
}
