//! Every date, time, span, month and week parser on arbitrary text: nothing panics, and an
//! accepted date prints back (ISO 8601) to the same date.
#![no_main]

use chrono::NaiveDate;
use community::dates;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let zones = [
        chrono_tz::Asia::Shanghai,
        chrono_tz::America::New_York,
        chrono_tz::Pacific::Apia,
    ];
    for today in [
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date"),
        NaiveDate::MIN,
        NaiveDate::MAX,
    ] {
        if let Ok(date) = dates::parse_date(text, today) {
            let iso = date.format("%Y-%m-%d").to_string();
            if (0..=9999).contains(&chrono::Datelike::year(&date)) {
                assert_eq!(dates::parse_date(&iso, today), Ok(date), "{text:?}");
            }
        }
    }
    for tz in zones {
        let _ = dates::parse_date_loose(text, tz);
        if let Ok(t) = dates::parse_datetime_loose(text, tz) {
            let stored = dates::format_timestamp(t);
            if let Ok(back) = dates::parse_timestamp(&stored) {
                assert_eq!(dates::format_timestamp(back), stored);
            }
        }
    }
    if let Ok(span) = text.parse::<dates::Span>() {
        assert_eq!(span.to_string().parse::<dates::Span>(), Ok(span));
    }
    if let Ok(month) = dates::parse_month(text) {
        assert_eq!(dates::parse_month(&month.to_string()), Ok(month));
    }
    let _ = dates::parse_iso_week(text);
    let _ = dates::parse_timezone(text);
    if let Ok(t) = dates::parse_timestamp(text) {
        assert_eq!(dates::parse_timestamp(&dates::format_timestamp(t)), Ok(t));
    }
});
