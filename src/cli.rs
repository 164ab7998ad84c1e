//! The command-line tree (clap derive) and nothing else: no I/O, no SQL, no formatting.
//!
//! Doc comments here are the `--help` text; every leaf command carries real examples.
//!
//! Every subcommand enum is `defer = true`: clap builds a command's arguments only when it is
//! the one run (or its help is asked for), not the whole tree on every run, which was a
//! quarter of a short command's CPU time. A struct of arguments (a command's own, or one
//! flattened into several) is described with `//`, not `///`: in a deferred command its doc
//! comment would replace the command's own about text (a test checks every command's).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "community",
    version,
    about = "Run a paid knowledge community (知识付费社群) from a terminal",
    long_about = "Run a paid knowledge community (知识付费社群) from a terminal: members on paid \
                  tiers, courses and students, a content pipeline with its calendar, every kind \
                  of income, and forecasts of growth, reach and revenue, all in one local SQLite \
                  file.",
    after_help = "Examples:\n  \
        community init --name \"Rust 星球\"\n  \
        community member add --email li@example.com --name 李雷 --tier pro\n  \
        community member import Members_1234567.csv --tier-map Gold=pro\n  \
        community member list --expiring-within 14d --format csv\n  \
        community plan generate && community plan show\n  \
        community report revenue --by month\n\n\
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
#[command(defer = true)]
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

    /// Courses and their students: sell seats, record who finished
    #[command(subcommand)]
    Course(CourseCommand),

    /// Income of every kind: record, refund, list and import payments
    #[command(subcommand)]
    Revenue(RevenueCommand),
    /// Content: ideas, drafts, review, scheduling, publishing and reach
    #[command(subcommand)]
    Content(ContentCommand),

    /// The content calendar: slots from the [plan] cadence, gaps, assignments, iCalendar export
    #[command(subcommand)]
    Plan(PlanCommand),

    /// Forecasts of members, reach and revenue, from your numbers or your own history
    #[command(subcommand)]
    Forecast(ForecastCommand),
    /// Reports over the whole community
    #[command(subcommand)]
    Report(ReportCommand),

    /// One screen: members by status and tier, this month's flows, MRR, expiring, this week
    #[command(after_help = "Examples:\n  \
        community summary\n  \
        community summary --format json | jq .mrr\n  \
        community summary --today 2026-10-31     # how October ended\n\n\
        Every figure is defined in README (\"Reports and the summary\").")]
    Summary(SummaryArgs),

    /// Copy the database to FILE, consistently, even while other commands write to it
    #[command(after_help = "Examples:\n  \
        community backup backup.db\n  \
        community backup ~/backups/community-$(date +%F).db\n  \
        community backup backup.db --force       # replace an older copy\n\n\
        Uses SQLite's online backup: the copy is one consistent snapshot (an import running\n\
        meanwhile is in it wholly or not at all), readable by its owner only (mode 0600).")]
    Backup(BackupArgs),

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
pub struct SummaryArgs {
    /// How far ahead "expiring" looks, e.g. 14d, 2w, 1m
    #[arg(long, default_value = "14d", value_name = "SPAN")]
    pub expiring_within: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
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
#[command(defer = true)]
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
        community member export --tier pro --spreadsheet-safe > for-excel.csv\n  \
        community member export --redact contact > for-analysis.csv")]
    Export(MemberExportArgs),

    /// Renew a membership: push expires_at on and reactivate
    #[command(after_help = "Examples:\n  \
        community member renew li@example.com --months 12\n  \
        community member renew li@example.com --months 12 --paid 299 --reference WX2026112300042\n  \
        community member renew 13800138000          # one billing period of the member's tier")]
    Renew(MemberRenewArgs),
}

// Fields a member can be created with.
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

// Filters shared by `member list` and `member export`.
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
    /// Leave these fields empty, for a file that leaves the machine; the columns stay, so the
    /// header is the same (comma-separated)
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    pub redact: Vec<Redact>,
}

/// A field `member export --redact` empties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Redact {
    Email,
    Phone,
    Wechat,
    /// email, phone and wechat
    Contact,
    /// The member's id on the platform they came from
    SourceId,
    Name,
    Note,
    /// Every field above
    All,
}

#[derive(Debug, Args)]
pub struct MemberRenewArgs {
    /// Id, email, phone or WeChat ID
    pub member: String,
    /// Months to add (default: one billing period of the member's tier)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub months: Option<u32>,
    #[command(flatten)]
    pub payment: RenewPaymentArgs,
}

