//! One renderer for every list and report: table, csv, tsv, json, jsonl.
//!
//! Rows arrive one at a time as `Serialize` structs whose field names are the stable snake_case
//! column names. Every format but `table` streams: nothing is collected, so a million-row list
//! costs constant memory. This module knows nothing of members or courses.

use std::io::{self, Write};

use anyhow::{Context, Result};
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use crate::sanitize::sanitize;

/// Columns separated by spaces, one rule under the header, no boxes: easy on the eye and
/// still aligned (comfy-table's 19-character preset notation; only the header line is drawn).
const TABLE_STYLE: &str = "     ──            ";

/// How a list or report is written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people (buffers the rows to size the columns)
    Table,
    /// Comma-separated values with a header row (RFC 4180)
    Csv,
    /// Tab-separated values with a header row
    Tsv,
    /// One JSON array of objects
    Json,
    /// One JSON object per line
    Jsonl,
    /// iCalendar (RFC 5545); only `plan export` writes it
    Ics,
}

/// A row type: its serialized field names must be exactly `COLUMNS`, in order.
///
/// The header is declared, not discovered, so an empty result still prints it.
pub trait Record: Serialize {
    const COLUMNS: &'static [&'static str];
}

/// Writes rows of one record type in one format, then `finish`es.
///
/// Most rows are [`Record`]s with columns fixed at compile time. A few reports have columns
/// known only at run time (one per forecast scenario, one per tier): those start with
/// [`Renderer::with_columns`] and write with [`Renderer::write_values`].
pub struct Renderer<W: Write> {
    inner: Inner<W>,
    columns: Vec<String>,
    /// Replace control characters in text written to a terminal (names come from files).
    sanitize: bool,
    /// Prefix cells a spreadsheet would run as a formula with `'` (csv and tsv only).
    guard_formulas: bool,
}

enum Inner<W: Write> {
    Table {
        out: W,
        rows: Vec<Vec<String>>,
        width: Option<u16>,
    },
    Delimited(Box<csv::Writer<W>>),
    Json {
        out: W,
        first: bool,
    },
    Jsonl(W),
}

impl<W: Write> Renderer<W> {
    /// Starts a renderer; csv and tsv write their header at once.
    pub fn new<R: Record>(format: Format, out: W, terminal: Option<u16>) -> Result<Self> {
        let columns = R::COLUMNS.iter().map(|c| (*c).to_string()).collect();
        Self::with_columns(format, out, terminal, columns)
    }

    /// Starts a renderer for rows whose columns are known only at run time, written with
    /// [`Renderer::write_values`]. Column names must be unique.
    pub fn with_columns(
        format: Format,
        out: W,
        terminal: Option<u16>,
        columns: Vec<String>,
    ) -> Result<Self> {
        if let Some(dup) = columns
            .iter()
            .enumerate()
            .find(|(i, c)| columns[..*i].contains(c))
        {
            anyhow::bail!("column {:?} appears twice", dup.1);
        }
        let inner = match format {
            Format::Table => Inner::Table {
                out,
                rows: Vec::new(),
                width: terminal,
            },
            Format::Csv | Format::Tsv => {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(if format == Format::Tsv { b'\t' } else { b',' })
                    .has_headers(false)
                    .from_writer(out);
                w.write_record(&columns).map_err(csv_error)?;
                Inner::Delimited(Box::new(w))
            }
            Format::Json => Inner::Json { out, first: true },
            Format::Jsonl => Inner::Jsonl(out),
            Format::Ics => anyhow::bail!(
                "--format ics is for `community plan export`; lists and reports come as table, csv, tsv, json or jsonl"
            ),
        };
        Ok(Renderer {
            inner,
            columns,
            sanitize: terminal.is_some(),
            guard_formulas: false,
        })
    }

    /// Makes csv and tsv safe to open in a spreadsheet: a cell starting with `=`, `+`, `-`,
    /// `@`, tab or carriage return gets a leading `'`, so it is shown, not run (OWASP's advice
    /// against CSV injection). Other formats are not spreadsheets and stay exact.
    pub fn guard_formulas(mut self) -> Self {
        self.guard_formulas = true;
        self
    }

