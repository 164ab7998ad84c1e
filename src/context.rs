//! Turns global flags plus community.toml into one `Context` value that every command takes:
//! config, database path, output format, today, and whether we may prompt.
//!
//! The only place that looks at the environment (terminals, current folder, clock), so
//! commands stay testable and main stays small.

use std::io::{BufWriter, IsTerminal, StdoutLock, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::{NaiveDate, Utc};
use rusqlite::Connection;

use crate::cli::GlobalArgs;
use crate::config::{self, Config};
use crate::dates;
use crate::output::{Format, Record, Renderer};
use crate::sanitize::sanitize;

pub struct Context {
    pub config: Config,
    pub db_path: PathBuf,
    pub format: Format,
    /// --format was given (not settled by whether stdout is a terminal).
    pub format_given: bool,
    /// The terminal's width when stdout is one; text is then sanitised.
    pub terminal: Option<u16>,
    pub today: NaiveDate,
    /// Prompts are allowed: stdin and stderr are terminals and --yes was not given.
    pub interactive: bool,
    pub yes: bool,
    pub quiet: bool,
}

impl Context {
    /// Finds and loads the config, and settles format, today and interactivity.
    pub fn new(global: &GlobalArgs) -> Result<Context> {
        let config_path = match &global.config {
            Some(path) => Some(path.clone()),
            None => std::env::current_dir()
                .ok()
                .and_then(|cwd| config::discover(&cwd)),
        };
        let (config, db_path) = match (&config_path, &global.db) {
            (Some(path), db) => {
                let config = Config::load(path)?;
                let db_path = db.clone().unwrap_or_else(|| {
                    path.parent()
                        .unwrap_or(Path::new("."))
                        .join(&config.community.database)
                });
                (config, db_path)
            }
            // A database without a config still works, with the example's tiers and locale.
            (None, Some(db)) => (
                Config::parse(config::EXAMPLE, Path::new("(built-in defaults)"))?,
                db.clone(),
            ),
            (None, None) => bail!(
                "no {} in this folder or any parent\nhint: run `community init` here, or pass --config PATH or --db PATH",
                config::FILE_NAME
            ),
        };
        Self::with(global, config, db_path)
    }

    /// Builds a context around an already-loaded config (used by `init`).
    pub fn with(global: &GlobalArgs, config: Config, db_path: PathBuf) -> Result<Context> {
        let stdout_terminal = std::io::stdout().is_terminal();
        let terminal = stdout_terminal.then(terminal_width);
        let clock_today = Utc::now()
            .with_timezone(&config.community.timezone)
            .date_naive();
        let today = match &global.today {
            Some(text) => {
                dates::parse_date(text, clock_today).with_context(|| format!("--today {text:?}"))?
            }
            None => clock_today,
        };
        Ok(Context {
            format: global.format.unwrap_or(if stdout_terminal {
                Format::Table
            } else {
                Format::Csv
            }),
            format_given: global.format.is_some(),
            terminal,
            today,
            interactive: !global.yes
                && std::io::stdin().is_terminal()
                && std::io::stderr().is_terminal(),
            yes: global.yes,
            quiet: global.quiet,
            config,
            db_path,
        })
    }

    /// Opens the database (it must exist) at the current schema, for a command that only
    /// reads: its connection refuses writes, and parses no trigger.
    pub fn read_db(&self) -> Result<Connection> {
        crate::db::open(&self.db_path, crate::db::Access::Read, &|text| {
            self.note(text)
        })
    }

    /// Opens the database (it must exist) at the current schema, for a command that writes.
    pub fn write_db(&self) -> Result<Connection> {
        crate::db::open(&self.db_path, crate::db::Access::Write, &|text| {
            self.note(text)
        })
    }

    /// A renderer for rows of `R` on stdout in the chosen format.
    pub fn renderer<R: Record>(&self) -> Result<Renderer<BufWriter<StdoutLock<'static>>>> {
        self.renderer_as::<R>(self.format)
    }

    /// A renderer in a given format (for output that only makes sense in some formats).
    pub fn renderer_as<R: Record>(
        &self,
        format: Format,
    ) -> Result<Renderer<BufWriter<StdoutLock<'static>>>> {
        Renderer::new::<R>(
            format,
            BufWriter::new(std::io::stdout().lock()),
            self.terminal,
        )
    }

    /// A renderer on stdout for rows whose columns are known only at run time.
    pub fn renderer_with_columns(
        &self,
        columns: Vec<String>,
    ) -> Result<Renderer<BufWriter<StdoutLock<'static>>>> {
        Renderer::with_columns(
            self.format,
            BufWriter::new(std::io::stdout().lock()),
            self.terminal,
            columns,
        )
    }

    /// A line for people on stderr (never stdout, which carries data); silent with --quiet.
    pub fn note(&self, message: impl AsRef<str>) {
        if !self.quiet {
            let mut err = std::io::stderr().lock();
            // A closed stderr is no reason to fail a command that did its work.
            let _ = writeln!(err, "{}", sanitize(message.as_ref()));
        }
    }

    /// The timestamp stamped on rows written now.
    pub fn now(&self) -> String {
        dates::format_timestamp(Utc::now())
    }
}

fn terminal_width() -> u16 {
    terminal_size::terminal_size()
        .map(|(w, _)| w.0)
        .unwrap_or(100)
}
