//! Privacy: files holding members' data are the owner's alone, exports that leave the machine
//! can drop contact fields, and error messages carry no more personal data than the value at
//! fault.

use crate::common::{Env, parse_csv};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_database_and_reject_files_are_readable_by_their_owner_only() {
    let env = Env::new();
    assert_eq!(mode(&env.db()), 0o600);
    std::fs::write(
        env.path("in.csv"),
        "email,name\nok@example.com,Ok\nbroken@,Private Person\n",
    )
    .unwrap();
    // A reject file that exists already with loose permissions is rewritten, and keeps them,
    // so only a new file is checked here; umask 022 would give 0644 without the fix.
    env.ok(&[
        "member",
        "import",
        "in.csv",
        "--skip-invalid",
        "--rejects",
        "rejects.csv",
    ]);
    assert_eq!(mode(&env.path("rejects.csv")), 0o600);
    let rejects = std::fs::read_to_string(env.path("rejects.csv")).unwrap();
    assert!(rejects.contains("Private Person"), "{rejects}");
    std::fs::write(env.path("in.jsonl"), "{\"email\":\"broken@\"}\n").unwrap();
    env.ok(&[
        "member",
        "import",
        "in.jsonl",
        "--skip-invalid",
        "--rejects",
        "rejects.jsonl",
    ]);
    assert_eq!(mode(&env.path("rejects.jsonl")), 0o600);
}

fn seeded() -> Env {
    let env = Env::new();
    env.add(&[
        "--name",
        "李雷",
        "--email",
        "li@example.com",
        "--phone",
        "13800138000",
        "--wechat",
        "lilei_88",
        "--note",
        "lives at 5 Elm St",
    ]);
    env
}

fn export(env: &Env, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["member", "export", "--format", "csv"];
    args.extend_from_slice(extra);
    parse_csv(&env.ok(&args))
}

fn cell<'a>(rows: &'a [Vec<String>], column: &str) -> &'a str {
    let index = rows[0].iter().position(|c| c == column).expect("column");
    &rows[1][index]
}

#[test]
fn redacted_exports_keep_the_header_and_empty_the_named_fields() {
    let env = seeded();
    let full = export(&env, &[]);
    let redacted = export(&env, &["--redact", "email,phone,wechat"]);
    assert_eq!(redacted[0], full[0], "the header is stable");
    for column in ["email", "phone", "wechat"] {
        assert_eq!(cell(&redacted, column), "", "{column}");
    }
    assert_eq!(cell(&redacted, "name"), "李雷");
    assert_eq!(cell(&redacted, "note"), "lives at 5 Elm St");

    let contact = export(&env, &["--redact", "contact"]);
    assert_eq!(contact, redacted);

    let all = env.ok(&["member", "export", "--format", "jsonl", "--redact", "all"]);
    for secret in [
        "李雷",
        "li@example.com",
        "13800138000",
        "lilei_88",
        "5 Elm St",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    let err = env.fails_with(2, &["member", "export", "--redact", "address"]);
    assert!(err.contains("address"), "{err}");
}

#[test]
fn an_import_error_names_only_the_value_at_fault() {
    let env = Env::new();
    std::fs::write(
        env.path("in.csv"),
        "email,name,phone,note\n\
         ok@example.com,Han Meimei,13900139000,secret note\n\
         wrong@,Li Lei,13800138000,another secret\n",
    )
    .unwrap();
    let err = env.fails(&["member", "import", "in.csv"]);
    assert!(
        err.contains(
            "in.csv:3: column \"email\" value \"wrong@\": invalid email: expected name@domain.tld"
        ),
        "{err}"
    );
    for other in [
        "Han Meimei",
        "Li Lei",
        "13800138000",
        "13900139000",
        "secret",
    ] {
        assert!(!err.contains(other), "{other} leaked: {err}");
    }
}

#[test]
fn a_json_list_holding_an_object_is_named_by_kind_not_by_content() {
    let env = Env::new();
    std::fs::write(
        env.path("in.jsonl"),
        "{\"email\":\"a@example.com\",\"tags\":[\"x\",{\"phone\":\"13800138000\"}]}\n",
    )
    .unwrap();
    let err = env.fails(&["member", "import", "in.jsonl"]);
    assert!(
        err.contains("key \"tags\": a list may hold only strings and numbers, found an object"),
        "{err}"
    );
    assert!(!err.contains("13800138000"), "{err}");
}

#[test]
fn a_huge_bad_value_is_cut_short_in_the_message() {
    let env = Env::new();
    // One argument may be at most 128 KiB on Linux.
    let huge = "x".repeat(100_000);
    let err = env.fails(&["member", "add", "--email", &huge, "--name", "A"]);
    assert!(err.len() < 1_000, "{} bytes of error", err.len());
    assert!(err.contains("... (100000 characters)"), "{err}");
}