// The fee paid for a renewal, recorded as a membership payment with the renewal.
#[derive(Debug, Args)]
pub struct RenewPaymentArgs {
    /// Record the fee paid for this renewal as a membership payment, e.g. 299
    #[arg(long, value_name = "AMOUNT")]
    pub paid: Option<String>,
    /// When it was paid (default: now), e.g. 2026-11-01 or "2026-11-01 20:15"
    #[arg(long, value_name = "DATE", requires = "paid")]
    pub at: Option<String>,
    /// The payment's id at the bank or WeChat Pay (unique)
    #[arg(long, value_name = "REF", requires = "paid")]
    pub reference: Option<String>,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CourseCommand {
    /// Add a course (asks for missing fields on a terminal)
    #[command(after_help = "Examples:\n  \
        community course add --slug rust-101 --title \"Rust 入门\" --price 199 --description \"8 周\"\n  \
        community course add --slug ai-camp --title \"AI 训练营\" --price 1999 --status draft")]
    Add(CourseAddArgs),

    /// List courses with their students, revenue and completion rate
    #[command(after_help = "Examples:\n  \
        community course list\n  \
        community course list --status open --format csv")]
    List {
        /// Only courses with this status: draft, open, closed
        #[arg(long)]
        status: Option<String>,
    },

    /// Show one course: details, revenue, completion and its students
    #[command(after_help = "Examples:\n  \
        community course show rust-101\n  \
        community course show rust-101 --format json")]
    Show {
        /// The course's slug
        course: String,
    },

    /// Change a course's slug, title, description, price or status
    #[command(after_help = "Examples:\n  \
        community course edit rust-101 --price 249\n  \
        community course edit rust-101 --title \"Rust 入门 (2027)\" --description \"\"   # \"\" clears it")]
    Edit(CourseEditArgs),

    /// Close a course to new students (they can still be added with enroll --force)
    #[command(after_help = "Examples:\n  \
        community course close rust-101")]
    Close {
        /// The course's slug
        course: String,
    },

    /// Remove a course and its enrollments; its payments are kept, unlinked
    #[command(after_help = "Examples:\n  \
        community course remove rust-101\n  \
        community course remove rust-101 --yes   # even with students or payments")]
    Remove {
        /// The course's slug
        course: String,
    },

    /// Enroll a member, recording what they paid (--paid) or a free seat (--free)
    #[command(after_help = "Examples:\n  \
        community course enroll rust-101 li@example.com --paid 199 --at 2026-11-01 --reference WX2026110100123\n  \
        community course enroll rust-101 xiaolin_88 --free            # comped seat: no payment\n  \
        community course enroll rust-101 12 --paid 149 --force        # the course is closed")]
    Enroll(CourseEnrollArgs),

    /// Take a member out of a course (any payment stays in the ledger)
    #[command(after_help = "Examples:\n  \
        community course unenroll rust-101 li@example.com")]
    Unenroll {
        /// The course's slug
        course: String,
        /// Id, email, phone or WeChat ID
        member: String,
    },

    /// List a course's students
    #[command(after_help = "Examples:\n  \
        community course students rust-101\n  \
        community course students rust-101 --format csv > students.csv")]
    Students {
        /// The course's slug
        course: String,
    },

    /// Mark that a student finished a course
    #[command(after_help = "Examples:\n  \
        community course complete rust-101 li@example.com\n  \
        community course complete rust-101 li@example.com --on 2026-12-20")]
    Complete {
        /// The course's slug
        course: String,
        /// Id, email, phone or WeChat ID
        member: String,
        /// When they finished (default: today)
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },

    /// Import enrollments from CSV: slug,member,paid,at,reference (all or nothing)
    #[command(after_help = "Examples:\n  \
        community course import enrollments.csv\n  \
        community course import enrollments.csv --dry-run\n\n\
        Columns (header required, any order): slug and member (email, phone, WeChat ID or id);\n\
        optional paid (empty or 0: a free seat), at (default: today), reference, note.\n\
        A row whose reference is already in the ledger, or whose member is already enrolled,\n\
        is left unchanged, so re-running an import is safe.")]
    Import(CourseImportArgs),
}

#[derive(Debug, Args)]
pub struct CourseAddArgs {
    /// Short URL-safe name: lower-case letters, digits, - and _ (unique)
    #[arg(long)]
    pub slug: Option<String>,
    /// Title
    #[arg(long)]
    pub title: Option<String>,
    /// List price, e.g. 199 or 199.00 (0 for a free course)
    #[arg(long, value_name = "AMOUNT")]
    pub price: Option<String>,
    /// Free-text description
    #[arg(long)]
    pub description: Option<String>,
    /// Status: draft, open or closed
    #[arg(long, default_value = "open")]
    pub status: String,
}

#[derive(Debug, Args)]
pub struct CourseEditArgs {
    /// The course's slug
    pub course: String,
    /// New slug
    #[arg(long)]
    pub slug: Option<String>,
    /// New title
    #[arg(long)]
    pub title: Option<String>,
    /// New description ("" clears it)
    #[arg(long)]
    pub description: Option<String>,
    /// New list price (payments already made keep their amount)
    #[arg(long, value_name = "AMOUNT")]
    pub price: Option<String>,
    /// New status: draft, open or closed
    #[arg(long)]
    pub status: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("payment").required(true).args(["paid", "free"]))]
