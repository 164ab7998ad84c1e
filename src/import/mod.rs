//! Batch import of members: read (CSV, TSV, JSONL, any encoding), bind the header to fields
//! (a platform preset, the generic aliases and `--map`), turn each row into a validated
//! [`Draft`], then apply drafts to the database in one transaction ([`apply`]).
//!
//! Reading and mapping are pure and streamed; only `apply` touches the database, through db/.

pub mod apply;
mod bulk;
pub mod content;
pub mod fields;
pub mod presets;
pub mod reader;
pub mod spent;
pub mod values;

use std::fmt;

use chrono::NaiveDate;

use crate::member::{self, Status};
use fields::{Binding, Field};
use presets::Preset;
use reader::RawRow;
use values::Clock;

/// What one row says about a member. `None` means the file does not say: an update leaves
/// that field as it is, and an empty cell never clears stored data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub line: u64,
    pub id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub wechat: Option<String>,
    pub source: Option<String>,
    pub source_id: Option<String>,
    /// The tier as the file names it; mapped to a configured tier by `apply`.
    pub tier: Option<String>,
    pub status: Option<Status>,
    pub joined_at: Option<NaiveDate>,
    pub expires_at: Option<NaiveDate>,
    pub left_at: Option<NaiveDate>,
    pub tags: Option<Vec<String>>,
    pub note: Option<String>,
    pub points: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// Why a row was rejected: the line, and where known the column and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    /// Reported in a summary (like unknown tiers with their row counts), not row by row.
    pub summarized: bool,
}

impl RowError {
    pub fn new(line: u64, reason: impl Into<String>) -> RowError {
        RowError {
            line,
            column: None,
            value: None,
            reason: reason.into(),
            summarized: false,
        }
    }

    pub fn at(line: u64, column: &str, value: &str, reason: impl Into<String>) -> RowError {
        RowError {
            line,
            column: Some(column.to_string()),
            value: Some(value.to_string()),
            reason: reason.into(),
            summarized: false,
        }
    }

    /// The error as a message naming the file: `members.csv:7: column "email", value "x": ...`.
    pub fn in_file(&self, file: &str) -> String {
        format!("{file}:{}", self.to_string().trim_start_matches("line "))
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}:", self.line)?;
        if let Some(column) = &self.column {
            write!(f, " column {column:?}")?;
        }
        if let Some(value) = &self.value {
            write!(f, " value {}", crate::sanitize::quoted(value))?;
        }
        if self.column.is_some() || self.value.is_some() {
            f.write_str(":")?;
        }
        write!(f, " {}", self.reason)
    }
}

/// The row errors of one import: every one counted, the first [`RowErrors::SHOWN`] kept to
/// list, so a file can be fixed in one go without a flood of text.
#[derive(Debug, Default)]
pub struct RowErrors {
    shown: Vec<RowError>,
    errors: u64,
    rows: u64,
    last_line: Option<u64>,
}

impl RowErrors {
    pub const SHOWN: usize = 20;

    /// Adds an error. Errors come in file order; a row may have several, one per bad value.
    pub fn push(&mut self, error: RowError) {
        self.errors += 1;
        if self.last_line != Some(error.line) {
            self.rows += 1;
            self.last_line = Some(error.line);
        }
        if self.shown.len() < Self::SHOWN {
            self.shown.push(error);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors == 0
    }

    /// The errors shown, one a line, each naming the file; then how many more there are.
    pub fn listing(&self, file: &str) -> String {
        let mut lines: Vec<String> = self.shown.iter().map(|e| e.in_file(file)).collect();
        let hidden = self.errors - self.shown.len() as u64;
        if hidden > 0 {
            lines.push(format!("... and {hidden} more"));
        }
        lines.join("\n")
    }

    /// Ok when there were none; else one error listing them that says nothing was imported.
    pub fn fail(&self, file: &str) -> anyhow::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        anyhow::bail!(
            "{}\n{file}: {} invalid row(s); nothing was imported",
            self.listing(file),
            self.rows
        )
    }
}

impl Extend<RowError> for RowErrors {
    fn extend<I: IntoIterator<Item = RowError>>(&mut self, errors: I) {
        for error in errors {
            self.push(error);
        }
    }
}

