//! community.toml: its schema, discovery and validation.
//!
//! Pure apart from reading the file: no SQL, no terminal. Unknown keys and bad values are
//! errors that name the key and the line, because a typo in a price must never pass silently.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};
use thiserror::Error;
use toml::Spanned;

use crate::money::{Currency, Money};
use crate::plan::{Plan, PlanConfig, PlanError};

/// The annotated example, written by `community init` and used when there is no config.
pub const EXAMPLE: &str = include_str!("../community.example.toml");

/// The file name looked for in the current folder and its parents.
pub const FILE_NAME: &str = "community.toml";

/// A config error that names the file, line and key.
#[derive(Debug, Error)]
#[error("{path}:{line}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub community: Community,
    #[serde(default)]
    pub audience: Audience,
    #[serde(default)]
    pub members: Members,
    #[serde(rename = "tier", default)]
    pub tiers: Vec<Tier>,
    #[serde(default)]
    pub points: Points,
    /// Content cadence as written: `[plan]` and its `[[plan.rule]]` tables.
    #[serde(default)]
    pub plan: PlanConfig,
    /// `plan`, validated by `Config::parse`: what `community plan` generates from.
    #[serde(skip)]
    pub cadence: Plan,
}

/// Who the community is for and why it exists (positioning), plus locale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Community {
    pub name: String,
    #[serde(default)]
    pub core_value: String,
    #[serde(default)]
    pub target_audience: String,
    #[serde(default)]
    pub differentiation: String,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub admins: Vec<String>,
    #[serde(default)]
    pub currency: Currency,
    #[serde(default = "default_timezone", deserialize_with = "timezone")]
    pub timezone: Tz,
    /// Database path, relative to the config file's folder.
    #[serde(default = "default_database")]
    pub database: PathBuf,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// What members care about; the planner rotates content topics through these.
    #[serde(default)]
    pub interests: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Members {
    /// Tier for new members when none is given (default: the first tier).
    pub default_tier: Option<Spanned<String>>,
}

/// A paid (or free) level of membership.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: Spanned<String>,
    /// Price per period, in the community's currency: `199`, `"199.00"`, `"¥199"`.
    #[serde(deserialize_with = "price_text")]
    pub price: Spanned<String>,
    #[serde(default)]
    pub period: Period,
    #[serde(default)]
    pub description: String,
    /// Parsed from `price` by `validate`.
    #[serde(skip)]
    pub price_minor: Money,
}

impl Tier {
    pub fn name(&self) -> &str {
        self.name.get_ref()
    }

    pub fn is_paid(&self) -> bool {
        self.price_minor > Money::ZERO
    }
}

/// How long one payment of a tier's price lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Month,
    Quarter,
    #[default]
    Year,
    /// Paid once, never expires.
    Lifetime,
}

impl Period {
    /// Months one payment covers; `None` for lifetime.
    pub fn months(self) -> Option<u32> {
        match self {
            Period::Month => Some(1),
            Period::Quarter => Some(3),
            Period::Year => Some(12),
            Period::Lifetime => None,
        }
    }
}

/// The incentive system: named point grants a creator uses often.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Points {
    /// Rule name to points, e.g. `best_answer = 20`; `member points X --rule best_answer`.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, i64>,
}

fn default_timezone() -> Tz {
    chrono_tz::Asia::Shanghai
}

fn default_database() -> PathBuf {
    PathBuf::from("community.db")
}

fn timezone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown timezone {name:?}: use an IANA name such as \"Asia/Shanghai\" or \"Europe/Berlin\""
        ))
    })
}

