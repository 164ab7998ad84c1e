//! Reads rows from CSV, TSV or JSONL, from a file or stdin, in any of the encodings
//! spreadsheets save (UTF-8 with or without BOM, UTF-16 by BOM, or `--encoding gbk` ...).
//!
//! Streams: one record at a time, constant memory whatever the file size. Knows nothing of
//! members, payments or content; it hands out header names and rows of text with their line
//! numbers, and finds a column by name for importers that read fixed columns.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use csv::StringRecord;
use encoding_rs::Encoding;

use super::RowError;

/// The shape of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Csv,
    Tsv,
    Jsonl,
}

impl InputFormat {
    /// Guesses from a file name: `.tsv`/`.tab` are TSV, `.jsonl`/`.ndjson` JSONL, else CSV.
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            _ => None,
        }
    }
}

/// Looks up an encoding by any of its WHATWG labels (`gbk`, `gb18030`, `utf-16le`, `latin1`...).
pub fn encoding(label: &str) -> Result<&'static Encoding> {
    // WHATWG maps "utf-16" to UTF-16LE, which is what Windows means by it.
    Encoding::for_label(label.trim().as_bytes()).with_context(|| {
        format!(
            "unknown encoding {label:?}; try utf-8, gbk, gb18030, big5, utf-16, shift_jis or latin1"
        )
    })
}

/// One data row: its first line number in the file and its cells, aligned to the header.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub record: StringRecord,
}

impl RawRow {
    /// A column's value, trimmed; `None` when the header has no such column or the cell is
    /// empty.
    pub fn get(&self, columns: &Columns, name: &str) -> Option<&str> {
        let index = columns.index(name)?;
        self.record
            .get(index)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// A row error about column `name`, quoting its value. Only the first line of `reason` is
    /// kept: hints suit one error, not a list of them.
    pub fn error(&self, columns: &Columns, name: &str, reason: impl fmt::Display) -> RowError {
        let reason = reason.to_string();
        let value = self.get(columns, name).unwrap_or_default();
        RowError::at(
            self.line,
            name,
            value,
            reason.lines().next().unwrap_or_default(),
        )
    }
}

/// A header's columns found by name (trimmed, in any case), for importers that read a fixed
/// set of columns in any order.
#[derive(Debug, Clone)]
pub struct Columns {
    names: Vec<String>,
}

impl Columns {
    /// The columns of `rows`' header. None may appear twice, and every one of `required` must
    /// be there; the hint lists `known`.
    pub fn of(rows: &Rows, required: &[&str], known: &[&str]) -> Result<Columns> {
        let header_error = |message: String| FileError {
            file: rows.name().to_string(),
            line: 1,
            message,
        };
        let mut columns = Columns { names: Vec::new() };
        columns.follow(rows.headers());
        for (i, name) in columns.names.iter().enumerate() {
            if columns.names[..i].contains(name) {
                bail!(header_error(format!(
                    "column {name:?} appears twice in the header"
                )));
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|name| columns.index(name).is_none())
            .collect();
        if !missing.is_empty() {
            bail!(header_error(format!(
                "missing column(s) {} in the header (found: {})\nhint: the columns are {}",
                missing.join(", "),
                columns.names.join(", "),
                known.join(",")
            )));
        }
        Ok(columns)
    }

    /// Where a column is, by its name in lower case.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The first column that is not one of `known`.
    pub fn unknown(&self, known: &[&str]) -> Option<&str> {
        self.names
            .iter()
            .map(String::as_str)
            .find(|name| !known.contains(name))
    }

    /// Catches up with a JSONL header that grew: a key first seen after the first line.
    pub fn follow(&mut self, headers: &[String]) {
        for header in &headers[self.names.len().min(headers.len())..] {
            self.names.push(header.trim().to_ascii_lowercase());
        }
    }
}

/// A problem with the file as a whole (it cannot be read on): the import stops.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct FileError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// A row that does not fit the header; the row is rejected, the import goes on.
#[derive(Debug, Clone)]
pub struct ShapeError {
    pub line: u64,
    pub message: String,
    pub record: StringRecord,
}

/// Turns every CRLF, and every CR alone (old Mac files), into LF as bytes stream through, and
/// ends the stream with an LF if it does not end with one. Then every record ends with an LF
/// and line numbers count LFs alone.
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
                // A CR left over ends the last line, as does the LF added when none did.
                let pending_cr = std::mem::take(&mut self.pending_cr);
                if !pending_cr && self.last.is_none_or(|b| b == b'\n') {
                    return Ok(0);
                }
                buf[0] = b'\n';
                self.last = Some(b'\n');
                return Ok(1);
            }
            let (mut n, mut used) = (0, 0);
            if std::mem::take(&mut self.pending_cr) && data[0] != b'\n' {
                buf[0] = b'\n';
                n = 1;
            }
            while used < data.len() && n < buf.len() {
                // Up to the next CR, or as far as there is room, bytes pass as they are.
                let room = (buf.len() - n).min(data.len() - used);
                let run = memchr::memchr(b'\r', &data[used..used + room]).unwrap_or(room);
                buf[n..n + run].copy_from_slice(&data[used..used + run]);
                (n, used) = (n + run, used + run);
                if run == room {
                    continue;
                }
                // A CR (and there is room for an LF): dropped before an LF, which passes next,
                // an LF itself before anything else, and undecided at the end of the chunk.
                used += 1;
                match data.get(used) {
                    None => self.pending_cr = true,
                    Some(b'\n') => {}
                    Some(_) => {
                        buf[n] = b'\n';
                        n += 1;
                    }
                }
            }
            self.inner.consume(used);
            if n > 0 {
                self.last = Some(buf[n - 1]);
                return Ok(n);
            }
        }
    }
}

