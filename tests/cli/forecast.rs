use crate::common::{Env, parse_csv};

/// Runs and expects success; returns stdout and stderr.
fn run(env: &Env, args: &[&str]) -> (String, String) {
    let output = env.cmd().args(args).output().expect("runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(
        output.status.success(),
        "community {args:?} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status.code()
    );
    (stdout, stderr)
}

/// A forecast as csv: the header, then the rows.
fn csv(env: &Env, args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut all = vec!["forecast"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "csv"]);
    let mut rows = parse_csv(&env.ok(&all));
    let header = rows.remove(0);
    (header, rows)
}

/// One column of a csv forecast as numbers.
fn numbers(header: &[String], rows: &[Vec<String>], column: &str) -> Vec<f64> {
    let i = header
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    rows.iter()
        .map(|r| {
            r[i].parse()
                .unwrap_or_else(|_| panic!("{:?} is a number", r[i]))
        })
        .collect()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn growth_of_100_members_at_10_percent_for_12_months_is_exact_in_csv() {
    let env = Env::new();
    let (header, rows) = csv(
        &env,
        &[
            "growth",
            "--initial",
            "100",
            "--rate",
            "10%",
            "--months",
            "12",
        ],
    );
    assert_eq!(header, ["month", "date", "members"]);
    assert_eq!(rows.len(), 13, "month 0 is the start");
    assert_eq!(rows[0], ["0", "2026-11-23", "100.0"]);
    assert_eq!(rows[12][..2], ["12", "2027-11-23"]);
    // 100 * 1.1^12 = 313.842837672100...: full precision, not rounded for people.
    assert!(rows[12][2].starts_with("313.8428376721"), "{:?}", rows[12]);
    let members = numbers(&header, &rows, "members");
    for (t, value) in members.iter().enumerate() {
        let exact = 100.0 * 1.1_f64.powi(t as i32);
        assert!(
            (value - exact).abs() < 1e-9,
            "month {t}: {value} vs {exact}"
        );
    }
    // `0.1` is the same rate as `10%`.
    let (_, same) = csv(
        &env,
        &[
            "growth",
            "--initial",
            "100",
            "--rate",
            "0.1",
            "--months",
            "12",
        ],
    );
    assert_eq!(same, rows);
}

#[test]
fn reach_of_100_views_at_20_percent_for_12_months_is_exact_in_json() {
    let env = Env::new();
    let out = env.ok(&[
        "forecast",
        "reach",
        "--initial",
        "100",
        "--rate",
        "20%",
        "--months",
        "12",
        "--format",
        "json",
    ]);
    let rows = json(&out);
    let rows = rows.as_array().expect("an array of months");
    assert_eq!(rows.len(), 13);
    assert_eq!(rows[0]["views"], 100.0);
    let last = rows[12]["views"].as_f64().expect("a number");
    // 100 * 1.2^12 = 891.6100448256
    assert!((last - 891.610_044_825_6).abs() < 1e-9, "{last}");
    assert!((last - 100.0 * 1.2_f64.powi(12)).abs() < 1e-9);
    assert_eq!(rows[12]["month"], 12);
    assert_eq!(rows[12]["date"], "2027-11-23");
}

#[test]
fn tables_round_to_whole_people() {
    let env = Env::new();
    let out = env.ok(&[
        "forecast",
        "growth",
        "--initial",
        "100",
        "--rate",
        "10%",
        "--months",
        "12",
        "--format",
        "table",
    ]);
    let last = out.lines().last().expect("rows");
    assert_eq!(
        last.split_whitespace().collect::<Vec<_>>(),
        ["12", "2027-11-23", "314"]
    );
    assert!(!out.contains("313.8"), "{out}");
}

#[test]
fn a_rate_list_gives_one_column_per_scenario_and_a_row_per_month() {
    let env = Env::new();
    let (header, rows) = csv(
        &env,
        &[
            "growth",
            "--initial",
            "100",
            "--rate",
            "5%,10%,20%",
            "--months",
            "24",
        ],
    );
    assert_eq!(header, ["month", "date", "r=5%", "r=10%", "r=20%"]);
    assert_eq!(rows.len(), 25);
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[0], t.to_string());
        assert_eq!(row.len(), 5);
    }
    for (column, rate) in [("r=5%", 1.05_f64), ("r=10%", 1.1), ("r=20%", 1.2)] {
        let values = numbers(&header, &rows, column);
        assert_eq!(values[0], 100.0);
        assert!((values[24] - 100.0 * rate.powi(24)).abs() < 1e-9);
    }
    // Scenarios keep the order given, and json keeps the columns in that order too.
    let out = env.ok(&[
        "forecast",
        "growth",
        "--initial",
        "100",
        "--rate",
        "20%,5%",
        "--months",
        "1",
        "--format",
        "jsonl",
    ]);
    let first = out.lines().next().expect("a line");
    assert_eq!(
        first,
        r#"{"month":0,"date":"2026-11-23","r=20%":100.0,"r=5%":100.0}"#
    );
}

