//! The command-line tree (clap derive) and nothing else: no I/O, no SQL, no formatting.
//!
//! Doc comments here are the `--help` text; every leaf command carries real examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "community",
    version,
    about = "Run a paid knowledge community (知识付费社群) from a terminal",
    long_about = "Run a paid knowledge community (知识付费社群) from a terminal: members on paid \
                  tiers, tags and points, all in one local SQLite file.",
    after_help = "Examples:\n  \
        community init --name \"Rust 星球\"\n  \
        community member add --email li@example.com --name 李雷 --tier pro\n  \
        community member list --expiring-within 14d --format csv\n\n\
        Exit codes: 0 ok, 1 error, 2 usage.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database file (default: the one community.toml names, beside it)
    #[arg(long, global = true, env = "COMMUNITY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Config file (default: community.toml in this folder or the nearest parent)
    #[arg(long, global = true, env = "COMMUNITY_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Output format (default: table on a terminal, csv otherwise)
    #[arg(long, short = 'f', global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Never prompt; answer yes to confirmations
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,

    /// Print nothing on stderr but errors
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    /// Pin "today" (for expiry, reports and plans), e.g. 2026-12-01
    #[arg(long, global = true, env = "COMMUNITY_TODAY", value_name = "DATE")]
    pub today: Option<String>,
}

// Parsed once per process, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create community.toml and the database in DIR (default: here)
    #[command(after_help = "Examples:\n  \
        community init\n  \
        community init ~/rust-club --name \"Rust 星球\"\n  \
        community init /tmp/demo --demo && cd /tmp/demo && community member list")]
    Init(InitArgs),

    /// Members: add, find, renew, tag and reward them
    #[command(subcommand)]
    Member(MemberCommand),

    /// Generate shell completions
    #[command(after_help = "Examples:\n  \
        community completions bash > ~/.local/share/bash-completion/completions/community\n  \
        community completions zsh > ~/.zfunc/_community\n  \
        community completions fish > ~/.config/fish/completions/community.fish")]
    Completions {
        /// The shell to generate completions for
        shell: clap_complete::Shell,
    },

    /// Print a man page (roff) for community
    #[command(after_help = "Examples:\n  \
        community man > community.1 && man ./community.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the community in
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// The community's name, written into community.toml
    #[arg(long)]
    pub name: Option<String>,

    /// Seed the database with sample members to explore
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a member (asks for missing fields on a terminal)
    #[command(after_help = "Examples:\n  \
        community member add --email li@example.com --name 李雷 --tier pro --source wechat --tag rust --tag ai\n  \
        community member add --wechat xiaolin_88 --phone 13800138000 --name 小林 --tier basic\n  \
        community member add            # on a terminal: asks for each missing field")]
    Add(MemberAddArgs),

    /// List members, filtered and sorted
    #[command(after_help = "Examples:\n  \
        community member list --tier pro --status active --tag rust --search 李 --format csv\n  \
        community member list --joined-after 2026-01-01 --sort joined_at --limit 20\n  \
        community member list --expiring-within 14d     # whom to remind to renew")]
    List(MemberListArgs),

    /// Show one member: every field, tags, points and their recent history
    #[command(after_help = "Examples:\n  \
        community member show li@example.com\n  \
        community member show 12 --format json")]
    Show {
        /// Id, email, phone or WeChat ID (or id:N, email:X, phone:X, wechat:X)
        member: String,
    },

    /// Change any field of a member
    #[command(after_help = "Examples:\n  \
        community member edit li@example.com --tier basic --note \"asked for an invoice\"\n  \
        community member edit 12 --status paused\n  \
        community member edit xiaolin_88 --email \"\"   # an empty value clears an optional field")]
    Edit(MemberEditArgs),

    /// Remove a member with their tags and points (asks first)
    #[command(after_help = "Examples:\n  \
        community member remove li@example.com\n  \
        community member remove 12 --yes")]
    Remove {
        /// Id, email, phone or WeChat ID
        member: String,
    },

    /// Add tags to a member
    #[command(after_help = "Examples:\n  \
        community member tag li@example.com career\n  \
        community member tag 12 rust ai")]
    Tag {
        /// Id, email, phone or WeChat ID
        member: String,
        /// Tags to add (no commas or semicolons)
        #[arg(required = true)]
        tags: Vec<String>,
    },

    /// Remove tags from a member
    #[command(after_help = "Examples:\n  \
        community member untag li@example.com ai")]
    Untag {
        /// Id, email, phone or WeChat ID
        member: String,
        /// Tags to remove
        #[arg(required = true)]
        tags: Vec<String>,
    },

    /// Grant or redeem points, or show a member's points history
    #[command(after_help = "Examples:\n  \
        community member points li@example.com +20 --reason \"best answer of the week\"\n  \
        community member points li@example.com --reason \"redeemed a mug\" -- -50\n  \
        community member points li@example.com --rule best_answer   # amount from [points.rules]\n  \
        community member points li@example.com                      # balance and history")]
    Points(MemberPointsArgs),

    /// Import members from CSV, TSV or JSONL: Ghost, Patreon, Substack, 知识星球, Mailchimp, spreadsheets
    #[command(after_help = "Examples:\n  \
        community member import members.csv                     # the header says which platform\n  \
        community member import sheet.csv --map 邮箱=email --map 昵称=name --map 微信号=wechat\n  \
        community member import excel.csv --encoding gbk\n  \
        community member import patreon.csv --tier-map \"Junior Class=basic\" --tier-map Gold=pro\n  \
        community member import members.csv --dry-run           # validate and report, write nothing\n  \
        community member import big.csv --skip-invalid --rejects rejects.csv\n  \
        cat members.jsonl | community member import - --input-format jsonl\n\n\
        All or nothing: if any row is invalid, nothing is written and every invalid row is reported\n\
        (file, line, column, value, reason), unless --skip-invalid. Re-running an import is safe.")]
    Import(MemberImportArgs),

    /// Export members with every field (member list's filters apply)
    #[command(after_help = "Examples:\n  \
        community member export > all.csv\n  \
        community member export --format jsonl | jq -c 'select(.points > 100)'\n  \
        community member export --tier pro --spreadsheet-safe > for-excel.csv")]
    Export(MemberExportArgs),

    /// Renew a membership: push expires_at on and reactivate
    #[command(after_help = "Examples:\n  \
        community member renew li@example.com --months 12\n  \
        community member renew 13800138000          # one billing period of the member's tier")]
    Renew(MemberRenewArgs),
}

