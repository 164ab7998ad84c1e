use crate::common::{Env, parse_csv};

fn tricky(env: &Env) {
    env.add(&[
        "--email",
        "a@example.com",
        "--name",
        "O'Brien, \"Bob\"",
        "--note",
        "line one\nline two",
        "--tag",
        "写作",
    ]);
    env.add(&["--email", "b@example.com", "--name", "欧阳娜娜"]);
}

#[test]
fn csv_round_trips_commas_quotes_newlines_and_chinese() {
    let env = Env::new();
    tricky(&env);
    let rows = env.list(&[]);
    assert_eq!(rows[1][1], "O'Brien, \"Bob\"");
    assert_eq!(rows[1][10], "写作");
    assert_eq!(rows[2][1], "欧阳娜娜");
    let shown = parse_csv(&env.ok(&["member", "show", "1", "--format", "csv"]));
    assert!(shown.contains(&vec!["note".to_string(), "line one\nline two".to_string()]));
}

#[test]
fn tsv_has_the_same_rows() {
    let env = Env::new();
    tricky(&env);
    let text = env.ok(&["member", "list", "--format", "tsv"]);
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows, env.list(&[]));
}

#[test]
fn json_and_jsonl_carry_the_same_rows_with_types() {
    let env = Env::new();
    tricky(&env);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["member", "list", "--format", "json"])).unwrap();
    let jsonl: Vec<serde_json::Value> = env
        .ok(&["member", "list", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json.as_array().unwrap(), &jsonl);
    assert_eq!(json[0]["name"], "O'Brien, \"Bob\"");
    assert_eq!(json[0]["id"], 1);
    assert_eq!(json[0]["points"], 0);
    assert!(json[0]["phone"].is_null());
    assert_eq!(json[1]["name"], "欧阳娜娜");
}

#[test]
fn empty_lists_are_valid_output() {
    let env = Env::new();
    assert_eq!(
        env.ok(&["member", "list", "--format", "csv"])
            .lines()
            .count(),
        1
    );
    assert_eq!(env.ok(&["member", "list", "--format", "json"]), "[]\n");
    assert_eq!(env.ok(&["member", "list", "--format", "jsonl"]), "");
}

#[test]
fn csv_is_the_default_off_a_terminal() {
    let env = Env::new();
    tricky(&env);
    let text = env.ok(&["member", "list"]);
    assert!(text.starts_with("id,name,email,"), "{text}");
}

#[test]
fn table_format_draws_a_table() {
    let env = Env::new();
    tricky(&env);
    let text = env.ok(&["member", "list", "--format", "table"]);
    assert!(text.contains("欧阳娜娜") && text.contains("─"), "{text}");
}

/// More than a pipe holds (64 KiB), so the writer meets the closed pipe mid-stream; export
/// also meets it while its reading thread is still going.
#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::new();
    let mut csv = String::from("email,name\n");
    for i in 0..3000 {
        csv.push_str(&format!("m{i}@example.com,Someone with a longish name\n"));
    }
    std::fs::write(env.path("many.csv"), csv).unwrap();
    env.ok(&["member", "import", "many.csv"]);
    // Completion scripts are over 200 KB.
    for command in [
        "member list --format csv",
        "member export",
        "completions bash",
    ] {
        let out = std::process::Command::new("bash")
            // The binary as bash's $0, so its path needs no quoting.
            .args([
                "-o",
                "pipefail",
                "-c",
                &format!("\"$0\" {command} | head -n 2"),
            ])
            .arg(crate::common::bin())
            .current_dir(env.dir.path())
            .env("COMMUNITY_TODAY", crate::common::TODAY)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{command}");
        assert!(out.status.success(), "{command}: {:?}", out.status);
    }
}