impl From<reader::ShapeError> for RowError {
    fn from(shape: reader::ShapeError) -> RowError {
        RowError::new(shape.line, shape.message)
    }
}

/// What mapping a row gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every row is a member: a box would be an allocation on the reading thread \
              and a free on the writing one for each"
)]
pub enum Mapped {
    Member(Draft),
    /// The preset says this row is not a member to import (e.g. a deletion request).
    Skip(String),
}

/// A preset's judgement of a row after its platform columns are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    /// Not a member to import, and why (e.g. a deletion request).
    Skip(String),
}

/// A preset's platform columns in one row, by the names the preset gave them.
#[derive(Debug, Default)]
pub struct Extras<'r> {
    items: Vec<(&'static str, &'r str, &'r str)>,
}

impl<'r> Extras<'r> {
    /// The non-empty value of a platform column.
    pub fn get(&self, name: &str) -> Option<&'r str> {
        self.items
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, v)| *v)
    }

    /// The column header a platform value came from, for error messages.
    pub fn header(&self, name: &str) -> &'r str {
        self.items
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or("", |(_, h, _)| *h)
    }
}

/// Everything a preset's `finish` may need besides the row.
pub struct RowContext<'a> {
    pub line: u64,
    pub today: NaiveDate,
    pub clock: Clock,
    pub extras: Extras<'a>,
}

impl RowContext<'_> {
    /// Parses a platform date column, naming it on error.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, RowError> {
        self.extras
            .get(name)
            .map(|v| {
                self.clock
                    .date(v)
                    .map_err(|e| RowError::at(self.line, self.extras.header(name), v, e))
            })
            .transpose()
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, RowError> {
        self.extras
            .get(name)
            .map(|v| {
                values::boolean(v)
                    .map_err(|e| RowError::at(self.line, self.extras.header(name), v, e))
            })
            .transpose()
    }
}

/// Turns raw rows into drafts for one file: its preset, binding and clock.
pub struct Mapper {
    pub preset: &'static Preset,
    binding: Binding,
    headers: Vec<String>,
    overrides: Vec<fields::MapOverride>,
    clock: Clock,
    today: NaiveDate,
}

impl Mapper {
    pub fn new(
        preset: &'static Preset,
        headers: &[String],
        overrides: &[fields::MapOverride],
        tz: chrono_tz::Tz,
        today: NaiveDate,
    ) -> Result<Mapper, fields::BindError> {
        Ok(Mapper {
            preset,
            binding: Binding::new(headers, overrides, preset.columns)?,
            headers: headers.to_vec(),
            overrides: overrides.to_vec(),
            clock: Clock {
                tz,
                naive_is_utc: preset.naive_is_utc,
            },
            today,
        })
    }

    /// Columns that feed nothing, to mention once.
    pub fn unused(&self) -> &[String] {
        &self.binding.unused
    }

    /// Re-binds when a JSONL file has grown its header.
    pub fn follow(&mut self, headers: &[String]) -> Result<(), fields::BindError> {
        if headers.len() != self.headers.len() {
            self.binding = Binding::new(headers, &self.overrides, self.preset.columns)?;
            self.headers = headers.to_vec();
        }
        Ok(())
    }