pub struct CourseEnrollArgs {
    /// The course's slug
    pub course: String,
    /// Id, email, phone or WeChat ID
    pub member: String,
    /// What the member paid; recorded as a course payment
    #[arg(long, value_name = "AMOUNT")]
    pub paid: Option<String>,
    /// A free seat: no payment
    #[arg(long)]
    pub free: bool,
    /// When they paid and enrolled (default: now)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// The payment's id at the bank or WeChat Pay (unique)
    #[arg(long, value_name = "REF", requires = "paid")]
    pub reference: Option<String>,
    /// A note on the payment
    #[arg(long, requires = "paid")]
    pub note: Option<String>,
    /// Enroll even though the course is closed or a draft
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CourseImportArgs {
    /// CSV file with a header row (TSV and JSONL by extension), or - for stdin
    pub file: String,
    /// Text encoding of a file that is not UTF-8: gbk, gb18030, big5, utf-16, latin1 ...
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// Enroll in closed and draft courses too
    #[arg(long)]
    pub force: bool,
    /// Check every row and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum RevenueCommand {
    /// Record a payment: a paid question, a sponsorship, an ad, a membership fee ...
    #[command(after_help = "Examples:\n  \
        community revenue add --kind sponsorship --amount 5000 --note \"某某 赞助 12 月\"\n  \
        community revenue add --kind qa --amount 50 --member li@example.com\n  \
        community revenue add --kind membership --amount 299 --member li@example.com --months 12 --at 2026-11-01")]
    Add(RevenueAddArgs),

    /// List payments and refunds, oldest first
    #[command(after_help = "Examples:\n  \
        community revenue list --kind course --since 2026-01-01 --member li@example.com --format csv\n  \
        community revenue list --course rust-101\n  \
        community revenue list --since 2026-11-01 --until 2026-11-30 --format json")]
    List(RevenueListArgs),

    /// Refund a payment, in full or in part (never more than is left of it)
    #[command(after_help = "Examples:\n  \
        community revenue refund 42                  # whatever is left of payment 42\n  \
        community revenue refund 42 --amount 100 --note \"partial: missed two lessons\"")]
    Refund(RevenueRefundArgs),

    /// Import payments from CSV (all or nothing; known references are left unchanged)
    #[command(after_help = "Examples:\n  \
        community revenue import payments.csv\n  \
        community revenue import - --dry-run < payments.csv\n\n\
        Columns (header required, any order): reference, kind, amount, paid_at, member, course,\n\
        period_months, note. kind, amount and paid_at are required; member is an email, phone,\n\
        WeChat ID or id; course a slug. A row whose reference is already in the ledger is left\n\
        unchanged, so re-running an import is safe.")]
    Import(RevenueImportArgs),
}

