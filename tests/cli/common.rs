//! A temp folder with a community in it, and a way to run the binary there with a clean
//! environment (no COMMUNITY_*, NO_COLOR or TZ from the developer's shell) and a pinned today.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The binary under test: the one cargo built for these tests, or the one named by
/// `COMMUNITY_TEST_BIN`, so that CI runs the same tests against the static release build
/// (README, "Install").
pub fn bin() -> std::ffi::OsString {
    std::env::var_os("COMMUNITY_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_community").into())
}

/// "Today" in every test unless a test says otherwise.
pub const TODAY: &str = "2026-11-23";

pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// An empty folder, no community yet.
    pub fn empty() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A folder after `community init --name Test`.
    pub fn new() -> Env {
        let env = Env::empty();
        env.ok(&["init", "--name", "Test"]);
        env
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("community.db")
    }

    /// The binary, run in the folder, off a terminal, with today pinned.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.std_cmd());
        cmd.timeout(std::time::Duration::from_secs(30));
        cmd
    }

    /// The same as a plain `std::process::Command`, for tests that spawn, race and kill.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
        cmd.current_dir(self.dir.path());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("COMMUNITY_") || key == "NO_COLOR" || key == "TZ" {
                cmd.env_remove(key.as_ref());
            }
        }
        cmd.env("COMMUNITY_TODAY", TODAY);
        cmd
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.cmd().args(args).output().expect("runs");
        assert!(
            output.status.success(),
            "community {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 stdout")
    }

    /// Runs and expects exit code `code`; returns stderr.
    pub fn fails_with(&self, code: i32, args: &[&str]) -> String {
        let output = self.cmd().args(args).output().expect("runs");
        assert_eq!(
            output.status.code(),
            Some(code),
            "community {args:?} should exit {code}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Runs and expects a plain error (exit 1); returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        self.fails_with(1, args)
    }

    /// Adds a member and returns its id.
    pub fn add(&self, args: &[&str]) -> i64 {
        let mut all = vec!["member", "add"];
        all.extend_from_slice(args);
        self.ok(&all)
            .trim()
            .parse()
            .expect("member add prints the new id")
    }

    /// `member list` as parsed csv records (header first).
    pub fn list(&self, args: &[&str]) -> Vec<Vec<String>> {
        let mut all = vec!["member", "list", "--format", "csv"];
        all.extend_from_slice(args);
        parse_csv(&self.ok(&all))
    }

    /// The values of one column of `member list`, in order.
    pub fn column(&self, column: &str, args: &[&str]) -> Vec<String> {
        let rows = self.list(args);
        let index = rows[0]
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", rows[0]));
        rows[1..].iter().map(|r| r[index].clone()).collect()
    }

    /// Counts rows with a query straight against the database file.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).expect("opens the db");
        conn.query_row(sql, [], |r| r.get(0)).expect("query")
    }
}

pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("valid csv").iter().map(str::to_string).collect())
        .collect()
}

pub fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("reads file")
}