    /// Maps and validates one row.
    pub fn map(&self, row: &RawRow) -> Result<Mapped, RowError> {
        let line = row.line;
        let mut draft = Draft {
            line,
            ..Draft::default()
        };
        let mut extras = Extras::default();
        let (mut first, mut last) = (None, None);
        for (index, field) in self.binding.columns.iter().enumerate() {
            let (Some(field), Some(raw)) = (field, row.record.get(index)) else {
                continue;
            };
            let header = self.headers[index].as_str();
            let mut value = raw.trim();
            if self.preset.unescape_formulas
                && let Some(rest) = value.strip_prefix('\'')
                && rest.starts_with(['=', '+', '-', '@'])
            {
                value = rest;
            }
            // Spreadsheets fill blanks with placeholders; they mean "nothing here".
            let placeholder = member::is_placeholder(value);
            if value.is_empty() || (placeholder && !matches!(field, Field::Name | Field::Note)) {
                continue;
            }
            let err = |reason: String| RowError::at(line, header, raw, reason);
            let text = || Some(value.to_string());
            match field {
                Field::Id => draft.id = Some(values::id(value).map_err(err)?),
                Field::Name => {
                    draft.name = Some(member::name(value).map_err(|e| err(e.without_value()))?)
                }
                Field::FirstName => first = Some(value),
                Field::LastName => last = Some(value),
                Field::Email => {
                    draft.email = Some(member::email(value).map_err(|e| err(e.without_value()))?)
                }
                Field::Phone => {
                    draft.phone = Some(member::phone(value).map_err(|e| err(e.without_value()))?)
                }
                Field::Wechat => {
                    draft.wechat = Some(member::wechat(value).map_err(|e| err(e.without_value()))?)
                }
                Field::Tier => draft.tier = text(),
                Field::Status => draft.status = Some(values::status(value).map_err(err)?),
                Field::Joined => draft.joined_at = Some(self.clock.date(value).map_err(err)?),
                Field::Expires => draft.expires_at = Some(self.clock.date(value).map_err(err)?),
                Field::Left => draft.left_at = Some(self.clock.date(value).map_err(err)?),
                Field::Tags => draft.tags = Some(values::tags(value).map_err(err)?),
                Field::Note => draft.note = Some(raw.trim().to_string()),
                Field::Source => draft.source = text(),
                Field::SourceId => draft.source_id = text(),
                Field::Points => draft.points = Some(values::points(value).map_err(err)?),
                Field::CreatedAt => {
                    draft.created_at = Some(self.clock.timestamp(value).map_err(err)?)
                }
                Field::UpdatedAt => {
                    draft.updated_at = Some(self.clock.timestamp(value).map_err(err)?)
                }
                Field::Extra(name) => extras.items.push((name, header, value)),
            }
        }
        if draft.name.is_none() {
            draft.name = join_name(first, last);
        }
        let context = RowContext {
            line,
            today: self.today,
            clock: self.clock,
            extras,
        };
        if let Verdict::Skip(reason) = (self.preset.finish)(&mut draft, &context)? {
            return Ok(Mapped::Skip(reason));
        }
        self.check(&mut draft)?;
        Ok(Mapped::Member(draft))
    }

    /// Rules every row obeys whatever its preset.
    fn check(&self, draft: &mut Draft) -> Result<(), RowError> {
        let line = draft.line;
        if draft.source_id.is_some() && draft.source.is_none() {
            draft.source = Some(self.preset.source.unwrap_or("import").to_string());
        }
        if draft.source.is_none() {
            draft.source = self.preset.source.map(str::to_string);
        }
        if draft.email.is_none()
            && draft.phone.is_none()
            && draft.wechat.is_none()
            && draft.source_id.is_none()
        {
            return Err(RowError::new(
                line,
                "no email, phone, WeChat ID or platform id: nothing identifies this member",
            ));
        }
        if draft.name.is_none() {
            // Substack and Mailchimp often carry no name: a recognisable stand-in beats a reject.
            let stand_in = draft
                .email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .or(draft.wechat.as_deref())
                .or(draft.phone.as_deref())
                .or(draft.source_id.as_deref())
                .unwrap_or("member");
            draft.name = Some(stand_in.to_string());
        }
        let column = |field: Field| {
            self.binding
                .column(field)
                .map_or(field.name().to_string(), |i| self.headers[i].clone())
        };
        if let Some(joined) = draft.joined_at
            && joined > self.today
        {
            return Err(RowError::at(
                line,
                &column(Field::Joined),
                &joined.to_string(),
                "join date is in the future",
            ));
        }
        if let (Some(joined), Some(expires)) = (draft.joined_at, draft.expires_at)
            && expires < joined
        {
            return Err(RowError::at(
                line,
                &column(Field::Expires),
                &expires.to_string(),
                format!("expires before the member joined ({joined})"),
            ));
        }
        Ok(())
    }
}