#[derive(Debug, Args)]
pub struct RevenueAddArgs {
    /// membership, course, qa, sponsorship, ad or other
    #[arg(long)]
    pub kind: String,
    /// Amount received, e.g. 50, 299.00 or ¥1,299
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub amount: String,
    /// When it was paid (default: now), e.g. 2026-11-01 or "2026-11-01 20:15"
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// Who paid: id, email, phone or WeChat ID
    #[arg(long)]
    pub member: Option<String>,
    /// The course it pays for (slug)
    #[arg(long)]
    pub course: Option<String>,
    /// Months a membership fee pays for (default: the member's tier period)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1200))]
    pub months: Option<u32>,
    /// First day of the period a membership fee pays for (default: the day it was paid)
    #[arg(long, value_name = "DATE", requires = "months")]
    pub from: Option<String>,
    /// The payment's id at the bank or WeChat Pay (unique)
    #[arg(long, value_name = "REF")]
    pub reference: Option<String>,
    /// Free-text note
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevenueListArgs {
    /// Only this kind: membership, course, qa, sponsorship, ad, other, refund
    #[arg(long)]
    pub kind: Option<String>,
    /// Paid on or after this date
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Paid on or before this date
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only this member's payments (id, email, phone or WeChat ID)
    #[arg(long)]
    pub member: Option<String>,
    /// Only this course's payments (slug)
    #[arg(long)]
    pub course: Option<String>,
    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RevenueRefundArgs {
    /// The id of the payment to refund (see `revenue list`)
    pub payment: i64,
    /// How much to give back (default: all that is left of the payment)
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub amount: Option<String>,
    /// When the refund was made (default: now)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// The refund's id at the bank or WeChat Pay (unique)
    #[arg(long, value_name = "REF")]
    pub reference: Option<String>,
    /// Why
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevenueImportArgs {
    /// CSV file with a header row (TSV and JSONL by extension), or - for stdin
    pub file: String,
    /// Text encoding of a file that is not UTF-8: gbk, gb18030, big5, utf-16, latin1 ...
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// Check every row and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ReportCommand {
    /// Income per month (by kind, refunds, total, MRR, ARR, paying members, ARPU, change) or per kind, tier, course or source
    #[command(after_help = "Examples:\n  \
        community report revenue                      # per month, the last 12 months\n  \
        community report revenue --by kind --since 2026-01-01 --until 2026-12-31\n  \
        community report revenue --by course --format csv\n\n\
        The README defines every figure (\"Courses and income\").")]
    Revenue(ReportRevenueArgs),

    /// Members by tier, status, source or tag: how many, their share, with access, paying
    #[command(after_help = "Examples:\n  \
        community report members                       # by tier\n  \
        community report members --by status --tier pro\n  \
        community report members --by source --since 2026-01-01 --format csv\n\n\
        --since and --until select members by the day they joined.")]
    Members(ReportMembersArgs),

    /// Per month: new, churned, net, active at month end, growth rate
    #[command(after_help = "Examples:\n  \
        community report growth                        # the last 12 months\n  \
        community report growth --by month --since 2025-01-01\n  \
        community report growth --tier pro --source wechat --format csv")]
    Growth(ReportGrowthArgs),

    /// Retention: one row per join month, one column per month since, % still with access
    #[command(after_help = "Examples:\n  \
        community report cohorts                       # cohorts of the last 12 months\n  \
        community report cohorts --since 2025-01-01 --counts\n  \
        community report cohorts --tag rust --format csv")]
    Cohorts(ReportCohortsArgs),

    /// Per month: logo churn (members lost) and revenue churn (the MRR they took with them)
    #[command(after_help = "Examples:\n  \
        community report churn\n  \
        community report churn --by month --since 2026-01-01 --format csv\n  \
        community report churn --tier pro")]
    Churn(ReportChurnArgs),

    /// The points leaderboard: points earned this month and all time
    #[command(after_help = "Examples:\n  \
        community report leaderboard                   # top 20 of this month\n  \
        community report leaderboard --top 10 --rank-by all-time\n  \
        community report leaderboard --tier pro --format csv")]
    Leaderboard(ReportLeaderboardArgs),

    /// Members at risk: access, but no points, no course and no payment for 90 days
    #[command(after_help = "Examples:\n  \
        community report engagement                    # soonest expiry first\n  \
        community report engagement --days 60 --tier pro --limit 50\n  \
        community report engagement --format csv > reach-out.csv")]
    Engagement(ReportEngagementArgs),

    /// Published content by kind, topic or month: count, reach, engagement, top item
    #[command(after_help = "Examples:\n  \
        community report content                   # by kind\n  \
        community report content --by month --from 2026-01-01\n  \
        community report content --by topic --format csv\n\n\
        Reach is each item's latest snapshot; engagement is likes + comments + shares, and\n\
        engagement_rate is engagement / views.")]
    Content(ReportContentArgs),
}

// Which members a report looks at (as `member list` filters them).
#[derive(Debug, Args, Default, Clone)]
pub struct ReportScopeArgs {
    /// Only this tier
    #[arg(long)]
    pub tier: Option<String>,
    /// Only this source
    #[arg(long)]
    pub source: Option<String>,
    /// Only members with this tag (repeatable: all must match)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

// The months a monthly report covers.
#[derive(Debug, Args, Default, Clone)]
pub struct MonthRangeArgs {
    /// From the month of this date (default: 11 months before this one)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// To the month of this date, included (default: this month; never past today)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

/// What one row of a monthly report stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum PerMonth {
    #[default]
    Month,
}

#[derive(Debug, Args)]
pub struct ReportMembersArgs {
    /// What one row stands for
    #[arg(long, value_enum, default_value_t = MemberGroup::Tier)]
    pub by: MemberGroup,
    #[command(flatten)]
    pub scope: ReportScopeArgs,
    /// Only members who joined on or after this date
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only members who joined on or before this date
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

/// The rows of `report members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum MemberGroup {
    #[default]
    Tier,
    Status,
    Source,
    Tag,
}

#[derive(Debug, Args)]
pub struct ReportGrowthArgs {
    /// What one row stands for
    #[arg(long, value_enum, default_value_t = PerMonth::Month)]
    pub by: PerMonth,
    #[command(flatten)]
    pub range: MonthRangeArgs,
    #[command(flatten)]
    pub scope: ReportScopeArgs,
}

#[derive(Debug, Args)]
pub struct ReportCohortsArgs {
    #[command(flatten)]
    pub range: MonthRangeArgs,
    #[command(flatten)]
    pub scope: ReportScopeArgs,
    /// Cells are member counts instead of percentages
    #[arg(long)]
    pub counts: bool,
}

#[derive(Debug, Args)]
pub struct ReportChurnArgs {
    /// What one row stands for
    #[arg(long, value_enum, default_value_t = PerMonth::Month)]
    pub by: PerMonth,
    #[command(flatten)]
    pub range: MonthRangeArgs,
    #[command(flatten)]
    pub scope: ReportScopeArgs,
}

#[derive(Debug, Args)]
pub struct ReportLeaderboardArgs {
    /// How many members
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: u64,
    /// Which figure ranks the members
    #[arg(long, value_enum, default_value_t = RankBy::Month)]
    pub rank_by: RankBy,
    #[command(flatten)]
    pub scope: ReportScopeArgs,
}

/// What ranks `report leaderboard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum RankBy {
    /// Points earned this month
    #[default]
    Month,
    /// Points earned ever
    AllTime,
}

#[derive(Debug, Args)]
pub struct ReportEngagementArgs {
    /// Quiet for this many days (no points, enrollment or payment) counts as at risk
    #[arg(long, default_value_t = 90, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    #[command(flatten)]
    pub scope: ReportScopeArgs,
    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ReportRevenueArgs {
    /// What one row stands for
    #[arg(long, value_enum, default_value_t = RevenueBy::Month)]
    pub by: RevenueBy,
    /// From this date (default: the first day of the month 11 months ago)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// To this date, included (default: today)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

/// The rows of `report revenue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RevenueBy {
    Month,
    Kind,
    Tier,
    Course,
    Source,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ForecastCommand {
    /// Members month by month: compound, logistic (a ceiling and churn) or Bass diffusion
    #[command(
        long_about = "Members month by month, month 0 being today.\n\n\
            compound: A(t) = A0 (1 + r)^t\n\
            logistic: A(t+1) = A(t) + r A(t) (1 - A(t)/K) - c A(t)   (K = --capacity, c = --churn)\n\
            bass:     N(t) = N(t-1) + (p + q N(t-1)/m) (m - N(t-1))   (m = --market)\n\n\
            What you do not give comes from the database: --initial is the number of members \
            today, and without --rate the rate is fitted to the members at the end of each of \
            the last (up to 24) complete months, as --fit does; the fit is reported on stderr.",
        after_help = "Examples:\n  \
        community forecast growth --initial 100 --rate 10% --months 12\n  \
        community forecast growth --initial 100 --rate 5%,10%,20% --months 24 --chart\n  \
        community forecast growth --model logistic --capacity 5000 --churn 2% --months 36\n  \
        community forecast growth --model bass --market 20000 --p 0.03 --q 0.38 --months 36\n  \
        community forecast growth --fit --months 12 --svg growth.svg"
    )]
    Growth(ForecastGrowthArgs),

    /// Content views month by month: V(t) = V0 (1 + s)^t
    #[command(after_help = "Examples:\n  \
        community forecast reach --initial 100 --rate 20% --months 12\n  \
        community forecast reach --initial 100 --rate 10%,20%,30% --chart\n  \
        community forecast reach --fit --content 12      # from that item's dated stats")]
    Reach(ForecastReachArgs),

    /// MRR, cumulative revenue and paying members per tier, from today's paying members
    #[command(
        long_about = "MRR, cumulative revenue and paying members per tier, month by month.\n\n\
            Starts from today's paying members (status active or cancelled, on a tier whose \
            price is above zero) and the tiers' prices and periods in community.toml; each \
            month every tier changes by the factor 1 + rate - churn. A tier's MRR is members x \
            price / months in its period (a yearly tier is spread over twelve months); lifetime \
            tiers bring no recurring revenue. Money is counted in minor units (fen, cents) and \
            rounded once per tier and month.",
        after_help = "Examples:\n  \
        community forecast revenue --months 12\n  \
        community forecast revenue --months 24 --churn 3% --rate 10% --chart\n  \
        community forecast revenue --churn 3% --format csv > revenue.csv"
    )]
    Revenue(ForecastRevenueArgs),
}

