use crate::common::{Env, file_bytes};

#[test]
fn a_missing_database_suggests_init() {
    let env = Env::new();
    std::fs::remove_file(env.db()).unwrap();
    let err = env.fails(&["member", "list"]);
    assert!(
        err.contains("no database at") && err.contains("community init"),
        "{err}"
    );
    assert!(!env.db().exists(), "nothing is created by a read");
}

#[test]
fn no_config_anywhere_suggests_init() {
    let env = Env::empty();
    let err = env.fails(&["member", "list"]);
    assert!(
        err.contains("no community.toml") && err.contains("community init"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let env = Env::new();
    std::fs::remove_file(env.db()).unwrap();
    std::fs::write(env.db(), "name,email\nli,li@example.com\n".repeat(200)).unwrap();
    let before = file_bytes(&env.db());
    let err = env.fails(&["member", "list"]);
    assert!(err.contains("is not a SQLite database"), "{err}");
    assert_eq!(file_bytes(&env.db()), before);
}

#[test]
fn a_newer_schema_is_refused_untouched() {
    let env = Env::new();
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = file_bytes(&env.db());
    let err = env.fails(&["member", "list"]);
    assert!(
        err.contains("newer version of community (schema 999"),
        "{err}"
    );
    assert!(err.contains("was not changed"), "{err}");
    let err = env.fails(&["member", "add", "--email", "a@example.com", "--name", "A"]);
    assert!(err.contains("newer version"), "{err}");
    assert_eq!(file_bytes(&env.db()), before);
}

#[test]
fn another_apps_sqlite_file_is_refused() {
    let env = Env::new();
    std::fs::remove_file(env.db()).unwrap();
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let err = env.fails(&["member", "list"]);
    assert!(err.contains("not one of community's"), "{err}");
}

#[test]
fn a_config_typo_names_the_line() {
    let env = Env::new();
    let text = std::fs::read_to_string(env.path("community.toml")).unwrap();
    std::fs::write(
        env.path("community.toml"),
        text.replace("timezone = ", "time_zone = "),
    )
    .unwrap();
    let err = env.fails(&["member", "list"]);
    assert!(
        err.contains("community.toml:") && err.contains("time_zone"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    let err = env.fails_with(2, &["member", "list", "--format", "xml"]);
    assert!(err.contains("xml"), "{err}");
    env.fails_with(2, &["member", "frobnicate"]);
}

#[test]
fn a_bad_today_is_an_error() {
    let env = Env::new();
    let err = env.fails(&["member", "list", "--today", "2026-02-30"]);
    assert!(
        err.contains("--today") && err.contains("2026-02-30"),
        "{err}"
    );
}

#[test]
fn escape_sequences_in_names_never_reach_stderr_raw() {
    let env = Env::new();
    let err = env.fails(&[
        "member",
        "add",
        "--email",
        "x@example.com\u{1b}[31m",
        "--name",
        "A",
    ]);
    assert!(!err.contains('\u{1b}'), "{err:?}");
}