/// Accepts `price = 199`, `price = 19.9` or `price = "¥199"` as text for `Money::parse`.
fn price_text<'de, D: Deserializer<'de>>(d: D) -> Result<Spanned<String>, D::Error> {
    let raw = Spanned::<toml::Value>::deserialize(d)?;
    let span = raw.span();
    let text = match raw.into_inner() {
        toml::Value::Integer(i) => i.to_string(),
        // f64's Display is the shortest text that reads back the same, so `19.9` stays `19.9`.
        toml::Value::Float(f) => f.to_string(),
        toml::Value::String(t) => t,
        other => {
            return Err(serde::de::Error::custom(format!(
                "price: expected a number like 199 or 19.9, or text like \"¥199\"; found {} {other}",
                other.type_str()
            )));
        }
    };
    Ok(Spanned::new(span, text))
}

impl Config {
    /// Parses and validates config text; `path` only labels errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let label = path.display().to_string();
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s));
            ConfigError {
                path: label.clone(),
                line,
                message: e.message().to_string(),
            }
        })?;
        config.validate(text, &label)?;
        Ok(config)
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        Config::parse(&text, path)
    }

    fn validate(&mut self, text: &str, label: &str) -> Result<(), ConfigError> {
        let error = |span: Range<usize>, message: String| ConfigError {
            path: label.to_string(),
            line: line_of(text, span),
            message,
        };
        if self.community.name.trim().is_empty() {
            return Err(ConfigError {
                path: label.to_string(),
                line: 0,
                message: "[community] name must not be empty".into(),
            });
        }
        if self.tiers.is_empty() {
            return Err(ConfigError {
                path: label.to_string(),
                line: 0,
                message: "at least one [[tier]] is needed, e.g. name = \"free\", price = 0".into(),
            });
        }
        let currency = self.community.currency.clone();
        let mut seen = std::collections::HashSet::new();
        for tier in &mut self.tiers {
            let name = tier.name.get_ref();
            if !is_tier_name(name) {
                return Err(error(
                    tier.name.span(),
                    format!(
                        "tier name {name:?}: use letters, digits, '-' or '_' (it is typed on the command line)"
                    ),
                ));
            }
            if !seen.insert(name.to_lowercase()) {
                return Err(error(
                    tier.name.span(),
                    format!("tier {name:?} is defined twice"),
                ));
            }
            tier.price_minor = Money::parse(tier.price.get_ref(), &currency)
                .map_err(|e| error(tier.price.span(), format!("price of tier {name:?}: {e}")))?;
        }
        if let Some(default) = &self.members.default_tier
            && self.tier(default.get_ref()).is_none()
        {
            return Err(error(
                default.span(),
                format!(
                    "default_tier {:?} is not a tier; tiers are: {}",
                    default.get_ref(),
                    self.tier_names().join(", ")
                ),
            ));
        }
        for (rule, points) in &self.points.rules {
            if *points == 0 {
                return Err(ConfigError {
                    path: label.to_string(),
                    line: 0,
                    message: format!("[points.rules] {rule} = 0 grants nothing"),
                });
            }
        }
        self.cadence = self.plan.validate().map_err(|err| ConfigError {
            path: label.to_string(),
            line: plan_error_line(&self.plan, &err, text),
            message: err.to_string(),
        })?;
        Ok(())
    }

    /// The tier with this name, compared case-insensitively.
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.tiers
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }

    pub fn tier_names(&self) -> Vec<&str> {
        self.tiers.iter().map(Tier::name).collect()
    }

    /// The tier new members get when none is named.
    pub fn default_tier(&self) -> &Tier {
        self.members
            .default_tier
            .as_ref()
            .and_then(|name| self.tier(name.get_ref()))
            .unwrap_or(&self.tiers[0])
    }

    /// The tiers whose price is above zero (the ones whose members pay).
    pub fn paid_tiers(&self) -> Vec<&str> {
        self.tiers
            .iter()
            .filter(|t| t.is_paid())
            .map(Tier::name)
            .collect()
    }
}