/// The models `forecast growth` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum GrowthModel {
    /// A(t) = A0 (1 + r)^t
    #[default]
    Compound,
    /// Growth slowing towards --capacity, minus --churn each month
    Logistic,
    /// Adoption in a --market of m people: innovation --p, imitation --q
    Bass,
}

// How long to forecast, and the pictures to draw; shared by every forecast.
#[derive(Debug, Args)]
pub struct ForecastOutputArgs {
    /// Months to forecast (month 0 is today), up to 120
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub months: u32,
    /// Draw the forecast as a chart under the table (on stderr when --format is not table)
    #[arg(long)]
    pub chart: bool,
    /// Also write the chart as an SVG file
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ForecastGrowthArgs {
    /// The model
    #[arg(long, value_enum, default_value_t = GrowthModel::Compound)]
    pub model: GrowthModel,
    /// Members at month 0 (default: members today, from the database)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub initial: Option<f64>,
    /// Monthly growth rate, 10% or 0.1; a comma list (5%,10%,20%) for scenarios side by side
    /// (default: fitted to your history)
    #[arg(long, value_name = "RATE[,RATE...]", allow_hyphen_values = true)]
    pub rate: Option<String>,
    /// Most members the community can hold (logistic)
    #[arg(long, value_name = "K", allow_negative_numbers = true)]
    pub capacity: Option<f64>,
    /// Share of members leaving each month, 2% or 0.02, or a comma list for scenarios
    /// (logistic; default 0)
    #[arg(long, value_name = "RATE[,RATE...]", allow_hyphen_values = true)]
    pub churn: Option<String>,
    /// People who could ever join (bass)
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub market: Option<f64>,
    /// Innovation: the share of the market joining on their own each month (bass; default
    /// 0.03, the average of published Bass fits)
    #[arg(long = "p", value_name = "P", allow_hyphen_values = true)]
    pub p: Option<String>,
    /// Imitation: how strongly members bring in others (bass; default 0.38, the average of
    /// published Bass fits)
    #[arg(long = "q", value_name = "Q", allow_hyphen_values = true)]
    pub q: Option<String>,
    /// Take the initial count and the rate from the database's monthly history
    #[arg(long, conflicts_with_all = ["initial", "rate"])]
    pub fit: bool,
    #[command(flatten)]
    pub output: ForecastOutputArgs,
}

#[derive(Debug, Args)]
pub struct ForecastReachArgs {
    /// Views at month 0
    #[arg(long, value_name = "VIEWS", allow_negative_numbers = true)]
    pub initial: Option<f64>,
    /// Monthly spread rate, 20% or 0.2; a comma list for scenarios side by side
    #[arg(long, value_name = "RATE[,RATE...]", allow_hyphen_values = true)]
    pub rate: Option<String>,
    /// Take the views and the rate from the recorded content stats, month by month
    #[arg(long, conflicts_with_all = ["initial", "rate"])]
    pub fit: bool,
    /// With --fit: only this content item's stats (default: all items)
    #[arg(long, value_name = "ID", requires = "fit")]
    pub content: Option<i64>,
    #[command(flatten)]
    pub output: ForecastOutputArgs,
}

#[derive(Debug, Args)]
pub struct ForecastRevenueArgs {
    /// Share of paying members leaving each month, 3% or 0.03 (default 0)
    #[arg(long, value_name = "RATE", allow_hyphen_values = true)]
    pub churn: Option<String>,
    /// New paying members each month, as a share of the current ones, 10% or 0.1 (default 0)
    #[arg(long, value_name = "RATE", allow_hyphen_values = true)]
    pub rate: Option<String>,
    #[command(flatten)]
    pub output: ForecastOutputArgs,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ContentCommand {
    /// Add a piece of content (an idea unless --status says otherwise); prints its id
    #[command(after_help = "Examples:\n  \
        community content add --title \"所有权与借用详解\" --kind article --topic 编程技术\n  \
        community content add --title \"Rust 直播答疑\" --kind live --status draft --url https://example.com/live/3")]
    Add(ContentAddArgs),