/// Counts bytes as they are read, for a progress bar.
struct Counting<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// An open input, ready to hand out rows.
pub struct Rows {
    name: String,
    headers: Vec<String>,
    inner: Inner,
    /// Bytes read so far (before decoding), shared with a progress bar.
    pub bytes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The input's size when it is a regular file.
    pub size: Option<u64>,
    /// The encoding text was decoded from, when it was not UTF-8.
    pub decoded_from: Option<&'static Encoding>,
}

enum Inner {
    Delimited {
        reader: csv::Reader<Box<dyn Read + Send>>,
        raw: csv::ByteRecord,
    },
    Jsonl {
        input: BufReader<Box<dyn Read + Send>>,
        buf: Vec<u8>,
        line: u64,
        /// Where each key of the header is, so a wide object costs one lookup per key.
        index: HashMap<String, usize>,
        /// The first object, read ahead so its keys are the header presets are detected from.
        first: Option<Result<RawRow, ShapeError>>,
    },
}

impl Rows {
    /// Opens `path` (`-` is stdin) and reads the header.
    pub fn open(
        path: &str,
        format: Option<InputFormat>,
        encoding: Option<&'static Encoding>,
    ) -> Result<Rows> {
        let (name, raw, size): (String, Box<dyn Read + Send>, Option<u64>) = if path == "-" {
            ("stdin".to_string(), Box::new(io::stdin()), None)
        } else {
            let file = File::open(path).with_context(|| format!("opening {path}"))?;
            let size = file.metadata().ok().map(|m| m.len());
            (path.to_string(), Box::new(file), size)
        };
        Rows::from_reader(name, raw, size, format, encoding)
    }