/// First and last name as people write them: `Jane Doe`, but `徐敏` (family name first, no
/// space) when either part is Chinese, Japanese or Korean.
fn join_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let cjk = |s: &str| {
        s.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}'))
    };
    match (first, last) {
        (Some(f), Some(l)) if cjk(f) || cjk(l) => Some(format!("{l}{f}")),
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fuzz target `import_rows` (fuzz/) as a property test, so CI runs it on every
    /// change: any bytes, read as CSV, TSV or JSONL and mapped, give rows or errors, never a
    /// panic, and every error names the row's line.
    fn read_and_map(selector: u8, body: &[u8]) {
        let format = match selector % 4 {
            0 => Some(reader::InputFormat::Csv),
            1 => Some(reader::InputFormat::Tsv),
            2 => Some(reader::InputFormat::Jsonl),
            _ => None,
        };
        let encoding = (selector & 0x80 != 0).then(|| reader::encoding("gbk").unwrap());
        let Ok(mut rows) = reader::Rows::from_reader(
            "fuzz".into(),
            Box::new(std::io::Cursor::new(body.to_vec())),
            None,
            format,
            encoding,
        ) else {
            return;
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let preset = presets::detect(rows.headers());
        let Ok(mut mapper) = Mapper::new(
            preset,
            rows.headers(),
            &[],
            chrono_tz::Asia::Shanghai,
            today,
        ) else {
            return;
        };
        let mut last = 0;
        while let Ok(Some(next)) = rows.next_row() {
            let line = match &next {
                Ok(row) => row.line,
                Err(shape) => shape.line,
            };
            assert!(line > last, "line {line} after {last}");
            last = line;
            let Ok(row) = next else { continue };
            if mapper.follow(rows.headers()).is_err() {
                return;
            }
            match mapper.map(&row) {
                Ok(Mapped::Member(draft)) => {
                    assert_eq!(draft.line, line);
                    assert!(draft.name.as_deref().is_some_and(|n| !n.is_empty()));
                }
                Ok(Mapped::Skip(_)) => {}
                Err(error) => {
                    assert_eq!(error.line, line);
                    assert!(error.in_file("f").starts_with(&format!("f:{line}")));
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_bytes_read_and_map_without_panicking(
            selector in any::<u8>(),
            body in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            read_and_map(selector, &body);
        }

        #[test]
        fn file_like_text_reads_and_maps_without_panicking(
            selector in any::<u8>(),
            body in "(email|name|phone|tags|joined|expires|status|points|id|微信|[a-z@.,;\"\n\r\t{}\\[\\]: 0-9-])*",
        ) {
            read_and_map(selector, body.as_bytes());
        }
    }

    #[test]
    fn names_join_in_the_order_their_language_uses() {
        assert_eq!(
            join_name(Some("Jane"), Some("Doe, Jr.")).unwrap(),
            "Jane Doe, Jr."
        );
        assert_eq!(join_name(Some("敏"), Some("徐")).unwrap(), "徐敏");
        assert_eq!(join_name(None, Some("Doe")).unwrap(), "Doe");
        assert_eq!(join_name(None, None), None);
    }

    #[test]
    fn row_errors_name_line_column_and_value() {
        let e = RowError::at(7, "加入时间", "2026-02-30", "no such day");
        assert_eq!(
            e.to_string(),
            "line 7: column \"加入时间\" value \"2026-02-30\": no such day"
        );
        assert_eq!(
            e.in_file("a.csv"),
            "a.csv:7: column \"加入时间\" value \"2026-02-30\": no such day"
        );
        assert_eq!(RowError::new(3, "bad").in_file("a.csv"), "a.csv:3: bad");
    }

    #[test]
    fn row_errors_list_the_first_twenty_and_count_rows() {
        let mut errors = RowErrors::default();
        assert!(errors.fail("a.csv").is_ok());
        for line in 2..30 {
            errors.push(RowError::at(line, "amount", "x", "bad"));
            errors.push(RowError::at(line, "kind", "y", "bad"));
        }
        let listing = errors.listing("a.csv");
        assert_eq!(listing.lines().count(), RowErrors::SHOWN + 1);
        assert!(
            listing.starts_with("a.csv:2: column \"amount\" value \"x\": bad\n"),
            "{listing}"
        );
        assert!(listing.ends_with("\n... and 36 more"), "{listing}");
        let err = errors.fail("a.csv").unwrap_err().to_string();
        assert!(
            err.ends_with("\na.csv: 28 invalid row(s); nothing was imported"),
            "{err}"
        );
    }
}
