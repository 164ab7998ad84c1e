//! Reading a CSV file with a header row for the ledger and enrollment importers: `-` is
//! stdin, a UTF-8 BOM is dropped, CRLF and LF both end a line, columns are found by name in
//! any order, and every problem is a [`RowError`] naming file, line, column and value.
//!
//! Streams: one record at a time, so a file of millions of rows costs constant memory. Knows
//! nothing of payments or courses.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use thiserror::Error;

/// A row that cannot be imported, and why; the reason names the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}:{column_number} ({column}): {reason}")]
pub struct RowError {
    pub file: String,
    pub line: u64,
    /// 1-based position of the column in the header.
    pub column_number: usize,
    pub column: String,
    pub reason: String,
}

/// An open CSV file whose header has been read.
pub struct CsvInput {
    /// How the file is named in messages (`-` reads as `stdin`).
    pub name: String,
    reader: csv::Reader<Box<dyn Read>>,
    columns: HashMap<String, usize>,
    width: usize,
}

/// One data row, with its line number.
pub struct CsvRow<'a> {
    input: &'a CsvInput,
    pub line: u64,
    record: csv::StringRecord,
}

impl CsvInput {
    /// Opens `path` (or stdin for `-`) and reads the header. Header names are matched
    /// case-insensitively and trimmed.
    pub fn open(path: &Path) -> Result<CsvInput> {
        let (name, raw): (String, Box<dyn Read>) = if path == Path::new("-") {
            ("stdin".to_string(), Box::new(io::stdin()))
        } else {
            let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
            (path.display().to_string(), Box::new(file))
        };
        let mut buffered = BufReader::with_capacity(1 << 16, raw);
        let head = buffered
            .fill_buf()
            .with_context(|| format!("reading {name}"))?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            buffered.consume(3);
        }
        // csv reports where it started looking for a record (before blank lines, and before
        // the LF of a CRLF), not where the record is; with LF only and a final LF guaranteed,
        // the line it is on after the record tells exactly where the record was.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(Box::new(CrlfToLf::new(buffered)) as Box<dyn Read>);
        let header = reader
            .headers()
            .map_err(|e| anyhow::anyhow!("{name}:1: {}", describe(&e)))?
            .clone();
        if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
            bail!("{name}: empty file: expected a header row naming the columns");
        }
        let mut columns = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            let key = h.trim().to_ascii_lowercase();
            if columns.insert(key.clone(), i).is_some() {
                bail!("{name}:1: column {key:?} appears twice in the header");
            }
        }
        Ok(CsvInput {
            name,
            reader,
            width: header.len(),
            columns,
        })
    }

    /// Fails unless every one of `required` is in the header; names what is missing and what
    /// the file has.
    pub fn require(&self, required: &[&str], known: &[&str]) -> Result<()> {
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !self.columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            let mut found: Vec<(&String, &usize)> = self.columns.iter().collect();
            found.sort_by_key(|(_, i)| **i);
            let found: Vec<&str> = found.into_iter().map(|(k, _)| k.as_str()).collect();
            bail!(
                "{}:1: missing column(s) {} in the header (found: {})\nhint: the columns are {}",
                self.name,
                missing.join(", "),
                found.join(", "),
                known.join(",")
            );
        }
        Ok(())
    }

    /// The next row, `None` at the end. A row with a different number of fields than the
    /// header, or a malformed quote, is an error naming its line.
    pub fn next_row(&mut self) -> Result<Option<CsvRow<'_>>> {
        let mut record = csv::StringRecord::new();
        let more = self
            .reader
            .read_record(&mut record)
            .map_err(|e| anyhow::anyhow!("{}:{}", self.name, describe(&e)))?;
        if !more {
            return Ok(None);
        }
        let inner_newlines: u64 = record
            .iter()
            .map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64)
            .sum();
        let line = self
            .reader
            .position()
            .line()
            .saturating_sub(inner_newlines + 1);
        // A blank line in the middle of a file reads as one empty field: skip it.
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            return self.next_row();
        }
        if record.len() != self.width {
            bail!(
                "{}:{line}: expected {} fields as in the header, found {}",
                self.name,
                self.width,
                record.len()
            );
        }
        Ok(Some(CsvRow {
            input: self,
            line,
            record,
        }))
    }
}