    /// Reads rows from any byte stream; `name` labels messages and, without `format`, picks
    /// the format by its extension. Tests and fuzz targets feed bytes through here.
    pub fn from_reader(
        name: String,
        raw: Box<dyn Read + Send>,
        size: Option<u64>,
        format: Option<InputFormat>,
        encoding: Option<&'static Encoding>,
    ) -> Result<Rows> {
        let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = Counting {
            inner: raw,
            count: bytes.clone(),
        };
        let mut buffered = BufReader::with_capacity(256 * 1024, counted);
        let head = buffered
            .fill_buf()
            .with_context(|| format!("reading {name}"))?;
        if head.is_empty() {
            bail!(FileError {
                file: name,
                line: 1,
                message: "the file is empty: expected a header row".into(),
            });
        }
        // A BOM says what the text is, whatever --encoding says; without one, --encoding decides.
        let bom = Encoding::for_bom(head).map(|(enc, _)| enc);
        let chosen = bom.or(encoding).filter(|enc| *enc != encoding_rs::UTF_8);
        let format = format.unwrap_or_else(|| sniff(&name, head, chosen));
        let starts_with_utf8_bom = head.starts_with(b"\xEF\xBB\xBF");
        let reader: Box<dyn Read + Send> = match chosen {
            Some(enc) => Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(enc))
                    .bom_override(true)
                    .build(buffered),
            ),
            None => {
                if starts_with_utf8_bom {
                    buffered.consume(3);
                }
                Box::new(buffered)
            }
        };
        let (headers, inner) = match format {
            InputFormat::Csv | InputFormat::Tsv => {
                // LF only, and a final LF: then where the reader stands after a record gives
                // its line exactly (csv's own record positions are off after CRLF).
                let reader: Box<dyn Read + Send> = Box::new(CrlfToLf::new(BufReader::new(reader)));
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(if format == InputFormat::Tsv {
                        b'\t'
                    } else {
                        b','
                    })
                    .has_headers(false)
                    .flexible(true)
                    .buffer_capacity(256 * 1024)
                    .from_reader(reader);
                let mut raw = csv::ByteRecord::new();
                if !reader
                    .read_byte_record(&mut raw)
                    .map_err(|e| csv_error(&name, e))?
                {
                    bail!(FileError {
                        file: name,
                        line: 1,
                        message: "the file is empty: expected a header row".into(),
                    });
                }
                let headers = text(&name, &[], 1, &raw)?
                    .iter()
                    .map(str::to_string)
                    .collect();
                (headers, Inner::Delimited { reader, raw })
            }
            InputFormat::Jsonl => (
                Vec::new(),
                Inner::Jsonl {
                    input: BufReader::new(reader),
                    buf: Vec::new(),
                    line: 0,
                    index: HashMap::new(),
                    first: None,
                },
            ),
        };
        let mut rows = Rows {
            name,
            headers,
            inner,
            bytes,
            size,
            decoded_from: chosen,
        };
        if matches!(rows.inner, Inner::Jsonl { .. }) {
            let first = rows.next_row()?;
            if let Inner::Jsonl { first: slot, .. } = &mut rows.inner {
                *slot = first;
            }
        }
        Ok(rows)
    }

    /// The file's name as messages show it (`stdin` for `-`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Column names so far. JSONL adds a column when a key first appears.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The next row: `Ok(None)` at the end, `Ok(Some(Err(..)))` for a row of the wrong shape,
    /// `Err` when the file cannot be read on.
    pub fn next_row(&mut self) -> Result<Option<Result<RawRow, ShapeError>>> {
        match &mut self.inner {
            Inner::Delimited { reader, raw } => loop {
                let after_last = reader.position().line();
                if !reader
                    .read_byte_record(raw)
                    .map_err(|e| csv_error(&self.name, e))?
                {
                    return Ok(None);
                }
                let inner_newlines = raw
                    .iter()
                    .map(|f| f.iter().filter(|b| **b == b'\n').count() as u64)
                    .sum::<u64>();
                let line = reader.position().line().saturating_sub(inner_newlines + 1);
                // Every record ends with a line break (the stream ends with one), except one
                // whose quote is never closed: it swallows the rest of the file, final line
                // break included, and seems to start a line early.
                let unclosed = line < after_last;
                let line = line.max(after_last);
                // A blank line is not a member; spreadsheets leave them at the end.
                if raw.len() == 1 && raw[0].is_empty() {
                    continue;
                }
                let record = text(&self.name, &self.headers, line, raw)?;
                if unclosed {
                    return Ok(Some(Err(ShapeError {
                        line,
                        message: format!(
                            "a quote opened in column {} is never closed, so the rest of the file ran into it\nhint: inside a quoted field, write a quote twice (\"\")",
                            record.len()
                        ),
                        record,
                    })));
                }
                if record.len() != self.headers.len() {
                    return Ok(Some(Err(ShapeError {
                        line,
                        message: format!(
                            "expected {} fields (as in the header), found {}",
                            self.headers.len(),
                            record.len()
                        ),
                        record,
                    })));
                }
                return Ok(Some(Ok(RawRow { line, record })));
            },
            Inner::Jsonl {
                input,
                buf,
                line,
                index,
                first,
            } => loop {
                if let Some(row) = first.take() {
                    return Ok(Some(row));
                }
                buf.clear();
                let read = input.read_until(b'\n', buf).map_err(|e| FileError {
                    file: self.name.clone(),
                    line: *line + 1,
                    message: io_message(&e),
                })?;
                if read == 0 {
                    return Ok(None);
                }
                *line += 1;
                let bytes = buf.strip_suffix(b"\n").unwrap_or(buf);
                let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
                let text = std::str::from_utf8(bytes).map_err(|e| FileError {
                    file: self.name.clone(),
                    line: *line,
                    message: utf8_message(bytes, e.valid_up_to()),
                })?;
                if text.trim().is_empty() {
                    continue;
                }
                return Ok(Some(json_row(&mut self.headers, index, *line, text)));
            },
        }
    }

    /// The header row as a record, for reject files.
    pub fn header_record(&self) -> StringRecord {
        StringRecord::from(self.headers.clone())
    }
}

