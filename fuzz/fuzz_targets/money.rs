//! Money parsing on arbitrary text in several currencies: nothing panics, and every accepted
//! amount prints back to text that parses to the same amount.
#![no_main]

use community::money::{Currency, Money};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Currency::from_code(text);
    for code in ["CNY", "USD", "JPY", "KRW", "EUR"] {
        let Ok(currency) = Currency::from_code(code) else {
            continue;
        };
        if let Ok(m) = Money::parse(text, &currency) {
            assert!(m.minor() >= 0, "{text:?} parsed as unsigned gave {m:?}");
            assert_eq!(Money::parse(&m.to_decimal(&currency), &currency), Ok(m));
        }
        if let Ok(m) = Money::parse_signed(text, &currency) {
            assert_eq!(Money::parse_signed(&m.display(&currency), &currency), Ok(m));
            assert_eq!(
                Money::parse_signed(&m.to_decimal(&currency), &currency),
                Ok(m)
            );
        }
    }
});
