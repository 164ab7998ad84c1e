use crate::common::Env;

#[test]
fn init_writes_the_named_config_and_a_private_database() {
    let env = Env::empty();
    env.ok(&["init", "--name", "Rust 星球"]);
    let config = std::fs::read_to_string(env.path("community.toml")).unwrap();
    assert!(config.contains("name = \"Rust 星球\""), "{config}");
    assert!(config.contains("[[tier]]"));
    assert!(env.db().is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.db()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "database mode {mode:o}");
    }
    assert_eq!(env.count("SELECT count(*) FROM members"), 0);
}

#[test]
fn init_refuses_to_overwrite_a_config() {
    let env = Env::new();
    std::fs::write(
        env.path("community.toml"),
        "# mine\n[community]\nname = \"Mine\"\n[[tier]]\nname = \"free\"\nprice = 0\n",
    )
    .unwrap();
    let err = env.fails(&["init", "--name", "Other"]);
    assert!(err.contains("already exists"), "{err}");
    let config = std::fs::read_to_string(env.path("community.toml")).unwrap();
    assert!(config.starts_with("# mine"));
}

#[test]
fn init_into_a_new_folder_without_a_name_uses_the_folder_name() {
    let env = Env::empty();
    env.ok(&["init", "rust-club"]);
    let config = std::fs::read_to_string(env.path("rust-club/community.toml")).unwrap();
    assert!(config.contains("name = \"rust-club\""), "{config}");
    assert!(env.path("rust-club/community.db").is_file());
}

#[test]
fn demo_data_can_be_listed_at_once() {
    let env = Env::empty();
    env.ok(&["init", "demo", "--demo"]);
    let out = env
        .cmd()
        .current_dir(env.path("demo"))
        .args(["member", "list", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = crate::common::parse_csv(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(rows.len(), 31, "header and 30 sample members");
    let statuses: std::collections::BTreeSet<&str> =
        rows[1..].iter().map(|r| r[6].as_str()).collect();
    for status in ["active", "expired", "cancelled", "trial", "paused"] {
        assert!(
            statuses.contains(status),
            "demo lacks {status}: {statuses:?}"
        );
    }
}

#[test]
fn commands_find_the_config_in_a_parent_folder() {
    let env = Env::new();
    env.add(&["--email", "li@example.com", "--name", "李雷"]);
    std::fs::create_dir_all(env.path("notes/2026")).unwrap();
    let out = env
        .cmd()
        .current_dir(env.path("notes/2026"))
        .args(["member", "list", "--format", "csv"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("li@example.com"));
}

#[test]
fn db_flag_and_env_override_the_config() {
    let env = Env::new();
    let other = env.path("other.db");
    // A database path that does not exist is reported, not created behind the user's back.
    let err = env.fails(&["member", "list", "--db", other.to_str().unwrap()]);
    assert!(
        err.contains("no database") && err.contains("community init"),
        "{err}"
    );
    let out = env
        .cmd()
        .env("COMMUNITY_DB", env.db())
        .args(["member", "list", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn completions_and_man_page_come_from_the_cli_tree() {
    let env = Env::empty();
    let bash = env.ok(&["completions", "bash"]);
    assert!(bash.contains("community") && bash.contains("member"));
    let man = env.ok(&["man"]);
    assert!(
        man.contains(".TH community"),
        "{}",
        &man[..200.min(man.len())]
    );
}