    /// List content, filtered and sorted, with its latest reach
    #[command(after_help = "Examples:\n  \
        community content list --status review --kind video --topic 职业发展 --format csv\n  \
        community content list --status published --sort views --desc --limit 10\n  \
        community content list --search Rust --published-after 2026-01-01")]
    List(ContentListArgs),

    /// Show one piece of content: every field, its slot and its reach history
    #[command(after_help = "Examples:\n  \
        community content show 12\n  \
        community content show 12 --format json")]
    Show {
        /// Content id
        id: i64,
    },

    /// Change the title, kind, topic, url or (within the workflow) status
    #[command(after_help = "Examples:\n  \
        community content edit 12 --title \"所有权、借用与生命周期\"\n  \
        community content edit 12 --topic 编程技术 --url \"\"   # an empty value clears an optional field\n  \
        community content edit 12 --status draft            # an idea someone started writing")]
    Edit(ContentEditArgs),

    /// Remove a piece of content with its reach history (asks first)
    #[command(after_help = "Examples:\n  \
        community content remove 12\n  \
        community content remove 12 --yes")]
    Remove {
        /// Content id
        id: i64,
    },

    /// Send an idea or a draft to review
    #[command(after_help = "Examples:\n  \
        community content submit 12")]
    Submit {
        /// Content id
        id: i64,
    },

    /// Pass review: schedule at --at, at the time already set, or at its plan slot's time
    #[command(after_help = "Examples:\n  \
        community content approve 12\n  \
        community content approve 12 --at \"2026-12-03 20:00\"")]
    Approve {
        /// Content id
        id: i64,
        /// When it goes out, in the community's timezone
        #[arg(long, value_name = "DATETIME")]
        at: Option<String>,
    },

    /// Send content in review back to draft, saying why
    #[command(after_help = "Examples:\n  \
        community content reject 12 --reason \"开头太长，先讲结论\"")]
    Reject {
        /// Content id
        id: i64,
        /// What to change before it comes back to review
        #[arg(long)]
        reason: String,
    },

    /// Schedule reviewed content (or move a scheduled one) to a time
    #[command(after_help = "Examples:\n  \
        community content schedule 12 --at \"2026-12-03 20:00\"\n  \
        community content schedule 12        # at the time of the plan slot it fills")]
    Schedule {
        /// Content id
        id: i64,
        /// When it goes out, in the community's timezone (default: its plan slot's time)
        #[arg(long, value_name = "DATETIME")]
        at: Option<String>,
    },

    /// Mark reviewed or scheduled content as published (stamps published_at)
    #[command(after_help = "Examples:\n  \
        community content publish 12\n  \
        community content publish 12 --at \"2026-12-03 20:05\" --url https://example.com/p/12")]
    Publish {
        /// Content id
        id: i64,
        /// When it went out (default: now)
        #[arg(long, value_name = "DATETIME")]
        at: Option<String>,
        /// Where it can be read
        #[arg(long)]
        url: Option<String>,
    },

    /// Archive content (a dropped idea, or a post taken down)
    #[command(after_help = "Examples:\n  \
        community content archive 12")]
    Archive {
        /// Content id
        id: i64,
    },

    /// Record a dated snapshot of reach, or show the history
    #[command(after_help = "Examples:\n  \
        community content stats 12 --views 1200 --likes 80 --comments 15 --shares 9\n  \
        community content stats 12 --views 2300 --at 2026-12-10\n  \
        community content stats 12                 # every snapshot, newest first")]
    Stats(ContentStatsArgs),

    /// Import content from CSV (FILE or - for stdin): all rows or none
    #[command(after_help = "Examples:\n  \
        community content import content.csv\n  \
        community content import content.csv --dry-run\n  \
        cargo run --example generate -- content 5000 | community content import -\n\n\
        Columns (header row, any order; only title and kind are required):\n  \
        title,kind,status,topic,scheduled_for,published_at,url,views,likes,comments,shares\n\
        A row with a url updates the content with that url; one without updates the content\n\
        with the same title and kind and no url. Reach numbers become today's snapshot.")]
    Import(ContentImportArgs),
}