    /// Writes one row of values in column order: numbers stay numbers in json (a non-finite
    /// one is null there and empty elsewhere), strings are text, null is an empty cell.
    pub fn write_values(&mut self, values: &[serde_json::Value]) -> Result<()> {
        if values.len() != self.columns.len() {
            anyhow::bail!(
                "a row has {} values for {} columns",
                values.len(),
                self.columns.len()
            );
        }
        match &mut self.inner {
            Inner::Table { rows, .. } => {
                rows.push(
                    values
                        .iter()
                        .map(|v| sanitize(&cell(v)).into_owned())
                        .collect(),
                );
            }
            Inner::Delimited(w) => {
                let sanitize_cells = self.sanitize;
                w.write_record(values.iter().map(|v| {
                    let text = cell(v);
                    if sanitize_cells {
                        sanitize(&text).into_owned()
                    } else {
                        text
                    }
                }))
                .map_err(csv_error)?;
            }
            Inner::Json { out, first } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })?;
                *first = false;
                serde_json::to_writer(&mut *out, &Ordered(&self.columns, values))?;
            }
            Inner::Jsonl(out) => {
                serde_json::to_writer(&mut *out, &Ordered(&self.columns, values))?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Writes one row.
    pub fn write<R: Record>(&mut self, row: &R) -> Result<()> {
        match &mut self.inner {
            Inner::Table { rows, .. } => {
                let cells = cells(row, &self.columns)?;
                rows.push(
                    cells
                        .into_iter()
                        .map(|c| sanitize(&c).into_owned())
                        .collect(),
                );
            }
            Inner::Delimited(w) if self.sanitize || self.guard_formulas => {
                let (clean, guard) = (self.sanitize, self.guard_formulas);
                let cells = cells(row, &self.columns)?;
                w.write_record(cells.iter().map(|c| {
                    let c = if clean {
                        sanitize(c)
                    } else {
                        std::borrow::Cow::Borrowed(c.as_str())
                    };
                    if guard && c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                        format!("'{c}")
                    } else {
                        c.into_owned()
                    }
                }))
                .map_err(csv_error)?;
            }
            Inner::Delimited(w) => w.serialize(row).map_err(csv_error)?,
            Inner::Json { out, first } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })?;
                *first = false;
                serde_json::to_writer(&mut *out, row)?;
            }
            Inner::Jsonl(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Ends the output: draws the table, closes the JSON array, flushes.
    pub fn finish(self) -> Result<()> {
        match self.inner {
            Inner::Table {
                mut out,
                rows,
                width,
            } => {
                let mut table = Table::new();
                table
                    .load_preset(TABLE_STYLE)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(&self.columns);
                if let Some(width) = width {
                    table.set_width(width);
                }
                for row in rows {
                    table.add_row(row);
                }
                writeln!(out, "{table}")?;
                out.flush()?;
            }
            Inner::Delimited(mut w) => w.flush()?,
            Inner::Json { mut out, first } => {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Inner::Jsonl(mut out) => out.flush()?,
        }
        Ok(())
    }
}

/// Shows one item on its own (`member show`, `course show` ...). In json and jsonl, `detail` is
/// one object (pretty-printed in json). Otherwise each plain field is a `field,value` row, in
/// the order `detail` declares them; in table format each list of objects in it (a history, a
/// roster) follows as its own titled table. Lists are left out of csv and tsv, which hold one
/// table each; json has everything.
pub fn show<D: Serialize>(format: Format, terminal: Option<u16>, detail: &D) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let value = serde_json::to_value(detail).context("serializing a record")?;
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
            return Ok(out.flush()?);
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
            return Ok(out.flush()?);
        }
        _ => {}
    }
    let serde_json::Value::Object(map) = value else {
        anyhow::bail!("a record must serialize as an object");
    };
    let columns = vec!["field".to_string(), "value".to_string()];
    let mut fields = Renderer::with_columns(format, &mut out, terminal, columns)?;
    let mut lists = Vec::new();
    for (key, value) in &map {
        match value {
            serde_json::Value::Array(items) => lists.push((key, items)),
            other => {
                fields.write_values(&[serde_json::Value::String(key.clone()), other.clone()])?
            }
        }
    }
    fields.finish()?;
    if format == Format::Table {
        for (key, items) in lists {
            let Some(serde_json::Value::Object(first)) = items.first() else {
                continue;
            };
            writeln!(out, "{}:", key.replace('_', " "))?;
            let columns: Vec<String> = first.keys().cloned().collect();
            let mut table = Renderer::with_columns(format, &mut out, terminal, columns.clone())?;
            for item in items {
                let row: Vec<serde_json::Value> = columns
                    .iter()
                    .map(|c| item.get(c).cloned().unwrap_or(serde_json::Value::Null))
                    .collect();
                table.write_values(&row)?;
            }
            table.finish()?;
        }
    }
    Ok(out.flush()?)
}

