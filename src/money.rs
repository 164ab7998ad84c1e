//! Money and currencies: integer minor units, parsing what people type and printing what people and machines read. Must not do I/O, SQL beyond `ToSql`/`FromSql`, terminal output, or floating-point arithmetic.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Everything that can go wrong turning text into a [`Currency`] or [`Money`].
///
/// Messages are shown to people as they are, so each one names the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "invalid currency {}: expected a 3-letter ISO 4217 code such as CNY, USD or EUR", crate::sanitize::quoted(.input)
    )]
    InvalidCurrency { input: String },

    #[error("invalid amount {}: {}", crate::sanitize::quoted(.input), decimals_rule(*.exponent, .code))]
    TooManyDecimals {
        input: String,
        code: String,
        exponent: u8,
    },

    #[error("invalid amount {}: negative amounts are not allowed here", crate::sanitize::quoted(.input))]
    Negative { input: String },

    #[error("invalid amount {}: too large; the largest {code} amount is {max}", crate::sanitize::quoted(.input))]
    TooLarge {
        input: String,
        code: String,
        max: String,
    },

    #[error(
        "invalid amount {}: thousands separators must split the whole part into groups of 3 digits, like 1,299.00", crate::sanitize::quoted(.input)
    )]
    MisplacedSeparator { input: String },

    #[error("invalid amount {}: amounts here are in {code}, not {other}", crate::sanitize::quoted(.input))]
    OtherCurrency {
        input: String,
        found: String,
        other: String,
        code: String,
    },

    #[error(
        "invalid amount {}: exponent notation is not accepted; write the digits out, like 1500", crate::sanitize::quoted(.input)
    )]
    ExponentNotation { input: String },

    #[error("invalid amount {}: {reason}", crate::sanitize::quoted(.input))]
    Malformed { input: String, reason: String },
}

fn decimals_rule(exponent: u8, code: &str) -> String {
    match exponent {
        0 => format!("{code} has no decimal places; write whole units, like 1299"),
        1 => format!("at most 1 decimal place for {code}"),
        n => format!("at most {n} decimal places for {code}"),
    }
}

const EXAMPLE: &str =
    "expected a number like 199, 199.50 or 1,299.00, optionally with the currency sign or code";

struct Known {
    code: &'static str,
    symbol: &'static str,
    exponent: u8,
    /// Other markers people write next to amounts of this currency. A marker may be listed
    /// under several currencies (`$`, `¥`); the first currency listing it is the one named
    /// when it is used with a currency that does not accept it.
    aliases: &'static [&'static str],
}

const KNOWN: &[Known] = &[
    Known {
        code: "CNY",
        symbol: "¥",
        exponent: 2,
        aliases: &["￥", "元", "RMB", "CN¥", "CN￥"],
    },
    Known {
        code: "USD",
        symbol: "$",
        exponent: 2,
        aliases: &["US$"],
    },
    Known {
        code: "EUR",
        symbol: "€",
        exponent: 2,
        aliases: &[],
    },
    Known {
        code: "GBP",
        symbol: "£",
        exponent: 2,
        aliases: &[],
    },
    // ¥ alone is printed for CNY (the home currency), so JPY gets the CLDR
    // disambiguated form; typed input with a bare ¥ or 円 is still read as yen.
    Known {
        code: "JPY",
        symbol: "JP¥",
        exponent: 0,
        aliases: &["¥", "￥", "円"],
    },
    Known {
        code: "HKD",
        symbol: "HK$",
        exponent: 2,
        aliases: &["$"],
    },
    Known {
        code: "TWD",
        symbol: "NT$",
        exponent: 2,
        aliases: &["$"],
    },
    Known {
        code: "SGD",
        symbol: "S$",
        exponent: 2,
        aliases: &["$"],
    },
    Known {
        code: "AUD",
        symbol: "A$",
        exponent: 2,
        aliases: &["$", "AU$"],
    },
    Known {
        code: "CAD",
        symbol: "CA$",
        exponent: 2,
        aliases: &["$", "C$"],
    },
    Known {
        code: "KRW",
        symbol: "₩",
        exponent: 0,
        aliases: &["￦", "원"],
    },
    Known {
        code: "CHF",
        symbol: "CHF",
        exponent: 2,
        aliases: &[],
    },
];