#[derive(Debug, Args)]
pub struct ContentAddArgs {
    /// Title
    #[arg(long)]
    pub title: Option<String>,
    /// Kind: article, video, live, discussion, qa, event
    #[arg(long)]
    pub kind: Option<String>,
    /// Topic, e.g. one of the [audience] interests
    #[arg(long)]
    pub topic: Option<String>,
    /// Status to start in: idea, draft or review
    #[arg(long, default_value = "idea")]
    pub status: String,
    /// Where it can be (or will be) read
    #[arg(long)]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ContentListArgs {
    /// Only this status: idea, draft, review, scheduled, published, archived
    #[arg(long)]
    pub status: Option<String>,
    /// Only this kind: article, video, live, discussion, qa, event
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this topic (exact)
    #[arg(long)]
    pub topic: Option<String>,
    /// Text in the title, topic or url
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Published on or after this date
    #[arg(long, value_name = "DATE")]
    pub published_after: Option<String>,
    /// Published on or before this date
    #[arg(long, value_name = "DATE")]
    pub published_before: Option<String>,
    /// Sort by this column
    #[arg(long, value_enum, default_value_t = ContentSortKey::Id)]
    pub sort: ContentSortKey,
    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,
    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

/// Columns `content list` can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ContentSortKey {
    #[default]
    Id,
    Title,
    Kind,
    Status,
    Topic,
    ScheduledFor,
    PublishedAt,
    Views,
}

#[derive(Debug, Args)]
pub struct ContentEditArgs {
    /// Content id
    pub id: i64,
    /// New title
    #[arg(long)]
    pub title: Option<String>,
    /// New kind
    #[arg(long)]
    pub kind: Option<String>,
    /// New topic ("" clears it)
    #[arg(long)]
    pub topic: Option<String>,
    /// New url ("" clears it)
    #[arg(long)]
    pub url: Option<String>,
    /// New status, within the workflow (idea, draft, review, archived; the other moves have
    /// their own commands)
    #[arg(long)]
    pub status: Option<String>,
}

#[derive(Debug, Args)]
pub struct ContentStatsArgs {
    /// Content id
    pub id: i64,
    /// Views (reads, plays, attendees)
    #[arg(long, value_name = "N")]
    pub views: Option<String>,
    /// Likes
    #[arg(long, value_name = "N")]
    pub likes: Option<String>,
    /// Comments
    #[arg(long, value_name = "N")]
    pub comments: Option<String>,
    /// Shares
    #[arg(long, value_name = "N")]
    pub shares: Option<String>,
    /// The day the numbers were read (default: today); one snapshot per day
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
}

/// What an import does with a row whose content already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OnConflict {
    /// Overwrite its fields with the row's
    #[default]
    Update,
    /// Leave it as it is
    Skip,
    /// Fail the whole import
    Error,
}