#[test]
fn logistic_growth_follows_its_recurrence_and_churn_lists_are_scenarios() {
    let env = Env::new();
    let (header, rows) = csv(
        &env,
        &[
            "growth",
            "--model",
            "logistic",
            "--initial",
            "100",
            "--rate",
            "20%",
            "--capacity",
            "5000",
            "--churn",
            "2%",
            "--months",
            "36",
        ],
    );
    assert_eq!(header, ["month", "date", "members"]);
    let values = numbers(&header, &rows, "members");
    assert_eq!(values.len(), 37);
    // 100 + 0.2 * 100 * (1 - 100/5000) - 0.02 * 100 = 117.6
    assert!((values[1] - 117.6).abs() < 1e-9);
    let mut a = 100.0_f64;
    for value in &values {
        assert!((value - a).abs() < 1e-9 * a.max(1.0));
        a = a + 0.2 * a * (1.0 - a / 5000.0) - 0.02 * a;
    }
    assert!(values[36] < 4500.0, "stays below K (1 - c/r)");

    let (header, rows) = csv(
        &env,
        &[
            "growth",
            "--model",
            "logistic",
            "--initial",
            "100",
            "--rate",
            "20%",
            "--capacity",
            "5000",
            "--churn",
            "1%,5%",
            "--months",
            "3",
        ],
    );
    assert_eq!(header, ["month", "date", "c=1%", "c=5%"]);
    let low = numbers(&header, &rows, "c=1%");
    let high = numbers(&header, &rows, "c=5%");
    assert!(low[3] > high[3]);
}

#[test]
fn bass_diffusion_follows_its_recurrence() {
    let env = Env::new();
    let (header, rows) = csv(
        &env,
        &[
            "growth",
            "--model",
            "bass",
            "--market",
            "20000",
            "--p",
            "0.03",
            "--q",
            "0.38",
            "--initial",
            "0",
            "--months",
            "36",
        ],
    );
    let values = numbers(&header, &rows, "members");
    assert_eq!(values.len(), 37);
    assert_eq!(values[0], 0.0);
    // n(1) = p m = 600; n(2) = (0.03 + 0.38 * 600 / 20000) (20000 - 600)
    assert!((values[1] - 600.0).abs() < 1e-9);
    assert!((values[2] - (600.0 + 0.0414 * 19400.0)).abs() < 1e-9);
    assert!(values.windows(2).all(|w| w[1] >= w[0]));
    assert!(values[36] <= 20000.0 && values[36] > 19000.0);
}

/// Members joining month by month so that the members at the end of 2026-05..2026-10 are
/// 100, 110, 121, 133, 146, 161: 10% a month, rounded to whole people.
fn growing_community() -> Env {
    let env = Env::new();
    let mut added = 0;
    for (month, total) in [
        ("05", 100),
        ("06", 110),
        ("07", 121),
        ("08", 133),
        ("09", 146),
        ("10", 161),
    ] {
        while added < total {
            added += 1;
            let wechat = format!("wx{added}");
            let name = format!("m{added}");
            let joined = format!("2026-{month}-{:02}", added % 28 + 1);
            env.add(&["--name", &name, "--wechat", &wechat, "--joined", &joined]);
        }
    }
    env
}

