//! `community summary`: the figures of the one-screen overview, and how they are laid out as
//! text (at most 100 columns and 40 lines) or flattened to `metric,value` rows. Pure: the
//! command gathers the values; nothing here reads a database or a terminal.

use serde::Serialize;
use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use crate::chart::sparkline;
use crate::dates::YearMonth;

/// Everything `summary` shows; serialized as is for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub community: String,
    pub today: String,
    pub members: Members,
    pub this_month: ThisMonth,
    pub mrr: Mrr,
    /// The last 12 months, oldest first, this month last.
    pub history: History,
    pub expiring: Expiring,
    pub week: Week,
}

#[derive(Debug, Clone, Serialize)]
pub struct Members {
    pub total: u64,
    pub with_access: u64,
    pub paying: u64,
    /// Every status, in the README's order, with its count now.
    pub by_status: Vec<StatusCount>,
    pub by_tier: Vec<TierCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub status: &'static str,
    pub members: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierCount {
    pub tier: String,
    pub members: u64,
    pub with_access: u64,
    pub paying: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThisMonth {
    pub month: YearMonth,
    pub new: u64,
    pub churned: u64,
    pub net: i64,
    pub active_start: u64,
    pub active_now: u64,
    pub growth_pct: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mrr {
    /// Decimal strings, as every report prints money.
    pub this_month: String,
    pub last_month: String,
    pub change_pct: Option<String>,
    /// `this_month` with the currency's symbol and separators, for people.
    pub display: String,
    pub last_display: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub months: Vec<YearMonth>,
    pub active_end: Vec<u64>,
    pub new: Vec<u64>,
    pub churned: Vec<u64>,
    /// MRR per month in minor units (exact integers; `mrr` has the decimal strings).
    pub mrr_minor: Vec<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expiring {
    pub within: String,
    pub until: String,
    pub count: u64,
    pub first: Vec<ExpiringMember>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiringMember {
    pub member_id: i64,
    pub name: String,
    pub tier: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Week {
    pub from: String,
    pub until: String,
    pub slots: Vec<WeekSlot>,
    pub gaps: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeekSlot {
    pub slot_id: i64,
    /// `YYYY-MM-DDTHH:MM` in the community's timezone.
    pub local_start: String,
    pub weekday: String,
    pub kind: String,
    pub topic: Option<String>,
    pub content_id: Option<i64>,
    pub title: Option<String>,
}

/// How many expiring members and slots the text shows at most (the json has the same).
pub const SHOW_EXPIRING: u64 = 5;
pub const SHOW_SLOTS: usize = 10;

/// Cuts text to `width` terminal columns (CJK characters take two), marking a cut with `…`.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn signed_pct(pct: &Option<String>) -> String {
    match pct {
        Some(p) if p.starts_with('-') => format!("{p}%"),
        Some(p) => format!("+{p}%"),
        None => "n/a".into(),
    }
}

fn spark(values: &[u64]) -> String {
    sparkline(&values.iter().map(|&v| v as f64).collect::<Vec<_>>())
}

/// The summary as lines of text for a terminal: at most 100 columns and 40 lines.
pub fn render_text(s: &Summary) -> String {
    let mut lines: Vec<String> = Vec::new();
    lines.push(fit(&format!("{} · {}", s.community, s.today), 100));
    lines.push(String::new());
    let m = &s.members;
    lines.push(format!(
        "Members  {} total · {} with access · {} paying",
        thousands(m.total),
        thousands(m.with_access),
        thousands(m.paying)
    ));
    lines.push(fit(
        &format!(
            "  {}",
            m.by_status
                .iter()
                .map(|c| format!("{} {}", c.status, thousands(c.members)))
                .collect::<Vec<_>>()
                .join(" · ")
        ),
        100,
    ));
    lines.push(format!(
        "  {:<16} {:>11} {:>11} {:>11}",
        "tier", "members", "with access", "paying"
    ));
    let tiers = m.by_tier.len();
    for t in m.by_tier.iter().take(6) {
        lines.push(format!(
            "  {:<16} {:>11} {:>11} {:>11}",
            fit(&t.tier, 16),
            thousands(t.members),
            thousands(t.with_access),
            thousands(t.paying)
        ));
    }
    if tiers > 6 {
        lines.push(format!("  … and {} more tiers", tiers - 6));
    }
    lines.push(String::new());
    let t = &s.this_month;
    lines.push(format!(
        "This month ({})  new {} · churned {} · net {}{} · active {} ({} on {} at the start)",
        t.month,
        thousands(t.new),
        thousands(t.churned),
        if t.net >= 0 { "+" } else { "-" },
        thousands(t.net.unsigned_abs()),
        thousands(t.active_now),
        signed_pct(&t.growth_pct),
        thousands(t.active_start),
    ));
    let h = &s.history;
    let (first, last) = (
        h.months
            .first()
            .map(ToString::to_string)
            .unwrap_or_default(),
        h.months.last().map(ToString::to_string).unwrap_or_default(),
    );
    lines.push(format!("  {first} .. {last}"));
    lines.push(format!("  active   {}", spark(&h.active_end)));
    lines.push(format!("  new      {}", spark(&h.new)));
    lines.push(format!("  churned  {}", spark(&h.churned)));
    let mrr: Vec<f64> = h.mrr_minor.iter().map(|&v| v as f64).collect();
    lines.push(format!("  mrr      {}", sparkline(&mrr)));
    lines.push(String::new());
    lines.push(format!(
        "MRR  {} ({} on last month's {})",
        s.mrr.display,
        signed_pct(&s.mrr.change_pct),
        s.mrr.last_display
    ));
    lines.push(String::new());
    let e = &s.expiring;
    lines.push(format!(
        "Expiring within {} (by {}): {}",
        e.within,
        e.until,
        thousands(e.count)
    ));
    for x in &e.first {
        lines.push(fit(
            &format!(
                "  {}  #{:<8} {} ({})",
                x.expires_at, x.member_id, x.name, x.tier
            ),
            100,
        ));
    }
    if e.count > e.first.len() as u64 {
        lines.push(format!(
            "  … `community member list --expiring-within {}` lists all",
            e.within
        ));
    }
    lines.push(String::new());
    let w = &s.week;
    lines.push(format!(
        "This week ({} to {}): {} slots, {} open",
        w.from,
        w.until,
        w.slots.len(),
        w.gaps
    ));
    for slot in w.slots.iter().take(SHOW_SLOTS) {
        let what = match (&slot.content_id, &slot.title) {
            (Some(id), Some(title)) => format!("#{id} {title}"),
            _ => "(open)".into(),
        };
        lines.push(fit(
            &format!(
                "  {} {}  {:<10} {:<12} {}",
                slot.weekday,
                slot.local_start.replace('T', " "),
                slot.kind,
                fit(slot.topic.as_deref().unwrap_or("-"), 12),
                what
            ),
            100,
        ));
    }
    if w.slots.len() > SHOW_SLOTS {
        lines.push(format!(
            "  … and {} more: `community plan show --week`",
            w.slots.len() - SHOW_SLOTS
        ));
    }
    lines.truncate(40);
    let mut text = lines
        .iter()
        .map(|line| fit(line, 100))
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// The summary as `metric,value` pairs (dotted paths, list items by index), for csv and tsv.
pub fn flatten(value: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        let join = |key: &str| {
            if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}.{key}")
            }
        };
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    walk(&join(key), v, out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(&join(&i.to_string()), v, out);
                }
            }
            other => out.push((prefix.to_string(), other.clone())),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(slots: usize, tiers: usize) -> Summary {
        let months: Vec<YearMonth> = (1..=12).map(|m| YearMonth::new(2026, m).unwrap()).collect();
        Summary {
            community: "Rust 星球".repeat(20),
            today: "2026-11-23".into(),
            members: Members {
                total: 1_000_000,
                with_access: 900_000,
                paying: 700_000,
                by_status: [
                    "trial",
                    "active",
                    "paused",
                    "cancelled",
                    "expired",
                    "comped",
                ]
                .iter()
                .map(|s| StatusCount {
                    status: s,
                    members: 123_456,
                })
                .collect(),
                by_tier: (0..tiers)
                    .map(|i| TierCount {
                        tier: format!("a-very-long-tier-name-{i}"),
                        members: 999_999,
                        with_access: 1,
                        paying: 1,
                    })
                    .collect(),
            },
            this_month: ThisMonth {
                month: months[10],
                new: 1200,
                churned: 1500,
                net: -300,
                active_start: 900_300,
                active_now: 900_000,
                growth_pct: Some("-0.0".into()),
            },
            mrr: Mrr {
                this_month: "1234567.89".into(),
                last_month: "1200000.00".into(),
                change_pct: Some("2.9".into()),
                display: "¥1,234,567.89".into(),
                last_display: "¥1,200,000.00".into(),
            },
            history: History {
                months,
                active_end: (0..12).collect(),
                new: (0..12).collect(),
                churned: (0..12).rev().collect(),
                mrr_minor: (0..12).map(|i| i * 1000).collect(),
            },
            expiring: Expiring {
                within: "14d".into(),
                until: "2026-12-07".into(),
                count: 99,
                first: (0..5)
                    .map(|i| ExpiringMember {
                        member_id: i,
                        name: "名".repeat(80),
                        tier: "pro".into(),
                        expires_at: "2026-11-24".into(),
                    })
                    .collect(),
            },
            week: Week {
                from: "2026-11-23".into(),
                until: "2026-11-29".into(),
                slots: (0..slots as i64)
                    .map(|i| WeekSlot {
                        slot_id: i,
                        local_start: "2026-11-24T20:00".into(),
                        weekday: "Tue".into(),
                        kind: "article".into(),
                        topic: Some("编程技术".into()),
                        content_id: (i % 2 == 0).then_some(i),
                        title: (i % 2 == 0).then(|| "x".repeat(200)),
                    })
                    .collect(),
                gaps: 1,
            },
        }
    }

    #[test]
    fn the_text_fits_100_columns_and_40_lines_whatever_the_data() {
        for (slots, tiers) in [(0, 0), (3, 3), (40, 20)] {
            let text = render_text(&sample(slots, tiers));
            assert!(text.lines().count() <= 40, "{text}");
            for line in text.lines() {
                assert!(unicode_width::UnicodeWidthStr::width(line) <= 100, "{line}");
            }
        }
    }

    #[test]
    fn the_text_has_the_figures_and_sparklines() {
        let text = render_text(&sample(2, 2));
        assert!(text.contains("1,000,000 total"), "{text}");
        assert!(text.contains("net -300"), "{text}");
        assert!(text.contains("▁▂▃▃▄▅▅▆▇█") || text.contains('█'), "{text}");
        assert!(text.contains("¥1,234,567.89 (+2.9%"), "{text}");
        assert!(text.contains("2 slots, 1 open"), "{text}");
    }

    #[test]
    fn flatten_names_every_leaf_by_its_path() {
        let v = serde_json::json!({"a": {"b": 1, "c": [true, {"d": null}]}, "e": "x"});
        let flat = flatten(&v);
        let keys: Vec<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a.b", "a.c.0", "a.c.1.d", "e"]);
    }
}
