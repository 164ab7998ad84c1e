//! Sample members for `community init --demo`, placed around today so that every view has
//! something to show: new joiners, renewals due next week, lapsed and cancelled members.
//!
//! Deterministic (no randomness), so the README's tour prints the same on every machine.

use anyhow::Result;
use chrono::{Days, NaiveDate};
use rusqlite::Transaction;

use crate::config::Config;
use crate::db::members::{self, Fields};
use crate::db::payments::{self, NewPayment, Period};
use crate::member::Status;
use crate::revenue::Kind;

const NAMES: &[(&str, &str)] = &[
    ("李雷", "li.lei"),
    ("韩梅梅", "han.meimei"),
    ("王小明", "wang.xiaoming"),
    ("张伟", "zhang.wei"),
    ("刘洋", "liu.yang"),
    ("陈静", "chen.jing"),
    ("杨帆", "yang.fan"),
    ("赵磊", "zhao.lei"),
    ("黄晓燕", "huang.xiaoyan"),
    ("周杰", "zhou.jie"),
    ("吴敏", "wu.min"),
    ("徐鹏", "xu.peng"),
    ("孙丽", "sun.li"),
    ("马超", "ma.chao"),
    ("朱琳", "zhu.lin"),
    ("胡斌", "hu.bin"),
    ("郭婷", "guo.ting"),
    ("林峰", "lin.feng"),
    ("何静怡", "he.jingyi"),
    ("高翔", "gao.xiang"),
    ("Alice Chen", "alice.chen"),
    ("Bob O'Brien", "bob.obrien"),
    ("Carol Wang", "carol.wang"),
    ("David Kim", "david.kim"),
    ("Emma Liu", "emma.liu"),
    ("Frank Zhou", "frank.zhou"),
    ("Grace Lin", "grace.lin"),
    ("Henry Zhang", "henry.zhang"),
    ("Iris Huang", "iris.huang"),
    ("Jack Ma", "jack.ma"),
];

const SOURCES: &[&str] = &[
    "wechat",
    "weibo",
    "xiaohongshu",
    "bilibili",
    "zhihu",
    "referral",
];
const TAGS: &[&str] = &["rust", "ai", "career", "写作", "产品", "投资"];

/// Inserts the sample members and returns how many.
pub fn seed(tx: &Transaction<'_>, config: &Config, today: NaiveDate, now: &str) -> Result<usize> {
    let tiers = config.tier_names();
    for (i, (name, handle)) in NAMES.iter().enumerate() {
        let tier = tiers[(i * 7 + 3) % tiers.len()];
        let paid = config.tier(tier).is_some_and(|t| t.is_paid());
        // Spread joins over the last two years, most recent first.
        let joined = today - Days::new((i as u64 * 23 + 5) % 720);
        let expires = paid.then(|| match i % 6 {
            2 => today + Days::new(3 + i as u64 % 10), // due for renewal soon
            1 => today - Days::new(10 + i as u64),     // lapsed: reads as expired
            _ => today + Days::new(40 + i as u64 * 11),
        });
        let status = match i % 10 {
            4 => Status::Cancelled,
            7 => Status::Trial,
            9 => Status::Paused,
            _ if i == 12 => Status::Comped,
            _ => Status::Active,
        };
        let fields = Fields {
            name: (*name).to_string(),
            email: (i % 5 != 3).then(|| format!("{handle}@example.com")),
            phone: (i % 3 == 0).then(|| format!("1380013{:04}", 8000 + i)),
            wechat: (i % 5 == 3 || i % 4 == 1)
                .then(|| format!("wx_{}", handle.replace(['.', '\''], "_"))),
            source: Some(SOURCES[i % SOURCES.len()].to_string()),
            source_id: None,
            tier: tier.to_string(),
            status,
            joined_at: joined,
            expires_at: expires,
            left_at: (status == Status::Cancelled).then_some(today - Days::new(2)),
            note: (i % 8 == 0).then(|| "来自 2025 年线下分享会".to_string()),
        };
        let id = members::insert(tx, &fields, now)?;
        let tags: Vec<String> = (0..(i % 3 + 1))
            .map(|k| TAGS[(i + k * 2) % TAGS.len()].to_string())
            .collect();
        members::add_tags(tx, id, &tags, now)?;
        if i % 2 == 0 {
            members::add_points(tx, id, 10 + (i as i64 * 7) % 90, "weekly_post", now)?;
        }
        if i % 7 == 0 {
            members::add_points(tx, id, 20, "best_answer", now)?;
        }
        // Paid members paid for the period that ends at their expiry.
        if let (Some(tier), Some(expires)) = (config.tier(tier).filter(|t| t.is_paid()), expires)
            && status != Status::Comped
            && status != Status::Trial
            && let Some(months) = tier.period.months()
            && let Some(start) = crate::dates::sub_months(expires, months)
        {
            let paid_on = start.max(joined);
            payments::insert(
                tx,
                &NewPayment {
                    kind: Kind::Membership,
                    amount: tier.price_minor,
                    currency: config.community.currency.clone(),
                    paid_at: paid_on.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc(),
                    paid_on,
                    member_id: Some(id),
                    course_id: None,
                    period: Some(Period { start, months }),
                    reference: Some(format!("DEMO-{id:04}")),
                    refund_of: None,
                    note: None,
                },
                now,
            )?;
        }
    }
    Ok(NAMES.len())
}