#[test]
fn fit_recovers_the_rate_of_a_community_growing_10_percent_a_month() {
    let env = growing_community();
    let (out, err) = run(
        &env,
        &[
            "forecast", "growth", "--fit", "--months", "12", "--format", "json",
        ],
    );
    // On stderr, in json, what the fit used.
    let fit = json(err.lines().find(|l| l.starts_with('{')).expect("a fit"));
    assert_eq!(fit["series"], "members at the end of each month");
    assert_eq!(
        fit["months"],
        json(r#"["2026-05","2026-06","2026-07","2026-08","2026-09","2026-10"]"#)
    );
    assert_eq!(
        fit["observed"],
        json("[100.0,110.0,121.0,133.0,146.0,161.0]")
    );
    let rate = fit["rate"].as_f64().expect("a rate");
    assert!((rate - 0.10).abs() < 0.002, "{rate}");
    assert!(fit["r_squared"].as_f64().expect("R²") > 0.999);
    assert!((fit["fitted_initial"].as_f64().expect("initial") - 100.0).abs() < 0.5);
    assert_eq!(fit["points_used"], 6);
    assert_eq!(fit["warnings"], json("[]"));
    assert_eq!(fit["start"], 161.0);
    // The forecast starts from the members today and grows at the fitted rate.
    let rows = json(&out);
    assert_eq!(rows[0]["members"], 161.0);
    let month_12 = rows[12]["members"].as_f64().expect("a number");
    assert!((month_12 - 161.0 * (1.0 + rate).powi(12)).abs() < 1e-9);

    // For people, the same on stderr as text; without --rate, growth fits as --fit does.
    let (_, err) = run(&env, &["forecast", "growth", "--format", "csv"]);
    assert!(
        err.contains("fit: members at the end of each month, 2026-05..2026-10 (6 month(s), 6 used): 100 -> 161"),
        "{err}"
    );
    assert!(err.contains("fit: rate 9.9"), "{err}");
    assert!(
        err.contains("start: 161 member(s) today (2026-11-23)"),
        "{err}"
    );
}

#[test]
fn fit_counts_only_members_who_had_not_lapsed_or_left() {
    let env = growing_community();
    // Someone who joined in May and whose access ended in August leaves the later months.
    env.add(&[
        "--name",
        "gone",
        "--wechat",
        "gone",
        "--joined",
        "2026-05-01",
        "--expires",
        "2026-08-15",
    ]);
    let (_, err) = run(
        &env,
        &[
            "forecast", "growth", "--fit", "--format", "jsonl", "--months", "1",
        ],
    );
    let fit = json(err.lines().find(|l| l.starts_with('{')).expect("a fit"));
    assert_eq!(
        fit["observed"],
        json("[101.0,111.0,122.0,133.0,146.0,161.0]")
    );
}

#[test]
fn fit_warns_about_a_short_history_and_refuses_one_too_short() {
    let env = Env::new();
    for (i, joined) in ["2026-08-03", "2026-09-03", "2026-09-04", "2026-10-03"]
        .iter()
        .enumerate()
    {
        env.add(&[
            "--name",
            "m",
            "--wechat",
            &format!("wx{i}"),
            "--joined",
            joined,
        ]);
    }
    let (_, err) = run(&env, &["forecast", "growth", "--fit", "--format", "csv"]);
    assert!(err.contains("warning: only 3 months of history"), "{err}");

    let env = Env::new();
    env.add(&["--name", "m", "--wechat", "wx", "--joined", "2026-10-03"]);
    let err = env.fails(&["forecast", "growth", "--fit"]);
    assert!(err.contains("--fit needs at least 3 months"), "{err}");
    assert!(err.contains("Give --initial and --rate instead"), "{err}");

    let env = Env::new();
    let err = env.fails(&["forecast", "growth", "--fit"]);
    assert_eq!(
        err,
        "error: no members yet, so there is no history to fit a rate to\nhint: give --initial N and --rate RATE, e.g. --initial 100 --rate 10%\n"
    );
}

#[test]
fn initial_defaults_to_the_members_today() {
    let env = Env::new();
    env.add(&["--name", "a", "--wechat", "a"]);
    env.add(&["--name", "b", "--wechat", "b"]);
    let (header, rows) = csv(&env, &["growth", "--rate", "10%", "--months", "1"]);
    assert_eq!(numbers(&header, &rows, "members"), [2.0, 2.2]);
}

#[test]
fn forecasts_with_every_input_given_never_open_the_database() {
    let env = Env::new();
    std::fs::remove_file(env.db()).expect("removes the db");
    let (_, rows) = csv(&env, &["growth", "--initial", "1", "--rate", "1%"]);
    assert_eq!(rows.len(), 13, "--months defaults to 12");
    assert!(!env.db().exists());
}

#[test]
fn reach_fit_waits_for_content_stats() {
    let env = Env::new();
    let err = env.fails(&["forecast", "reach", "--fit", "--content", "12"]);
    assert_eq!(
        err,
        "error: no content stats recorded yet, so there are no views of content 12 to fit a rate to\nhint: give --initial VIEWS and --rate RATE, e.g. --initial 100 --rate 20%\n"
    );
    let err = env.fails(&["forecast", "reach", "--initial", "100"]);
    assert!(err.contains("no views of any content"), "{err}");
}

/// Strict enough for our SVG: every tag closed in order, one root, no stray `<` or `&`.
fn assert_well_formed_xml(text: &str) {
    let body = text
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>'), "stray > in {text:?}");
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        let close = rest[open..].find('>').expect("an unclosed tag") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "< inside a tag: {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else {
            let name: String = tag
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '/')
                .collect();
            assert!(!name.is_empty(), "an empty tag");
            if stack.is_empty() {
                roots += 1;
            }
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag:?}"
            );
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert_eq!(roots, 1);
    assert!(rest.trim().is_empty());
}