/// Renders a whole iterator of rows (for small results already in memory).
pub fn render_all<'a, R, W, I>(format: Format, out: W, terminal: Option<u16>, rows: I) -> Result<()>
where
    R: Record + 'a,
    W: Write,
    I: IntoIterator<Item = &'a R>,
{
    let mut renderer = Renderer::new::<R>(format, out, terminal)?;
    for row in rows {
        renderer.write(row)?;
    }
    renderer.finish()
}

/// The text of each column of a row, for formats that lay out cells themselves.
fn cells<R: Serialize>(row: &R, columns: &[String]) -> Result<Vec<String>> {
    let value = serde_json::to_value(row).context("serializing a row")?;
    let serde_json::Value::Object(map) = value else {
        anyhow::bail!("a record must serialize as an object");
    };
    Ok(columns
        .iter()
        .map(|c| map.get(c).map(cell).unwrap_or_default())
        .collect())
}

/// The text of one cell: strings as they are, null as nothing, numbers in their shortest
/// exact form.
fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A row of run-time columns as one JSON object, keys in column order (a `serde_json::Map`
/// would sort them).
struct Ordered<'a>(&'a [String], &'a [serde_json::Value]);

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Keeps a broken pipe recognisable as an io::Error so main can exit quietly.
fn csv_error(err: csv::Error) -> anyhow::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => anyhow::anyhow!("writing csv: {other:?}"),
    }
}

/// True when an error chain bottoms out in a closed pipe (`community member list | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                .is_some_and(|k| k == io::ErrorKind::BrokenPipe)
    })
}