fn known(code: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.code.eq_ignore_ascii_case(code))
}

/// A currency: an ISO 4217 code (stored upper case), the symbol printed before amounts, and
/// the number of decimal places of its minor unit.
///
/// Rule: the code is 3 ASCII letters, any case. Codes in the built-in table (CNY, USD, EUR,
/// GBP, JPY, HKD, TWD, SGD, AUD, CAD, KRW, CHF) get their real symbol and exponent; any other
/// 3 letters are accepted with exponent 2 and the code itself as symbol. `RMB` is read as CNY.
/// A symbol that ends in a letter (`CHF`, unknown codes) is printed followed by a space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency {
    code: String,
    symbol: String,
    exponent: u8,
}

impl Currency {
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let trimmed = code.trim();
        // People in China say RMB far more often than CNY; taking it as an unknown currency
        // called "RMB" would silently print the wrong symbol everywhere.
        let lookup = if trimmed.eq_ignore_ascii_case("RMB") {
            "CNY"
        } else {
            trimmed
        };
        if let Some(k) = known(lookup) {
            return Ok(Currency {
                code: k.code.to_owned(),
                symbol: k.symbol.to_owned(),
                exponent: k.exponent,
            });
        }
        if trimmed.len() == 3 && trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            let upper = trimmed.to_ascii_uppercase();
            return Ok(Currency {
                symbol: upper.clone(),
                code: upper,
                exponent: 2,
            });
        }
        Err(MoneyError::InvalidCurrency {
            input: code.to_owned(),
        })
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn symbol(&self) -> &str {
        &self.symbol
    }

    /// Decimal places of the minor unit: 2 for CNY (fen), 0 for JPY.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Minor units per major unit, e.g. 100 for CNY.
    fn scale(&self) -> u64 {
        // Exponents come only from the table above (at most 2), so this never saturates.
        10u64
            .checked_pow(u32::from(self.exponent))
            .unwrap_or(u64::MAX)
    }

    fn prefix(&self) -> String {
        if self.symbol.ends_with(|c: char| c.is_ascii_alphabetic()) {
            format!("{} ", self.symbol)
        } else {
            self.symbol.clone()
        }
    }

    fn accepts_marker(&self, marker: &str) -> bool {
        marker.eq_ignore_ascii_case(&self.code)
            || marker.eq_ignore_ascii_case(&self.symbol)
            || known(&self.code)
                .is_some_and(|k| k.aliases.iter().any(|a| a.eq_ignore_ascii_case(marker)))
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency {
            code: "CNY".to_owned(),
            symbol: "¥".to_owned(),
            exponent: 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

impl ToSql for Currency {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.code.as_str()))
    }
}