impl CsvRow<'_> {
    /// A column's value, trimmed; `None` when the column is absent or the cell is empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        let index = *self.input.columns.get(column)?;
        self.record
            .get(index)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// An error about `column` on this row. Only the first line of `reason` is kept: hints
    /// suit one error, not a list of them.
    pub fn error(&self, column: &str, reason: impl std::fmt::Display) -> RowError {
        let reason = reason.to_string();
        RowError {
            file: self.input.name.clone(),
            line: self.line,
            column_number: self.input.columns.get(column).map_or(0, |i| i + 1),
            column: column.to_string(),
            reason: reason.lines().next().unwrap_or_default().to_string(),
        }
    }
}

/// Turns every CRLF into LF as bytes stream through (a CR alone is left as it is), and ends
/// the stream with an LF if it does not end with one.
struct CrlfToLf<R> {
    inner: R,
    /// A CR ended the last chunk; whether it is kept depends on the next byte.
    pending_cr: bool,
    /// The last byte handed out, to know whether a final LF is needed.
    last: Option<u8>,
}

impl<R: BufRead> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            pending_cr: false,
            last: None,
        }
    }
}

impl<R: BufRead> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let data = self.inner.fill_buf()?;
            if data.is_empty() {
                let byte = if std::mem::take(&mut self.pending_cr) {
                    b'\r'
                } else if self.last.is_some_and(|b| b != b'\n') {
                    b'\n'
                } else {
                    return Ok(0);
                };
                buf[0] = byte;
                self.last = Some(byte);
                return Ok(1);
            }
            let (mut n, mut used) = (0, 0);
            if std::mem::take(&mut self.pending_cr) && data[0] != b'\n' {
                buf[0] = b'\r';
                n = 1;
            }
            while used < data.len() && n < buf.len() {
                let b = data[used];
                used += 1;
                if b == b'\r' {
                    match data.get(used) {
                        None => {
                            self.pending_cr = true;
                            continue;
                        }
                        Some(b'\n') => continue,
                        Some(_) => {}
                    }
                }
                buf[n] = b;
                n += 1;
            }
            self.inner.consume(used);
            if n > 0 {
                self.last = Some(buf[n - 1]);
                return Ok(n);
            }
        }
    }
}

fn describe(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => format!(
            "{}: not valid UTF-8\nhint: save the file as UTF-8 (Excel: \"CSV UTF-8\")",
            pos.as_ref().map_or(0, |p| p.line())
        ),
        csv::ErrorKind::Io(e) => format!(" {e}"),
        other => format!(" {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, text).unwrap();
        f
    }

    #[test]
    fn bom_crlf_and_any_column_order_are_read() {
        let f = write(b"\xEF\xBB\xBFAmount, Kind\r\n12.50,qa\r\n\r\n3,ad\r\n");
        let mut input = CsvInput::open(f.path()).unwrap();
        input
            .require(&["kind", "amount"], &["kind", "amount"])
            .unwrap();
        let row = input.next_row().unwrap().unwrap();
        assert_eq!(
            (row.line, row.get("kind"), row.get("amount")),
            (2, Some("qa"), Some("12.50"))
        );
        let row = input.next_row().unwrap().unwrap();
        assert_eq!((row.line, row.get("kind")), (4, Some("ad")));
        assert!(input.next_row().unwrap().is_none());
    }

    #[test]
    fn crlf_becomes_lf_across_chunk_boundaries() {
        for size in 1..6 {
            let text = b"a\r\nb\rc\r\n\r";
            let mut lf = CrlfToLf::new(BufReader::with_capacity(size, &text[..]));
            let mut out = Vec::new();
            lf.read_to_end(&mut out).unwrap();
            assert_eq!(out, b"a\nb\rc\n\r\n", "chunks of {size}");
        }
    }

    #[test]
    fn problems_name_the_file_line_and_column() {
        let f = write(b"kind,amount\n\"qa\nx\",1\nad");
        let mut input = CsvInput::open(f.path()).unwrap();
        let row = input.next_row().unwrap().unwrap();
        let err = row.error("amount", "bad \"1\"").to_string();
        assert!(err.ends_with(":2:2 (amount): bad \"1\""), "{err}");
        assert_eq!(row.get("kind"), Some("qa\nx"));
        let err = input.next_row().err().unwrap().to_string();
        assert!(err.contains(":4: expected 2 fields"), "{err}");
        let err = input
            .require(&["reference"], &["reference"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing column(s) reference"), "{err}");
    }
}