/// Asserts in tests that a record's declared columns match what it serializes.
#[cfg(test)]
pub fn assert_columns<R: Record>(sample: &R) {
    let value = serde_json::to_value(sample).expect("serializes");
    let keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut declared: Vec<&str> = R::COLUMNS.to_vec();
    let mut found = keys.clone();
    declared.sort_unstable();
    found.sort_unstable();
    assert_eq!(declared, found, "COLUMNS must list every serialized field");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        id: i64,
        name: String,
        note: Option<String>,
    }

    impl Record for Row {
        const COLUMNS: &'static [&'static str] = &["id", "name", "note"];
    }

    fn render(format: Format, rows: &[Row]) -> String {
        let mut out = Vec::new();
        render_all(format, &mut out, None, rows).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn sample() -> Vec<Row> {
        vec![
            Row {
                id: 1,
                name: "李雷, \"Lei\"".into(),
                note: None,
            },
            Row {
                id: 2,
                name: "Ann".into(),
                note: Some("x\ty".into()),
            },
        ]
    }

    #[test]
    fn csv_quotes_commas_and_quotes_and_keeps_nulls_empty() {
        assert_eq!(
            render(Format::Csv, &sample()),
            "id,name,note\n1,\"李雷, \"\"Lei\"\"\",\n2,Ann,x\ty\n"
        );
    }

    #[test]
    fn tsv_quotes_fields_holding_tabs() {
        assert_eq!(
            render(Format::Tsv, &sample()),
            "id\tname\tnote\n1\t\"李雷, \"\"Lei\"\"\"\t\n2\tAnn\t\"x\ty\"\n"
        );
    }

    #[test]
    fn empty_results_still_have_a_header_or_an_empty_array() {
        assert_eq!(render(Format::Csv, &[]), "id,name,note\n");
        assert_eq!(render(Format::Json, &[]), "[]\n");
        assert_eq!(render(Format::Jsonl, &[]), "");
    }

    #[test]
    fn json_is_an_array_of_objects_with_nulls() {
        let parsed: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &sample())).unwrap();
        assert_eq!(parsed[0]["name"], "李雷, \"Lei\"");
        assert!(parsed[0]["note"].is_null());
        assert_eq!(parsed[1]["id"], 2);
    }

    #[test]
    fn jsonl_is_one_object_per_line() {
        let text = render(Format::Jsonl, &sample());
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }

    #[test]
    fn table_has_header_and_every_cell() {
        let text = render(Format::Table, &sample());
        assert!(text.contains("name"));
        assert!(text.contains("Ann"));
    }

    #[test]
    fn terminal_output_has_control_characters_replaced() {
        let rows = [Row {
            id: 1,
            name: "evil\x1b[31mred".into(),
            note: None,
        }];
        let mut out = Vec::new();
        render_all(Format::Csv, &mut out, Some(80), &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'), "{text:?}");
    }

    #[test]
    fn table_fits_the_terminal_width() {
        let rows: Vec<Row> = (0..3)
            .map(|i| Row {
                id: i,
                name: "a long name that goes on and on and on ".repeat(4),
                note: Some("note ".repeat(20)),
            })
            .collect();
        let mut out = Vec::new();
        render_all(Format::Table, &mut out, Some(60), &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "{line}");
        }
    }

    fn render_values(format: Format) -> String {
        let columns = vec!["month".to_string(), "r=5%".into(), "r=10%".into()];
        let mut out = Vec::new();
        let mut r = Renderer::with_columns(format, &mut out, None, columns).unwrap();
        r.write_values(&[0.into(), 100.0.into(), 100.0.into()])
            .unwrap();
        r.write_values(&[1.into(), 105.0.into(), serde_json::Value::Null])
            .unwrap();
        r.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn run_time_columns_keep_their_order_in_every_format() {
        assert_eq!(
            render_values(Format::Csv),
            "month,r=5%,r=10%\n0,100.0,100.0\n1,105.0,\n"
        );
        assert_eq!(
            render_values(Format::Json),
            "[\n{\"month\":0,\"r=5%\":100.0,\"r=10%\":100.0},\n{\"month\":1,\"r=5%\":105.0,\"r=10%\":null}\n]\n"
        );
        assert_eq!(render_values(Format::Jsonl).lines().count(), 2);
        let table = render_values(Format::Table);
        assert!(table.lines().next().unwrap().contains("r=10%"), "{table}");
    }

    #[test]
    fn run_time_columns_refuse_a_wrong_row_length_and_duplicates() {
        let columns = vec!["a".to_string(), "b".into()];
        let mut out = Vec::new();
        let mut r = Renderer::with_columns(Format::Csv, &mut out, None, columns).unwrap();
        assert!(r.write_values(&[1.into()]).is_err());
        let dup = vec!["a".to_string(), "a".into()];
        assert!(Renderer::with_columns(Format::Csv, Vec::new(), None, dup).is_err());
    }

    #[test]
    fn formula_guard_defuses_spreadsheet_formulas_in_csv_only() {
        let rows = [Row {
            id: 1,
            name: "=HYPERLINK(\"http://x\")".into(),
            note: Some("@SUM(A1)".into()),
        }];
        let mut out = Vec::new();
        let mut r = Renderer::new::<Row>(Format::Csv, &mut out, None)
            .unwrap()
            .guard_formulas();
        r.write(&rows[0]).unwrap();
        r.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "id,name,note\n1,\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1)\n"
        );
        let mut out = Vec::new();
        let mut r = Renderer::new::<Row>(Format::Json, &mut out, None)
            .unwrap()
            .guard_formulas();
        r.write(&rows[0]).unwrap();
        r.finish().unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\"=HYPERLINK"));
    }

    #[test]
    fn ics_is_refused_for_lists() {
        let mut out = Vec::new();
        let err = render_all(Format::Ics, &mut out, None, &sample())
            .unwrap_err()
            .to_string();
        assert!(err.contains("plan export"), "{err}");
    }

    #[test]
    fn declared_columns_match_fields() {
        assert_columns(&sample()[0]);
    }
}