impl FromSql for Currency {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Currency::from_code(text).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// An amount in integer minor units of some currency (fen for CNY, cents for USD, yen for
/// JPY). The currency is not stored alongside: the whole database uses one currency, and the
/// caller passes it when parsing or printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Whole major units (yuan, dollars) to money; `None` if it does not fit.
    pub fn checked_from_major(major: i64, cur: &Currency) -> Option<Money> {
        let scale = i64::try_from(cur.scale()).ok()?;
        major.checked_mul(scale).map(Money)
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn checked_add(self, rhs: Money) -> Option<Money> {
        self.0.checked_add(rhs.0).map(Money)
    }

    pub fn checked_sub(self, rhs: Money) -> Option<Money> {
        self.0.checked_sub(rhs.0).map(Money)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    pub fn checked_abs(self) -> Option<Money> {
        self.0.checked_abs().map(Money)
    }

    /// Price times a count (seats, months).
    pub fn checked_mul(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }

    /// Total of many amounts; `None` as soon as a partial sum overflows.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    /// Parses a non-negative amount as a person types it for `cur`.
    ///
    /// Accepts `199`, `199.5`, `199.00`, `1,299.00`, the currency's symbol or code before or
    /// after the number (`¥199`, `$1,299.00`, `CNY 199`, `199 CNY`, `199元`, `￥199`), a
    /// leading `+`, and surrounding whitespace. Refuses more decimals than the currency has
    /// (even trailing zeros: `199.000` is as likely to be a European `199000` as a typo),
    /// thousands separators not in groups of 3, another currency's sign or code, exponent
    /// notation, NaN/inf, negatives, and amounts whose minor units do not fit in i64.
    pub fn parse(s: &str, cur: &Currency) -> Result<Money, MoneyError> {
        parse_amount(s, cur, false)
    }

    /// Like [`Money::parse`] but also accepts a leading `-` (before or after the currency
    /// sign, as in `-¥5.00` or `¥-5.00`), for refunds and adjustments.
    pub fn parse_signed(s: &str, cur: &Currency) -> Result<Money, MoneyError> {
        parse_amount(s, cur, true)
    }

    /// For people: `¥1,299.00`, `-¥5.00`, `JP¥1,299`, `CHF 12.50`.
    pub fn display(self, cur: &Currency) -> String {
        let (whole, frac) = self.split(cur);
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}{}{frac}", cur.prefix(), group_thousands(whole))
    }

    /// For machines (CSV, JSON): `1299.00`, `-5.00`, `1299` for JPY. No symbol, no
    /// separators, always exactly `exponent` decimals.
    pub fn to_decimal(self, cur: &Currency) -> String {
        let (whole, frac) = self.split(cur);
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{whole}{frac}")
    }

    /// Magnitude split into whole units and the `.ff` fraction text (empty when the currency
    /// has no minor unit). Works on the unsigned magnitude so i64::MIN prints correctly.
    fn split(self, cur: &Currency) -> (u64, String) {
        let magnitude = self.0.unsigned_abs();
        let scale = cur.scale();
        let whole = magnitude / scale;
        let frac = if cur.exponent == 0 {
            String::new()
        } else {
            format!(
                ".{:0width$}",
                magnitude % scale,
                width = usize::from(cur.exponent)
            )
        };
        (whole, frac)
    }
}

impl ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Money {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_i64().map(Money)
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let first = match digits.len() % 3 {
        0 => 3.min(digits.len()),
        r => r,
    };
    let (head, mut rest) = digits.split_at(first);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    out.push_str(head);
    // What remains is a whole number of 3-digit ASCII groups.
    while let (Some(group), Some(tail)) = (rest.get(..3), rest.get(3..)) {
        out.push(',');
        out.push_str(group);
        rest = tail;
    }
    out
}

fn sign_of(c: char) -> Option<bool> {
    match c {
        '+' => Some(false),
        // U+2212 MINUS SIGN and the full-width hyphen turn up in text pasted from documents.
        '-' | '−' | '－' => Some(true),
        _ => None,
    }
}

/// Splits a leading sign off `s`; `Some(true)` means negative.
fn take_sign(s: &str) -> (Option<bool>, &str) {
    match s.chars().next().and_then(sign_of) {
        Some(neg) => {
            let rest = s.chars().next().map_or(s, |c| &s[c.len_utf8()..]);
            (Some(neg), rest)
        }
        None => (None, s),
    }
}

fn parse_amount(input: &str, cur: &Currency, allow_negative: bool) -> Result<Money, MoneyError> {
    let malformed = |reason: String| MoneyError::Malformed {
        input: input.to_owned(),
        reason,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(malformed(format!("the amount is empty; {EXAMPLE}")));
    }

    let (outer_sign, s) = take_sign(s);
    let start = s
        .find(|c: char| c.is_ascii_digit() || c == '.' || c == ',' || sign_of(c).is_some())
        .unwrap_or(s.len());
    let prefix = s[..start].trim();
    let (inner_sign, rest) = take_sign(&s[start..]);
    if outer_sign.is_some() && inner_sign.is_some() {
        return Err(malformed(format!("more than one sign; {EXAMPLE}")));
    }
    let negative = outer_sign.or(inner_sign).unwrap_or(false);

    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let number = &rest[..end];
    let suffix = rest[end..].trim();

    if !number.bytes().any(|b| b.is_ascii_digit()) {
        return Err(malformed(EXAMPLE.to_owned()));
    }
    if suffix.starts_with(['e', 'E']) {
        return Err(MoneyError::ExponentNotation {
            input: input.to_owned(),
        });
    }
    for marker in [prefix, suffix] {
        check_marker(marker, input, cur)?;
    }

    let magnitude = parse_magnitude(number, input, cur)?;
    if negative && !allow_negative {
        return Err(MoneyError::Negative {
            input: input.to_owned(),
        });
    }
    let too_large = || MoneyError::TooLarge {
        input: input.to_owned(),
        code: cur.code.clone(),
        max: Money(i64::MAX).display(cur),
    };
    // i128 so that the magnitude of i64::MIN, which has no positive i64, still converts.
    let magnitude = i128::try_from(magnitude).map_err(|_| too_large())?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).map(Money).map_err(|_| too_large())
}