/// Fields a member can be created with.
#[derive(Debug, Args)]
pub struct MemberAddArgs {
    /// Display name
    #[arg(long)]
    pub name: Option<String>,
    /// Email address (unique, compared case-insensitively)
    #[arg(long)]
    pub email: Option<String>,
    /// Phone number (unique)
    #[arg(long)]
    pub phone: Option<String>,
    /// WeChat ID (unique)
    #[arg(long)]
    pub wechat: Option<String>,
    /// Tier, one of those in community.toml (default: the config's default tier)
    #[arg(long)]
    pub tier: Option<String>,
    /// Status: trial, active, paused, cancelled, expired, comped
    #[arg(long, default_value = "active")]
    pub status: String,
    /// Join date (default: today)
    #[arg(long, value_name = "DATE")]
    pub joined: Option<String>,
    /// Expiry date (default: one billing period after joining, for paid tiers)
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// Acquisition channel or platform, e.g. wechat, patreon
    #[arg(long)]
    pub source: Option<String>,
    /// The member's id on the platform named by --source
    #[arg(long, requires = "source")]
    pub source_id: Option<String>,
    /// Free-text note
    #[arg(long)]
    pub note: Option<String>,
    /// A tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// Filters shared by `member list` and `member export`.
#[derive(Debug, Args, Default, Clone)]
pub struct MemberFilterArgs {
    /// Only this tier
    #[arg(long)]
    pub tier: Option<String>,
    /// Only this status (expiry applied: a lapsed paid member is expired)
    #[arg(long)]
    pub status: Option<String>,
    /// Only members with this tag (repeatable: all must match)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only this source
    #[arg(long)]
    pub source: Option<String>,
    /// Text in name, email, phone, WeChat ID or note
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Joined on or after this date
    #[arg(long, value_name = "DATE")]
    pub joined_after: Option<String>,
    /// Joined on or before this date
    #[arg(long, value_name = "DATE")]
    pub joined_before: Option<String>,
    /// Still has access and expires within this span, e.g. 14d, 2w, 1m
    #[arg(long, value_name = "SPAN")]
    pub expiring_within: Option<String>,
    /// Sort by this column
    #[arg(long, value_enum, default_value_t = SortKey::Id)]
    pub sort: SortKey,
    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,
    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

#[derive(Debug, Args)]
pub struct MemberListArgs {
    #[command(flatten)]
    pub filter: MemberFilterArgs,
}

/// Columns `member list` can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Id,
    Name,
    Email,
    Tier,
    Status,
    JoinedAt,
    ExpiresAt,
    Points,
}

#[derive(Debug, Args)]
pub struct MemberEditArgs {
    /// Id, email, phone or WeChat ID
    pub member: String,
    /// New display name
    #[arg(long)]
    pub name: Option<String>,
    /// New email ("" clears it)
    #[arg(long)]
    pub email: Option<String>,
    /// New phone ("" clears it)
    #[arg(long)]
    pub phone: Option<String>,
    /// New WeChat ID ("" clears it)
    #[arg(long)]
    pub wechat: Option<String>,
    /// New tier
    #[arg(long)]
    pub tier: Option<String>,
    /// New status: trial, active, paused, cancelled, expired, comped
    #[arg(long)]
    pub status: Option<String>,
    /// New join date
    #[arg(long, value_name = "DATE")]
    pub joined: Option<String>,
    /// New expiry date ("" clears it)
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// New date the member left ("" clears it)
    #[arg(long, value_name = "DATE")]
    pub left: Option<String>,
    /// New source ("" clears it)
    #[arg(long)]
    pub source: Option<String>,
    /// New id on the source platform ("" clears it)
    #[arg(long)]
    pub source_id: Option<String>,
    /// New note ("" clears it)
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct MemberPointsArgs {
    /// Id, email, phone or WeChat ID
    pub member: String,
    /// Points to grant (+20) or redeem (-50; put it after `--`)
    #[arg(allow_hyphen_values = true, value_name = "DELTA")]
    pub delta: Option<String>,
    /// Why (required when granting or redeeming without --rule)
    #[arg(long)]
    pub reason: Option<String>,
    /// A named rule from [points.rules] in community.toml
    #[arg(long, conflicts_with = "delta")]
    pub rule: Option<String>,
    /// How many history entries to show
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub history: u32,
}

#[derive(Debug, Args)]
pub struct MemberImportArgs {
    /// The file to read; `-` reads stdin
    #[arg(value_name = "FILE")]
    pub file: String,
    /// File format (default: from the extension, else csv; tab-separated text is detected)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<crate::import::reader::InputFormat>,
    /// Platform the file came from (default: detected from its header)
    #[arg(long, value_parser = crate::import::presets::names())]
    pub preset: Option<String>,
    /// Read column SOURCE as FIELD (repeatable); `SOURCE=` ignores a column
    #[arg(long = "map", value_name = "SOURCE=FIELD")]
    pub maps: Vec<String>,
    /// Text encoding of a file that is not UTF-8: gbk, gb18030, big5, utf-16, latin1 ...
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// Map a platform tier to a community tier (repeatable), e.g. "Gold=pro"
    #[arg(long = "tier-map", value_name = "NAME=TIER")]
    pub tier_maps: Vec<String>,
    /// Tier for new members whose row names none (default: the config's default tier)
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// What to do with a row that names an existing member
    #[arg(long, value_enum, default_value_t = crate::import::apply::OnConflict::Update)]
    pub on_conflict: crate::import::apply::OnConflict,
    /// Import the valid rows and leave out the invalid ones (see --rejects)
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: write each invalid row here as it was, plus a reason column
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<std::path::PathBuf>,
    /// Validate everything and report what would happen; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Stop after reading this many rows
    #[arg(long, value_name = "N")]
    pub stop_after: Option<u64>,
}

#[derive(Debug, Args)]
pub struct MemberExportArgs {
    #[command(flatten)]
    pub filter: MemberFilterArgs,
    /// Defuse cells a spreadsheet would run as a formula (leading = + - @ tab CR) with a `'`
    #[arg(long)]
    pub spreadsheet_safe: bool,
}

#[derive(Debug, Args)]
pub struct MemberRenewArgs {
    /// Id, email, phone or WeChat ID
    pub member: String,
    /// Months to add (default: one billing period of the member's tier)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub months: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_leaf_command_has_examples() {
        fn walk(cmd: &clap::Command, path: &str) {
            let path = format!("{path} {}", cmd.get_name());
            let mut subs = cmd
                .get_subcommands()
                .filter(|c| c.get_name() != "help")
                .peekable();
            if subs.peek().is_none() {
                let help = cmd
                    .get_after_help()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                assert!(
                    help.contains("Examples:"),
                    "{path} has no examples in after_help"
                );
            }
            for sub in subs {
                walk(sub, &path);
            }
        }
        walk(&Cli::command(), "");
    }
}