#[test]
fn svg_is_written_well_formed_with_title_axes_and_legend() {
    let env = Env::new();
    let (out, err) = run(
        &env,
        &[
            "forecast",
            "growth",
            "--initial",
            "100",
            "--rate",
            "5%,10%,20%",
            "--months",
            "24",
            "--svg",
            "growth.svg",
            "--format",
            "csv",
        ],
    );
    assert_eq!(parse_csv(&out).len(), 26, "the table still goes to stdout");
    assert!(err.contains("wrote the chart to growth.svg"), "{err}");
    let svg = std::fs::read_to_string(env.path("growth.svg")).expect("an SVG file");
    assert_well_formed_xml(&svg);
    assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("<title>Members: A(t) = A0 (1 + r)^t from 100</title>"));
    assert!(svg.contains(">months from 2026-11-23</text>"));
    assert!(svg.contains(">members</text>"));
    assert!(svg.contains("<g class=\"legend\">"));
    for label in ["r=5%", "r=10%", "r=20%"] {
        assert!(
            svg.contains(&format!(">{label}</text>")),
            "legend lacks {label}"
        );
    }
    assert_eq!(svg.matches("<polyline").count(), 3);

    let env = Env::new();
    let (_, _) = run(
        &env,
        &[
            "forecast",
            "revenue",
            "--svg",
            "revenue.svg",
            "--format",
            "csv",
        ],
    );
    assert_well_formed_xml(&std::fs::read_to_string(env.path("revenue.svg")).expect("svg"));
}