/// Turns one JSON object into a row aligned to the (growing) header.
fn json_row(
    headers: &mut Vec<String>,
    index: &mut HashMap<String, usize>,
    line: u64,
    text: &str,
) -> Result<RawRow, ShapeError> {
    let shape = |message: String| ShapeError {
        line,
        message,
        record: StringRecord::from(vec![text.to_string()]),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // serde_json counts lines within this one line; the row's line is ours to give.
        let message = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let reason = message.strip_suffix(&position).unwrap_or(&message);
        let start = text
            .char_indices()
            .map(|(i, _)| i)
            .take_while(|i| *i < e.column().saturating_sub(16))
            .last()
            .unwrap_or(0);
        shape(format!(
            "column {}, at {}: not valid JSON: {reason}",
            e.column(),
            crate::sanitize::quoted(&text[start..])
        ))
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(shape("expected one JSON object per line".into()));
    };
    let mut cells = vec![String::new(); headers.len()];
    for (key, value) in map {
        let at = match index.get(&key) {
            Some(i) => *i,
            None => {
                index.insert(key.clone(), headers.len());
                headers.push(key.clone());
                cells.push(String::new());
                headers.len() - 1
            }
        };
        cells[at] = match value {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s,
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Array(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(s) => parts.push(s),
                        serde_json::Value::Number(n) => parts.push(n.to_string()),
                        // Named by kind only: a nested object may hold anyone's details.
                        other => {
                            return Err(shape(format!(
                                "key {}: a list may hold only strings and numbers, found {}",
                                crate::sanitize::quoted(&key),
                                json_kind(&other)
                            )));
                        }
                    }
                }
                parts.join(";")
            }
            serde_json::Value::Object(_) => {
                return Err(shape(format!(
                    "key {}: expected text, a number or a list, found an object",
                    crate::sanitize::quoted(&key)
                )));
            }
        };
    }
    Ok(RawRow {
        line,
        record: StringRecord::from(cells),
    })
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "true or false",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Without a format flag or a telling extension, a first line with tabs and no commas is TSV,
/// and so is UTF-16 text (what Excel's "Unicode text" writes).
fn sniff(name: &str, head: &[u8], decoded: Option<&'static Encoding>) -> InputFormat {
    if let Some(format) = InputFormat::from_path(name) {
        return format;
    }
    if decoded.is_some_and(|enc| enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE) {
        return InputFormat::Tsv;
    }
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        InputFormat::Tsv
    } else {
        InputFormat::Csv
    }
}

/// Checks a record is UTF-8, naming the line and column where it is not.
fn text(name: &str, headers: &[String], line: u64, raw: &csv::ByteRecord) -> Result<StringRecord> {
    StringRecord::from_byte_record(raw.clone()).map_err(|e| {
        let field = e.utf8_error().field();
        let value = crate::sanitize::quoted_bytes(raw.get(field).unwrap_or_default());
        anyhow::Error::new(FileError {
            file: name.to_string(),
            line,
            message: format!(
                "column {}{} value {value}: not valid UTF-8\nhint: files saved by Excel on a Chinese Windows are usually GBK: pass --encoding gbk (or gb18030, big5, utf-16, latin1)",
                field + 1,
                headers
                    .get(field)
                    .map(|h| format!(" ({})", crate::sanitize::quoted(h)))
                    .unwrap_or_default()
            ),
        })
    })
}

fn csv_error(name: &str, err: csv::Error) -> anyhow::Error {
    let line = err.position().map_or(0, |p| p.line());
    let message = match err.into_kind() {
        csv::ErrorKind::Io(e) => io_message(&e),
        other => format!("{other:?}"),
    };
    anyhow::Error::new(FileError {
        file: name.to_string(),
        line,
        message,
    })
}

/// Names where a line stops being UTF-8: its column (in characters) and the text from a little
/// before it, the bad bytes shown as `\xNN`.
fn utf8_message(bytes: &[u8], valid_up_to: usize) -> String {
    let valid = String::from_utf8_lossy(&bytes[..valid_up_to]);
    let column = valid.chars().count() + 1;
    let start = valid.char_indices().rev().nth(15).map_or(0, |(i, _)| i);
    format!(
        "column {column}, at {}: not valid UTF-8\nhint: pass --encoding gbk (or gb18030, big5, utf-16, latin1)",
        crate::sanitize::quoted_bytes(&bytes[start..])
    )
}

