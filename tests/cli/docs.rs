//! The docs cannot rot (sqlite-utils' test_docs idea): every subcommand appears in README and
//! its `--help` ends with examples, and the exit codes are documented.

use clap::CommandFactory as _;
use community::cli::Cli;

use crate::common::Env;

/// Every leaf command path, e.g. `["member", "add"]`.
fn leaves() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(path.to_vec());
        }
        for sub in subs {
            let mut next = path.to_vec();
            next.push(sub.get_name().to_string());
            walk(sub, &next, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

#[test]
fn every_subcommand_appears_in_readme() {
    let readme = readme();
    let missing: Vec<String> = leaves()
        .into_iter()
        .map(|path| path.join(" "))
        .filter(|path| !readme.contains(path.as_str()))
        .collect();
    assert!(missing.is_empty(), "README never mentions: {missing:?}");
}

#[test]
fn every_subcommand_help_ends_with_examples() {
    let env = Env::empty();
    for path in leaves() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args);
        let examples = help
            .rfind("Examples:")
            .unwrap_or_else(|| panic!("`community {}` has no examples", path.join(" ")));
        assert!(
            !help[examples..].contains("Options:"),
            "`community {}`: examples must come last",
            path.join(" ")
        );
    }
}

#[test]
fn exit_codes_are_documented() {
    assert!(readme().contains("Exit codes: `0` ok, `1` error"));
    let help = Env::empty().ok(&["--help"]);
    assert!(
        help.contains("Exit codes: 0 ok, 1 error, 2 usage."),
        "{help}"
    );
}
