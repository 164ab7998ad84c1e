//! The import reader and mapper on arbitrary bytes: CSV, TSV or JSONL (chosen by the first
//! byte), any preset the header suggests. Nothing may panic; every row error names a line.
#![no_main]

use chrono::NaiveDate;
use community::import::reader::{self, InputFormat, Rows};
use community::import::{Mapped, Mapper, presets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (name, format) = match selector % 4 {
        0 => ("fuzz.csv", Some(InputFormat::Csv)),
        1 => ("fuzz.tsv", Some(InputFormat::Tsv)),
        2 => ("fuzz.jsonl", Some(InputFormat::Jsonl)),
        _ => ("fuzz", None),
    };
    let encoding = if selector & 0x80 != 0 {
        reader::encoding("gbk").ok()
    } else {
        None
    };
    let Ok(mut rows) = Rows::from_reader(
        name.to_string(),
        Box::new(std::io::Cursor::new(body.to_vec())),
        Some(body.len() as u64),
        format,
        encoding,
    ) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
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
    while let Ok(Some(next)) = rows.next_row() {
        let Ok(row) = next else {
            continue;
        };
        assert!(row.line >= 1);
        if mapper.follow(rows.headers()).is_err() {
            return;
        }
        match mapper.map(&row) {
            Ok(Mapped::Member(draft)) => {
                assert_eq!(draft.line, row.line);
                assert!(draft.name.as_deref().is_some_and(|n| !n.is_empty()));
                assert!(
                    draft.email.is_some()
                        || draft.phone.is_some()
                        || draft.wechat.is_some()
                        || draft.source_id.is_some()
                );
            }
            Ok(Mapped::Skip(_)) => {}
            Err(error) => {
                assert_eq!(error.line, row.line);
                let _ = error.in_file(name);
            }
        }
    }
});