fn io_message(err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::InvalidData {
        "not valid UTF-8\nhint: pass --encoding gbk (or gb18030, big5, utf-16, latin1)".into()
    } else {
        err.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    type Read = (Vec<String>, Vec<Result<RawRow, ShapeError>>);

    fn all(path: &str, encoding: Option<&'static Encoding>) -> Result<Read> {
        let mut rows = Rows::open(path, None, encoding)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next_row()? {
            out.push(row);
        }
        Ok((rows.headers().to_vec(), out))
    }

    #[test]
    fn bom_and_crlf_are_invisible() {
        let (headers, rows) = all(&fixture("bom.csv"), None).unwrap();
        assert_eq!(headers[0], "email");
        assert!(rows.iter().all(Result::is_ok));
        assert!(!rows[0].as_ref().unwrap().record[0].ends_with('\r'));
    }

    #[test]
    fn an_empty_file_is_an_error_and_a_header_alone_is_no_rows() {
        let err = all(&fixture("empty.csv"), None).unwrap_err().to_string();
        assert!(err.contains("empty.csv:1: the file is empty"), "{err}");
        let (headers, rows) = all(&fixture("header-only.csv"), None).unwrap();
        assert!(!headers.is_empty());
        assert!(rows.is_empty());
    }

    #[test]
    fn ragged_rows_are_reported_with_their_line() {
        let (_, rows) = all(&fixture("ragged.csv"), None).unwrap();
        let errors: Vec<&ShapeError> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errors.len(), 2, "{rows:?}");
        assert!(
            errors[0].message.starts_with("expected 5 fields"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn gbk_without_encoding_names_the_line_and_hints() {
        let err = all(&fixture("gbk.csv"), None).unwrap_err().to_string();
        assert!(
            err.contains("gbk.csv:1: column 1 value \"\\xD3\\xCA\\xCF\\xE4\": not valid UTF-8"),
            "{err}"
        );
        assert!(err.contains("--encoding gbk"), "{err}");
        let (headers, rows) = all(&fixture("gbk.csv"), Some(encoding("gbk").unwrap())).unwrap();
        assert_eq!(headers[0], "邮箱");
        assert!(!rows.is_empty());
    }

    #[test]
    fn utf16_is_found_by_its_bom() {
        let (headers, rows) = all(&fixture("utf16.tsv"), None).unwrap();
        assert_eq!(headers[0], "邮箱", "{headers:?}");
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
    }

    #[test]
    fn embedded_newlines_stay_in_their_field() {
        let (headers, rows) = all(&fixture("embedded-newline.csv"), None).unwrap();
        assert!(
            rows.iter()
                .all(|r| r.as_ref().is_ok_and(|r| r.record.len() == headers.len()))
        );
        assert!(
            rows.iter()
                .any(|r| r.as_ref().unwrap().record.iter().any(|c| c.contains('\n')))
        );
    }

    #[test]
    fn line_numbers_are_exact_with_crlf_blank_lines_and_embedded_breaks() {
        let dir = tempfile::tempdir().unwrap();
        for (name, eol) in [("crlf.csv", "\r\n"), ("lf.csv", "\n"), ("cr.csv", "\r")] {
            let text = [
                "email,name",
                "a@x.org,A",
                "",
                "b@x.org,B",
                "\"c@x.org\",\"two",
                "lines\"",
                "d@x.org,D",
                "",
            ]
            .join(eol);
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let (_, rows) = all(path.to_str().unwrap(), None).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().line).collect();
            assert_eq!(lines, [2, 4, 5, 7], "{name}");
        }
    }

    #[test]
    fn an_unclosed_quote_is_named_on_its_own_line() {
        let text = "email,name\na@x.org,A\nb@x.org,\"B\nc@x.org,C\n";
        let mut rows = Rows::from_reader(
            "q.csv".into(),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(rows.next_row().unwrap().unwrap().unwrap().line, 2);
        let err = rows.next_row().unwrap().unwrap().unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("never closed"), "{}", err.message);
        assert!(rows.next_row().unwrap().is_none());
    }

    #[test]
    fn jsonl_grows_its_header_and_reports_bad_lines() {
        let (headers, rows) = all(&fixture("members.jsonl"), None).unwrap();
        assert!(headers.contains(&"email".to_string()));
        let first = rows[0].as_ref().unwrap();
        let tags = headers.iter().position(|h| h == "tags").unwrap();
        assert_eq!(&first.record[tags], "early;VIP");
        assert_eq!(first.line, 1);
        // The blank line is skipped but counted.
        assert!(rows.iter().any(|r| r.as_ref().is_ok_and(|r| r.line == 4)));
    }

    #[test]
    fn crlf_and_lone_cr_become_lf_across_chunk_boundaries() {
        for size in 1..6 {
            let text = b"a\r\nb\rc\r\n\r";
            let mut lf = CrlfToLf::new(BufReader::with_capacity(size, &text[..]));
            let mut out = Vec::new();
            io::Read::read_to_end(&mut lf, &mut out).unwrap();
            assert_eq!(out, b"a\nb\nc\n\n", "chunks of {size}");
        }
    }

    /// Every CRLF and lone CR to LF, and a final LF, one byte at a time: what `CrlfToLf` must
    /// give however its input is chunked and its output read.
    fn lf_only(text: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &b) in text.iter().enumerate() {
            match b {
                b'\r' if text.get(i + 1) == Some(&b'\n') => {}
                b'\r' => out.push(b'\n'),
                b => out.push(b),
            }
        }
        if out.last().is_some_and(|&b| b != b'\n') {
            out.push(b'\n');
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn line_endings_agree_with_a_byte_at_a_time_for_any_chunks_and_reads(
            text in proptest::collection::vec(proptest::sample::select(b"\r\nab".to_vec()), 0..60),
            chunk in 1usize..10,
            read in 1usize..10,
        ) {
            let mut lf = CrlfToLf::new(BufReader::with_capacity(chunk, &text[..]));
            let (mut out, mut buf) = (Vec::new(), vec![0; read]);
            loop {
                let n = io::Read::read(&mut lf, &mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            proptest::prop_assert_eq!(out, lf_only(&text));
        }
    }

    fn write(text: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, text).unwrap();
        f
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_case() {
        let f = write(b"\xEF\xBB\xBFAmount, Kind\r\n12.50,qa\r\n\r\n3,ad\r\n");
        let mut rows = Rows::open(f.path().to_str().unwrap(), None, None).unwrap();
        let columns = Columns::of(&rows, &["kind", "amount"], &["kind", "amount"]).unwrap();
        let row = rows.next_row().unwrap().unwrap().unwrap();
        assert_eq!(
            (
                row.line,
                row.get(&columns, "kind"),
                row.get(&columns, "amount")
            ),
            (2, Some("qa"), Some("12.50"))
        );
        assert_eq!(row.get(&columns, "note"), None);
        let err = row
            .error(&columns, "amount", "bad\nhint: dropped")
            .to_string();
        assert_eq!(err, "line 2: column \"amount\" value \"12.50\": bad");
        let row = rows.next_row().unwrap().unwrap().unwrap();
        assert_eq!((row.line, row.get(&columns, "kind")), (4, Some("ad")));
        assert!(rows.next_row().unwrap().is_none());
    }

    #[test]
    fn a_header_missing_or_repeating_a_column_is_refused() {
        let f = write(b"reference,amount\nX,1\n");
        let rows = Rows::open(f.path().to_str().unwrap(), None, None).unwrap();
        let err = Columns::of(&rows, &["kind", "amount", "paid_at"], &["kind"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                ":1: missing column(s) kind, paid_at in the header (found: reference, amount)"
            ),
            "{err}"
        );
        let f = write(b"kind,KIND\nqa,qa\n");
        let rows = Rows::open(f.path().to_str().unwrap(), None, None).unwrap();
        let err = Columns::of(&rows, &[], &[]).unwrap_err().to_string();
        assert!(err.contains(":1: column \"kind\" appears twice"), "{err}");
    }

    #[test]
    fn columns_follow_a_growing_jsonl_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pay.jsonl");
        std::fs::write(
            &path,
            "{\"kind\":\"qa\"}\n{\"kind\":\"ad\",\"note\":\"late key\"}\n",
        )
        .unwrap();
        let mut rows = Rows::open(path.to_str().unwrap(), None, None).unwrap();
        let mut columns = Columns::of(&rows, &["kind"], &["kind", "note"]).unwrap();
        rows.next_row().unwrap().unwrap().unwrap();
        let row = rows.next_row().unwrap().unwrap().unwrap();
        columns.follow(rows.headers());
        assert_eq!(row.get(&columns, "note"), Some("late key"));
    }

    #[test]
    fn unknown_encodings_are_refused_with_suggestions() {
        assert!(encoding("klingon").unwrap_err().to_string().contains("gbk"));
        assert_eq!(encoding("GBK").unwrap(), encoding_rs::GBK);
    }
}
