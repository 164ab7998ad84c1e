//! Strict CSV for content imports: opening a path or stdin, CSV with a header row (a UTF-8 BOM
//! and CRLF line ends are fine), and row errors that name file, line, column and value.
//!
//! Turns bytes into validated rows; writing them is the caller's, inside one transaction.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use thiserror::Error;

/// A value in an imported file that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}:{column}: {name}: {message}")]
pub struct RowError {
    pub file: String,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 1-based column number.
    pub column: usize,
    /// The column's header.
    pub name: String,
    /// What is wrong, quoting the value.
    pub message: String,
}

/// Every row error of a file (up to a limit), so it can be fixed in one go; nothing was written.
#[derive(Debug, Error)]
#[error("{} invalid row value(s) in {file}; nothing was imported:\n{}{}", .count, .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"), if *.count > .errors.len() { format!("\n  ... and {} more", .count - .errors.len()) } else { String::new() })]
pub struct RowErrors {
    pub file: String,
    pub errors: Vec<RowError>,
    pub count: usize,
}

/// How many row errors are listed before the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 20;

/// The label of a path in messages: `-` reads as stdin.
pub fn label(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// A CSV reader over a file or stdin.
pub type CsvReader = csv::Reader<Box<dyn Read>>;

/// Opens a file, or stdin for `-`, as a CSV reader over its records with the header row
/// read first. A UTF-8 byte order mark is skipped.
pub fn csv_reader(path: &Path) -> Result<(CsvReader, Vec<String>)> {
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
    };
    let mut input = BufReader::new(input);
    let bom = {
        let buffered = io::BufRead::fill_buf(&mut input)
            .with_context(|| format!("reading {}", label(path)))?;
        buffered.starts_with(b"\xEF\xBB\xBF")
    };
    if bom {
        io::BufRead::consume(&mut input, 3);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(Box::new(input) as Box<dyn Read>);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect::<Vec<_>>();
    if headers.iter().all(String::is_empty) {
        anyhow::bail!("{}: no header row (the file is empty)", label(path));
    }
    Ok((reader, headers))
}

/// A CSV error (bad UTF-8, a ragged row) with the file and line it happened at.
pub fn csv_error(path: &Path, err: csv::Error) -> anyhow::Error {
    let line = err.position().map(csv::Position::line);
    let file = label(path);
    match err.into_kind() {
        csv::ErrorKind::Utf8 { err, .. } => anyhow::anyhow!(
            "{file}:{}: not UTF-8 text (field {})\nhint: save the file as UTF-8",
            line.unwrap_or(0),
            err.field() + 1
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => anyhow::anyhow!(
            "{file}:{}: {len} field(s), but the header has {expected_len}",
            line.unwrap_or(0)
        ),
        csv::ErrorKind::Io(e) => anyhow::Error::new(e).context(format!("reading {file}")),
        other => anyhow::anyhow!("{file}:{}: {other:?}", line.unwrap_or(0)),
    }
}