#[test]
fn svg_that_cannot_be_written_fails_before_any_output() {
    let env = Env::new();
    let output = env
        .cmd()
        .args([
            "forecast",
            "growth",
            "--initial",
            "1",
            "--rate",
            "1%",
            "--svg",
            "no/such/dir.svg",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.starts_with("error: --svg: writing no/such/dir.svg"),
        "{err}"
    );
}

#[test]
fn chart_goes_under_the_table_or_to_stderr_beside_csv() {
    let env = Env::new();
    let args = [
        "forecast",
        "growth",
        "--initial",
        "100",
        "--rate",
        "5%,20%",
        "--months",
        "24",
        "--chart",
    ];
    let mut table = args.to_vec();
    table.extend(["--format", "table"]);
    let (out, _) = run(&env, &table);
    let legend = out.lines().last().expect("a legend");
    assert!(
        legend.contains("* r=5%") && legend.contains("+ r=20%"),
        "{out}"
    );
    assert!(out.lines().next().expect("a header").contains("r=20%"));
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");

    let mut csv = args.to_vec();
    csv.extend(["--format", "csv"]);
    let (out, err) = run(&env, &csv);
    assert_eq!(parse_csv(&out).len(), 26, "stdout is data only");
    assert!(err.contains("* r=5%"), "{err}");
    let mut quiet = csv.clone();
    quiet.push("--quiet");
    assert_eq!(run(&env, &quiet).1, "");
}

#[test]
fn revenue_projects_paying_members_by_tier_in_exact_money() {
    let env = Env::new();
    // Paying: active or cancelled on a paid tier (basic ¥199/year, pro ¥999/year).
    for i in 0..3 {
        env.add(&[
            "--name",
            "p",
            "--wechat",
            &format!("pro{i}"),
            "--tier",
            "pro",
        ]);
    }
    for i in 0..5 {
        env.add(&[
            "--name",
            "b",
            "--wechat",
            &format!("basic{i}"),
            "--tier",
            "basic",
        ]);
    }
    env.add(&[
        "--name",
        "c",
        "--wechat",
        "c",
        "--tier",
        "basic",
        "--status",
        "cancelled",
    ]);
    // Not paying: a trial, a free member, and one whose access ended.
    env.add(&[
        "--name", "t", "--wechat", "t", "--tier", "pro", "--status", "trial",
    ]);
    env.add(&["--name", "f", "--wechat", "f", "--tier", "free"]);
    env.add(&[
        "--name",
        "x",
        "--wechat",
        "x",
        "--tier",
        "pro",
        "--joined",
        "2025-01-01",
        "--expires",
        "2025-12-31",
    ]);

    let (header, rows) = csv(&env, &["revenue", "--months", "12"]);
    assert_eq!(
        header,
        [
            "month",
            "date",
            "members",
            "members_basic",
            "members_pro",
            "mrr",
            "courses",
            "total",
            "cumulative"
        ]
    );
    assert_eq!(rows.len(), 13);
    // (6 x 199.00 + 3 x 999.00) / 12 = 349.25 a month
    assert_eq!(
        rows[0],
        [
            "0",
            "2026-11-23",
            "9.0",
            "6.0",
            "3.0",
            "349.25",
            "0.00",
            "349.25",
            "0.00"
        ]
    );
    assert_eq!(rows[12][5..], ["349.25", "0.00", "349.25", "4191.00"]);

    let (header, rows) = csv(
        &env,
        &["revenue", "--months", "3", "--churn", "3%", "--rate", "10%"],
    );
    let pro = numbers(&header, &rows, "members_pro");
    assert!((pro[3] - 3.0 * 1.07_f64.powi(3)).abs() < 1e-9);
    let totals = numbers(&header, &rows, "total");
    let cumulative = numbers(&header, &rows, "cumulative");
    assert!((cumulative[3] - (totals[1] + totals[2] + totals[3])).abs() < 1e-9);
    for row in &rows {
        let mrr = &row[5];
        assert_eq!(mrr.split('.').nth(1).map(str::len), Some(2), "{mrr}");
    }

    // For people: whole members and the currency; today's figures on stderr.
    let (out, err) = run(
        &env,
        &[
            "forecast", "revenue", "--months", "1", "--churn", "3%", "--format", "table",
        ],
    );
    assert!(out.contains("¥349.25"), "{out}");
    assert!(
        err.contains("today: 9 paying member(s) (basic 6, pro 3); growth 0% and churn 3% a month"),
        "{err}"
    );
    assert!(
        err.contains("today: MRR ¥349.25, ARR ¥4,191.00, ARPU ¥38.81 a month, LTV ¥1,293.67"),
        "{err}"
    );
    assert!(err.contains("no course sales recorded yet"), "{err}");

    let out = env.ok(&["forecast", "revenue", "--months", "1", "--format", "json"]);
    assert_eq!(
        json(&out)[1]["mrr"],
        "349.25",
        "money is exact decimal text"
    );
}

#[test]
fn bad_rates_and_months_are_errors_that_name_the_flag() {
    let env = Env::new();
    let base = ["forecast", "growth", "--initial", "100"];
    let fails = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        env.fails(&args)
    };
    assert_eq!(
        fails(&["--rate", "10"]),
        "error: --rate 10 would mean 1000% a month; write 10% or 0.1\n"
    );
    assert_eq!(
        fails(&["--rate", "-100%"]),
        "error: --rate -100% is -100%, but a rate must be above -100% (losing everything every month)\n"
    );
    assert_eq!(
        fails(&["--rate", "10%", "--months", "500"]),
        "error: --months 500 is too long: forecasts go up to 120 months\n"
    );
    assert!(fails(&["--rate", "5%,,10%"]).contains("has an empty item"));
    assert!(fails(&["--rate", "10%,0.1"]).contains("lists 10% more than once"));
    assert!(fails(&["--rate", "NaN"]).contains("--rate NaN is not a finite number"));
    assert_eq!(
        fails(&["--rate", "10%", "--churn", "2%"]),
        "error: --churn does not apply to --model compound; it belongs to --model logistic (compound growth takes a net --rate)\n"
    );
    assert!(
        fails(&["--model", "logistic", "--rate", "10%"]).contains("needs --capacity"),
        "logistic needs a ceiling"
    );
    assert!(
        fails(&[
            "--model",
            "logistic",
            "--rate",
            "5%,10%",
            "--capacity",
            "10",
            "--churn",
            "1%,2%"
        ])
        .contains("--rate and --churn are both lists")
    );
    assert!(fails(&["--model", "bass", "--market", "10", "--rate", "5%"]).contains("--p"));
    assert!(fails(&["--model", "bass"]).contains("needs --market"));
    assert_eq!(
        fails(&["--rate", "5%", "--q", "0.4"]),
        "error: --q does not apply to --model compound; it belongs to --model bass\n"
    );
    assert!(
        fails(&[
            "--model",
            "logistic",
            "--rate",
            "5%",
            "--capacity",
            "10",
            "--churn",
            "150%"
        ])
        .contains("--churn 150% is out of range")
    );
    assert!(
        env.fails(&["forecast", "growth", "--initial", "-3", "--rate", "5%"])
            .contains("--initial -3 is negative")
    );
    assert!(
        env.fails(&["forecast", "revenue", "--churn", "3%,4%"])
            .contains("forecast revenue runs one scenario")
    );
    // --fit and the values it would supply cannot both be given (a usage error).
    let err = env.fails_with(2, &["forecast", "growth", "--fit", "--rate", "10%"]);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn the_readme_svg_is_what_the_tool_draws() {
    // README links examples/growth.svg; regenerate it with the command below if this fails.
    let env = Env::new();
    env.ok(&[
        "forecast",
        "growth",
        "--initial",
        "100",
        "--rate",
        "5%,10%,20%",
        "--months",
        "24",
        "--svg",
        "growth.svg",
    ]);
    let drawn = std::fs::read_to_string(env.path("growth.svg")).expect("svg");
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/growth.svg"),
    )
    .expect("examples/growth.svg");
    assert!(drawn == committed, "examples/growth.svg is out of date");
}