fn check_marker(marker: &str, input: &str, cur: &Currency) -> Result<(), MoneyError> {
    if marker.is_empty() || cur.accepts_marker(marker) {
        return Ok(());
    }
    let other = KNOWN
        .iter()
        .find(|k| {
            k.code.eq_ignore_ascii_case(marker)
                || k.symbol.eq_ignore_ascii_case(marker)
                || k.aliases.iter().any(|a| a.eq_ignore_ascii_case(marker))
        })
        .map(|k| k.code.to_owned())
        .or_else(|| {
            (marker.len() == 3 && marker.bytes().all(|b| b.is_ascii_alphabetic()))
                .then(|| marker.to_ascii_uppercase())
        });
    match other {
        Some(other) => Err(MoneyError::OtherCurrency {
            input: input.to_owned(),
            found: marker.to_owned(),
            other,
            code: cur.code.clone(),
        }),
        None => Err(MoneyError::Malformed {
            input: input.to_owned(),
            reason: format!("unexpected {marker:?}; {EXAMPLE}"),
        }),
    }
}

/// Digits, optional thousands separators and an optional fraction, to minor units.
fn parse_magnitude(number: &str, input: &str, cur: &Currency) -> Result<u128, MoneyError> {
    let malformed = |reason: &str| MoneyError::Malformed {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    let misplaced = || MoneyError::MisplacedSeparator {
        input: input.to_owned(),
    };
    let too_large = || MoneyError::TooLarge {
        input: input.to_owned(),
        code: cur.code.clone(),
        max: Money(i64::MAX).display(cur),
    };

    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (number, None),
    };
    if let Some(f) = frac {
        if f.contains('.') {
            return Err(malformed("more than one decimal point"));
        }
        if f.contains(',') {
            return Err(misplaced());
        }
        if f.is_empty() {
            return Err(malformed(
                "a decimal point needs digits after it, like 199.50",
            ));
        }
    }
    if whole.is_empty() {
        return Err(malformed(
            "a decimal point needs a digit before it, like 0.50",
        ));
    }
    if whole.contains(',') {
        let mut groups = whole.split(',');
        let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first_ok || !groups.all(|g| g.len() == 3) {
            return Err(misplaced());
        }
    }

    let exponent = usize::from(cur.exponent);
    let frac = frac.unwrap_or("");
    if frac.len() > exponent {
        return Err(MoneyError::TooManyDecimals {
            input: input.to_owned(),
            code: cur.code.clone(),
            exponent: cur.exponent,
        });
    }

    let mut acc: u128 = 0;
    let padded = frac
        .bytes()
        .chain(std::iter::repeat_n(b'0', exponent - frac.len()));
    for b in whole.bytes().filter(|b| *b != b',').chain(padded) {
        acc = acc
            .checked_mul(10)
            .and_then(|a| a.checked_add(u128::from(b - b'0')))
            .ok_or_else(too_large)?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny() -> Currency {
        Currency::from_code("CNY").unwrap()
    }

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn fen(s: &str) -> Result<i64, MoneyError> {
        Money::parse(s, &cny()).map(Money::minor)
    }

    #[test]
    fn currency_table_has_symbols_and_exponents() {
        let c = cur("cny");
        assert_eq!((c.code(), c.symbol(), c.exponent()), ("CNY", "¥", 2));
        let j = cur("JPY");
        assert_eq!((j.code(), j.symbol(), j.exponent()), ("JPY", "JP¥", 0));
        let k = cur("krw");
        assert_eq!((k.symbol(), k.exponent()), ("₩", 0));
        assert_eq!(cur("HKD").symbol(), "HK$");
        assert_eq!(cur("CHF").symbol(), "CHF");
    }

    #[test]
    fn unknown_three_letter_code_is_accepted_with_two_decimals() {
        let c = cur(" thb ");
        assert_eq!((c.code(), c.symbol(), c.exponent()), ("THB", "THB", 2));
        assert_eq!(Money::from_minor(150).display(&c), "THB 1.50");
    }

    #[test]
    fn rmb_means_cny() {
        assert_eq!(cur("rmb"), cny());
    }

    #[test]
    fn bad_currency_codes_are_rejected_with_the_value() {
        for bad in ["", "CN", "CNYY", "C1Y", "¥", "人民币"] {
            let err = Currency::from_code(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        assert_eq!(
            Currency::from_code("US").unwrap_err().to_string(),
            "invalid currency \"US\": expected a 3-letter ISO 4217 code such as CNY, USD or EUR"
        );
    }

    #[test]
    fn currency_defaults_to_cny_and_displays_its_code() {
        assert_eq!(Currency::default(), cny());
        assert_eq!(cur("usd").to_string(), "USD");
        assert_eq!("eur".parse::<Currency>().unwrap(), cur("EUR"));
    }

    #[test]
    fn currency_serde_uses_the_code() {
        #[derive(Deserialize, Serialize)]
        struct Config {
            currency: Currency,
        }
        let c: Config = serde_json::from_str(r#"{"currency":"usd"}"#).unwrap();
        assert_eq!(c.currency, cur("USD"));
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"currency":"USD"}"#);
        let err = serde_json::from_str::<Config>(r#"{"currency":"dollars"}"#)
            .err()
            .unwrap();
        assert!(err.to_string().contains("invalid currency \"dollars\""));
    }

    #[test]
    fn parse_accepts_plain_numbers() {
        assert_eq!(fen("199"), Ok(19900));
        assert_eq!(fen("199.5"), Ok(19950));
        assert_eq!(fen("199.00"), Ok(19900));
        assert_eq!(fen("0.01"), Ok(1));
        assert_eq!(fen("0"), Ok(0));
        assert_eq!(fen("  199  "), Ok(19900));
        assert_eq!(fen("+199"), Ok(19900));
    }

    #[test]
    fn parse_accepts_symbols_codes_and_separators() {
        assert_eq!(fen("¥199"), Ok(19900));
        assert_eq!(fen("￥199"), Ok(19900));
        assert_eq!(fen("1,299.00"), Ok(129900));
        assert_eq!(fen("CNY 199"), Ok(19900));
        assert_eq!(fen("cny199"), Ok(19900));
        assert_eq!(fen("199 CNY"), Ok(19900));
        assert_eq!(fen("199元"), Ok(19900));
        assert_eq!(fen("¥1,234,567.89"), Ok(123456789));
        assert_eq!(
            Money::parse("$1,299.00", &cur("USD")).unwrap().minor(),
            129900
        );
        assert_eq!(Money::parse("HK$5", &cur("HKD")).unwrap().minor(), 500);
        assert_eq!(Money::parse("$5", &cur("HKD")).unwrap().minor(), 500);
        assert_eq!(Money::parse("¥1,299", &cur("JPY")).unwrap().minor(), 1299);
        assert_eq!(Money::parse("1299円", &cur("JPY")).unwrap().minor(), 1299);
    }

    #[test]
    fn parse_rejects_empty_and_garbage() {
        for bad in [
            "", "   ", "abc", "¥", ".", "NaN", "inf", "-inf", "Infinity", "1 2",
        ] {
            assert!(
                matches!(fen(bad), Err(MoneyError::Malformed { .. })),
                "{bad}: {:?}",
                fen(bad)
            );
        }
    }

    #[test]
    fn parse_rejects_too_many_decimals_even_zeros() {
        assert_eq!(
            Money::parse("12.345", &cny()).unwrap_err().to_string(),
            "invalid amount \"12.345\": at most 2 decimal places for CNY"
        );
        assert!(matches!(
            fen("199.000"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        let err = Money::parse("1299.5", &cur("JPY")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid amount \"1299.5\": JPY has no decimal places; write whole units, like 1299"
        );
    }

    #[test]
    fn parse_rejects_misplaced_separators() {
        for bad in [
            "1,29.00", ",299", "1,,299", "1299,", "1,2990", "1234,567", "1.5,0",
        ] {
            assert!(
                matches!(fen(bad), Err(MoneyError::MisplacedSeparator { .. })),
                "{bad}: {:?}",
                fen(bad)
            );
        }
    }

    #[test]
    fn parse_rejects_incomplete_decimals() {
        for bad in ["1.", ".5", "1.2.3", "¥.50"] {
            assert!(
                matches!(fen(bad), Err(MoneyError::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn parse_rejects_other_currencies() {
        let err = fen("$5").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid amount \"$5\": amounts here are in CNY, not USD"
        );
        assert!(matches!(
            fen("5 USD"),
            Err(MoneyError::OtherCurrency { .. })
        ));
        assert!(matches!(fen("€5"), Err(MoneyError::OtherCurrency { .. })));
        assert!(matches!(fen("JP¥5"), Err(MoneyError::OtherCurrency { .. })));
        assert!(matches!(
            fen("THB 5"),
            Err(MoneyError::OtherCurrency { .. })
        ));
        assert!(matches!(
            Money::parse("¥5", &cur("USD")),
            Err(MoneyError::OtherCurrency { .. })
        ));
    }

    #[test]
    fn parse_rejects_exponent_notation() {
        for bad in ["1e5", "1E5", "1.5e+3", "2e-2"] {
            assert!(
                matches!(fen(bad), Err(MoneyError::ExponentNotation { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn parse_rejects_negatives_but_parse_signed_accepts_them() {
        for s in ["-5", "-¥5.00", "¥-5", "−5"] {
            let err = fen(s).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("invalid amount {s:?}: negative amounts are not allowed here")
            );
            assert_eq!(Money::parse_signed(s, &cny()).unwrap().minor(), -500);
        }
        assert_eq!(Money::parse_signed("+5", &cny()).unwrap().minor(), 500);
        assert!(Money::parse_signed("--5", &cny()).is_err());
        assert!(Money::parse_signed("-¥-5", &cny()).is_err());
    }

    #[test]
    fn parse_rejects_overflow_as_too_large() {
        assert_eq!(fen("92233720368547758.07"), Ok(i64::MAX));
        assert_eq!(
            fen("92233720368547758.08").unwrap_err().to_string(),
            "invalid amount \"92233720368547758.08\": too large; the largest CNY amount is ¥92,233,720,368,547,758.07"
        );
        assert!(matches!(
            fen("99999999999999999999999999999999999999999999999"),
            Err(MoneyError::TooLarge { .. })
        ));
        assert_eq!(
            Money::parse_signed("-92233720368547758.08", &cny()),
            Ok(Money::from_minor(i64::MIN))
        );
        assert!(Money::parse_signed("-92233720368547758.09", &cny()).is_err());
    }

    #[test]
    fn display_groups_thousands_and_shows_sign_before_symbol() {
        let c = cny();
        assert_eq!(Money::from_minor(129900).display(&c), "¥1,299.00");
        assert_eq!(Money::from_minor(-500).display(&c), "-¥5.00");
        assert_eq!(Money::from_minor(5).display(&c), "¥0.05");
        assert_eq!(Money::ZERO.display(&c), "¥0.00");
        assert_eq!(Money::from_minor(100000000).display(&c), "¥1,000,000.00");
        assert_eq!(Money::from_minor(1299).display(&cur("JPY")), "JP¥1,299");
        assert_eq!(Money::from_minor(1250).display(&cur("CHF")), "CHF 12.50");
    }

    #[test]
    fn to_decimal_has_no_symbol_or_separators() {
        let c = cny();
        assert_eq!(Money::from_minor(129900).to_decimal(&c), "1299.00");
        assert_eq!(Money::from_minor(-500).to_decimal(&c), "-5.00");
        assert_eq!(Money::from_minor(7).to_decimal(&c), "0.07");
        assert_eq!(Money::from_minor(1299).to_decimal(&cur("JPY")), "1299");
    }

    #[test]
    fn i64_min_formats_and_parses_back() {
        let m = Money::from_minor(i64::MIN);
        let c = cny();
        assert_eq!(m.to_decimal(&c), "-92233720368547758.08");
        assert_eq!(m.display(&c), "-¥92,233,720,368,547,758.08");
        assert_eq!(Money::parse_signed(&m.display(&c), &c), Ok(m));
        assert_eq!(m.checked_neg(), None);
        assert_eq!(m.checked_abs(), None);
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        let a = Money::from_minor(150);
        assert_eq!(a.checked_add(a), Some(Money::from_minor(300)));
        assert_eq!(a.checked_sub(a), Some(Money::ZERO));
        assert_eq!(a.checked_neg(), Some(Money::from_minor(-150)));
        assert_eq!(a.checked_mul(12), Some(Money::from_minor(1800)));
        assert_eq!(Money::from_minor(i64::MAX).checked_add(a), None);
        assert_eq!(Money::from_minor(i64::MIN).checked_sub(a), None);
        assert_eq!(Money::from_minor(i64::MAX).checked_mul(2), None);
        assert_eq!(
            Money::checked_sum([a, a, Money::from_minor(-100)]),
            Some(Money::from_minor(200))
        );
        assert_eq!(Money::checked_sum([Money::from_minor(i64::MAX), a]), None);
        assert_eq!(Money::checked_sum(Vec::new()), Some(Money::ZERO));
        assert_eq!(
            Money::checked_from_major(199, &cny()),
            Some(Money::from_minor(19900))
        );
        assert_eq!(Money::checked_from_major(i64::MAX, &cny()), None);
        assert!(Money::from_minor(-1) < Money::ZERO);
        assert_eq!(Money::default(), Money::ZERO);
    }

    #[test]
    fn money_and_currency_round_trip_through_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (amount INTEGER NOT NULL, cur TEXT NOT NULL)")
            .unwrap();
        let m = Money::from_minor(-12345);
        conn.execute("INSERT INTO t VALUES (?1, ?2)", (m, cur("USD")))
            .unwrap();
        let (back, c): (Money, Currency) = conn
            .query_row("SELECT amount, cur FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((back, c), (m, cur("USD")));
        let text: rusqlite::Result<Money> = conn.query_row("SELECT '12.00'", [], |r| r.get(0));
        assert!(text.is_err());
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(vec![
            "CNY", "USD", "EUR", "GBP", "JPY", "HKD", "TWD", "SGD", "AUD", "CAD", "KRW", "CHF",
            "THB",
        ])
        .prop_map(cur)
    }

    proptest! {
        #[test]
        fn to_decimal_round_trips(minor in any::<i64>(), c in any_currency()) {
            let m = Money::from_minor(minor);
            prop_assert_eq!(Money::parse_signed(&m.to_decimal(&c), &c), Ok(m));
        }

        #[test]
        fn display_round_trips(minor in any::<i64>(), c in any_currency()) {
            let m = Money::from_minor(minor);
            prop_assert_eq!(Money::parse_signed(&m.display(&c), &c), Ok(m));
        }

        #[test]
        fn unsigned_parse_round_trips_non_negative(minor in 0..=i64::MAX, c in any_currency()) {
            let m = Money::from_minor(minor);
            prop_assert_eq!(Money::parse(&m.display(&c), &c), Ok(m));
            prop_assert_eq!(Money::parse(&m.to_decimal(&c), &c), Ok(m));
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(s in any::<String>(), c in any_currency()) {
            let _ = Money::parse(&s, &c);
            let _ = Money::parse_signed(&s, &c);
            let _ = Currency::from_code(&s);
        }

        #[test]
        fn parse_never_panics_on_amount_like_text(
            s in "[-+−¥￥$元,. 0-9eEa-zA-Z]{0,40}",
            c in any_currency(),
        ) {
            if let Ok(m) = Money::parse_signed(&s, &c) {
                // Anything accepted must print back to something that parses to the same value.
                prop_assert_eq!(Money::parse_signed(&m.to_decimal(&c), &c), Ok(m));
            }
            let _ = Money::parse(&s, &c);
        }
    }
}