fn is_tier_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// The line of the `[[plan.rule]]` header of the first rule a plan error names (rules are
/// named by their quoted name, or `rule #N` when the name itself is at fault), else of `[plan]`;
/// 0 when neither header is written out (an inline table).
fn plan_error_line(plan: &PlanConfig, err: &PlanError, text: &str) -> usize {
    let header_line = |header: &str, nth: usize| {
        let mut offset = 0;
        let mut seen = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_start().starts_with(header) {
                if seen == nth {
                    return line_of(text, offset..offset);
                }
                seen += 1;
            }
            offset += line.len();
        }
        0
    };
    let PlanError::Config(errors) = err else {
        return header_line("[plan]", 0);
    };
    let index = errors.iter().find_map(|e| {
        let rule = e.rule.as_deref()?;
        plan.rules.iter().enumerate().find_map(|(i, r)| {
            (format!("{:?}", r.name) == rule || format!("rule #{}", i + 1) == rule).then_some(i)
        })
    });
    match index {
        Some(i) => header_line("[[plan.rule]]", i),
        None => header_line("[plan]", 0),
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, span: Range<usize>) -> usize {
    let end = span.start.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Finds community.toml in `start` or the nearest parent folder, as cargo finds Cargo.toml.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// The example config with the community's name filled in, for `init`.
pub fn example_with_name(name: &str) -> String {
    let quoted = toml::Value::String(name.to_string()).to_string();
    EXAMPLE.replacen("name = \"My Community\"", &format!("name = {quoted}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The fuzz target `config` (fuzz/) as a property test: arbitrary text, and the example
        // with a slice replaced by arbitrary text, are accepted or refused, never a panic.
        #[test]
        fn any_text_parses_or_is_refused(text in any::<String>()) {
            let _ = Config::parse(&text, Path::new("x.toml")).map_err(|e| format!("{e:#}"));
        }

        #[test]
        fn a_damaged_example_parses_or_is_refused_with_a_line(
            at in 0usize..EXAMPLE.len(),
            len in 0usize..40,
            with in "[a-z0-9=\"\\[\\]., \n#-]{0,20}",
        ) {
            let start = (0..=at).rev().find(|i| EXAMPLE.is_char_boundary(*i)).unwrap_or(0);
            let end = (start + len..=EXAMPLE.len()).find(|i| EXAMPLE.is_char_boundary(*i)).unwrap_or(EXAMPLE.len());
            let text = format!("{}{with}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
            if let Err(e) = Config::parse(&text, Path::new("x.toml")) {
                prop_assert!(format!("{e:#}").starts_with("x.toml"), "{e:#}");
            }
        }
    }

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("community.toml"))
    }

    #[test]
    fn the_example_parses_with_three_tiers() {
        let config = parse(EXAMPLE).unwrap();
        assert_eq!(config.tier_names(), ["free", "basic", "pro"]);
        assert_eq!(config.community.currency.code(), "CNY");
        assert_eq!(config.community.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(config.default_tier().name(), "free");
        assert!(
            !config
                .tier("pro")
                .unwrap()
                .price_minor
                .minor()
                .is_negative()
        );
        assert_eq!(config.paid_tiers(), ["basic", "pro"]);
    }

    #[test]
    fn init_fills_in_the_name_with_quotes_escaped() {
        let text = example_with_name("Rust \"星球\"");
        let config = parse(&text).unwrap();
        assert_eq!(config.community.name, "Rust \"星球\"");
    }

    #[test]
    fn an_unknown_key_names_the_key_and_line() {
        let text = "[community]\nname = \"x\"\ncolour = \"red\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.starts_with("community.toml:3:"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn a_bad_price_names_the_tier_and_line() {
        let text = "[community]\nname = \"x\"\n\n[[tier]]\nname = \"pro\"\nprice = \"12.345\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.starts_with("community.toml:6:"), "{err}");
        assert!(err.contains("pro"), "{err}");
    }

    #[test]
    fn a_bad_timezone_is_refused_with_an_example() {
        let text = "[community]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n[[tier]]\nname = \"free\"\nprice = 0\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("community.toml:3:"), "{err}");
        assert!(err.contains("Asia/Shanghai"), "{err}");
    }

    #[test]
    fn a_wrong_type_is_an_error_not_a_default() {
        let text = "[community]\nname = 5\n";
        assert!(
            parse(text)
                .unwrap_err()
                .to_string()
                .contains("community.toml:2:")
        );
    }

    #[test]
    fn duplicate_tiers_and_unknown_default_tier_are_refused() {
        let dup = "[community]\nname = \"x\"\n[[tier]]\nname = \"pro\"\nprice = 1\n[[tier]]\nname = \"Pro\"\nprice = 2\n";
        assert!(
            parse(dup)
                .unwrap_err()
                .to_string()
                .contains("defined twice")
        );
        let default = "[community]\nname = \"x\"\n[members]\ndefault_tier = \"gold\"\n[[tier]]\nname = \"pro\"\nprice = 1\n";
        let err = parse(default).unwrap_err().to_string();
        assert!(
            err.contains("community.toml:4:") && err.contains("gold"),
            "{err}"
        );
    }

    #[test]
    fn prices_accept_integers_floats_and_text() {
        let text = "[community]\nname = \"x\"\n[[tier]]\nname = \"a\"\nprice = 199\n[[tier]]\nname = \"b\"\nprice = 19.9\n[[tier]]\nname = \"c\"\nprice = \"¥1,299.00\"\n";
        let config = parse(text).unwrap();
        let minor: Vec<i64> = config.tiers.iter().map(|t| t.price_minor.minor()).collect();
        assert_eq!(minor, [19_900, 1_990, 129_900]);
    }

    #[test]
    fn the_example_cadence_fills_two_months_sensibly() {
        let config = parse(EXAMPLE).unwrap();
        assert_eq!(config.plan, {
            #[derive(Deserialize)]
            struct File {
                plan: PlanConfig,
            }
            toml::from_str::<File>(include_str!("../examples/plan-section.toml"))
                .unwrap()
                .plan
        });
        let from = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let until = chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        let slots = config
            .cadence
            .generate(
                from,
                until,
                &Default::default(),
                config.community.timezone,
                &config.audience.interests,
            )
            .unwrap();
        let count = |kind: crate::plan::Kind| slots.iter().filter(|s| s.kind == kind).count();
        // Two articles a week, a weekly Q&A, a monthly live, one quarterly get-together.
        assert_eq!(count(crate::plan::Kind::Article), 18);
        assert_eq!(count(crate::plan::Kind::Qa), 9);
        assert_eq!(count(crate::plan::Kind::Live), 2);
        assert_eq!(count(crate::plan::Kind::Event), 1);
        assert!(slots.iter().all(|s| s.topic.is_some()));
    }

    #[test]
    fn a_bad_plan_rule_names_the_rule_the_key_and_its_line() {
        let text = format!(
            "{EXAMPLE}\n[[plan.rule]]\nname = \"late\"\nevery = \"week\"\non = [\"fri\"]\nat = \"25:00\"\nkind = \"podcast\"\n"
        );
        let header = text.lines().count() - 5;
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("community.toml:{header}:")),
            "{err}"
        );
        assert!(err.contains("\"late\": `at`: \"25:00\""), "{err}");
        assert!(
            err.contains("`kind`: unknown content kind \"podcast\""),
            "{err}"
        );
    }

    #[test]
    fn no_plan_section_means_no_rules() {
        let text = "[community]\nname = \"x\"\n[[tier]]\nname = \"free\"\nprice = 0\n";
        assert!(parse(text).unwrap().cadence.rules.is_empty());
    }

    #[test]
    fn discovery_walks_up_to_the_nearest_config() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(discover(&nested), None);
        std::fs::write(dir.path().join(FILE_NAME), EXAMPLE).unwrap();
        assert_eq!(discover(&nested), Some(dir.path().join(FILE_NAME)));
    }
}