#[derive(Debug, Args)]
pub struct ContentImportArgs {
    /// CSV file with a header row (TSV and JSONL by extension), or - for stdin
    pub file: String,
    /// Text encoding of a file that is not UTF-8: gbk, gb18030, big5, utf-16, latin1 ...
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// Check every row and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// What to do with a row whose content already exists
    #[arg(long, value_enum, default_value_t = OnConflict::Update)]
    pub on_conflict: OnConflict,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum PlanCommand {
    /// Make the calendar's slots from [plan] in community.toml (idempotent)
    #[command(after_help = "Examples:\n  \
        community plan generate --from 2026-12-01 --weeks 8\n  \
        community plan generate --until 2027-01-31\n  \
        community plan generate --dry-run        # what would change after editing [plan]\n\n\
        Slots before today are history and never change. From today on, slots follow the rules:\n\
        missing ones are added, open ones the rules no longer make are removed, and assigned\n\
        ones the rules no longer make are kept and reported.")]
    Generate(PlanGenerateArgs),

    /// The calendar: a month grid on a terminal, one row per slot in csv and json
    #[command(after_help = "Examples:\n  \
        community plan show                         # this month\n  \
        community plan show --month 2026-12\n  \
        community plan show --week 2026-W49\n  \
        community plan show --from 2026-12-01 --until 2027-01-31 --format csv")]
    Show(PlanRangeArgs),

    /// Open slots (nothing assigned), soonest first
    #[command(after_help = "Examples:\n  \
        community plan gaps\n  \
        community plan gaps --within 30d --format csv")]
    Gaps {
        /// How far ahead to look from today, e.g. 14d, 4w, 2m
        #[arg(long, default_value = "14d", value_name = "SPAN")]
        within: String,
    },

    /// Fill a slot with a piece of content
    #[command(after_help = "Examples:\n  \
        community plan assign 7 12                 # slot 7 gets content 12\n  \
        community plan assign weekly-article@2026-12-03T20:00 12")]
    Assign {
        /// Slot id (or its key, rule@YYYY-MM-DDTHH:MM)
        slot: String,
        /// Content id
        content: i64,
    },

    /// Empty a slot
    #[command(after_help = "Examples:\n  \
        community plan unassign 7")]
    Unassign {
        /// Slot id (or its key, rule@YYYY-MM-DDTHH:MM)
        slot: String,
    },

    /// Skip a day (a holiday): it gets no slots; without DATE, list skipped days
    #[command(after_help = "Examples:\n  \
        community plan skip 2026-12-25 --reason 圣诞\n  \
        community plan skip 2026-12-25 --undo\n  \
        community plan skip                         # every skipped day")]
    Skip(PlanSkipArgs),

    /// Write the calendar as iCalendar (RFC 5545) for Google, Apple or Outlook calendars
    #[command(after_help = "Examples:\n  \
        community plan export --format ics > plan.ics\n  \
        community plan export --from 2026-12-01 --until 2027-01-31 --output plan.ics\n\n\
        Each slot keeps its UID across exports, so importing a newer file updates the events\n\
        instead of adding them twice. Only --format ics (the default here) is accepted.")]
    Export(PlanExportArgs),
}

#[derive(Debug, Args)]
pub struct PlanGenerateArgs {
    /// First day (default: today)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// How many weeks from --from (default: [plan] weeks, else 8)
    #[arg(long, value_name = "N", conflicts_with = "until",
          value_parser = clap::value_parser!(u32).range(1..=260))]
    pub weeks: Option<u32>,
    /// Last day, included
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Show what would change, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct PlanRangeArgs {
    /// A month, e.g. 2026-12 (default: this month)
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["week", "from", "until"])]
    pub month: Option<String>,
    /// An ISO week, e.g. 2026-W49
    #[arg(long, value_name = "YYYY-Www", conflicts_with_all = ["from", "until"])]
    pub week: Option<String>,
    /// First day
    #[arg(long, value_name = "DATE", requires = "until")]
    pub from: Option<String>,
    /// Last day, included
    #[arg(long, value_name = "DATE", requires = "from")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanSkipArgs {
    /// The day to skip
    #[arg(value_name = "DATE")]
    pub date: Option<String>,
    /// Why (a holiday's name)
    #[arg(long, requires = "date", conflicts_with = "undo")]
    pub reason: Option<String>,
    /// Stop skipping the day (run `plan generate` to fill it again)
    #[arg(long, requires = "date")]
    pub undo: bool,
}

#[derive(Debug, Args)]
pub struct PlanExportArgs {
    /// First day (default: the first of this month)
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day, included (default: the last slot)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Write to this file instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportContentArgs {
    /// How to group published content
    #[arg(long, value_enum, default_value_t = ContentGroup::Kind)]
    pub by: ContentGroup,
    /// Published on or after this date
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Published on or before this date
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

/// How `report content` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ContentGroup {
    #[default]
    Kind,
    Topic,
    Month,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Deferred commands keep their own about text: a flattened struct's doc comment would
    /// replace it (`member list` and `member export` would both read "Filters shared by ...").
    #[test]
    fn every_command_keeps_its_own_about() {
        let mut cli = Cli::command();
        cli.build();
        for group in cli.get_subcommands() {
            let mut seen = std::collections::HashMap::new();
            for command in group.get_subcommands() {
                let about = command.get_about().map(ToString::to_string);
                assert!(
                    about.is_some(),
                    "{} {}",
                    group.get_name(),
                    command.get_name()
                );
                if let Some(other) = seen.insert(about.clone(), command.get_name()) {
                    panic!(
                        "{} {} and {other} share the about {about:?}",
                        group.get_name(),
                        command.get_name()
                    );
                }
            }
        }
        let list = cli
            .find_subcommand("member")
            .and_then(|member| member.find_subcommand("list"))
            .and_then(|list| list.get_about())
            .map(ToString::to_string);
        assert_eq!(list.as_deref(), Some("List members, filtered and sorted"));
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
