//! Ghost's members export (Ghost 4.x and 5.x): no status column, so status is derived from
//! `deleted_at`, `complimentary_plan` and `gift_id`; `tiers` (or `products`) name the tier;
//! labels are tags. Ghost writes `'=...` for cells that look like formulas; that `'` is undone.

use super::{Preset, Verdict};
use crate::import::fields::Field;
use crate::import::{Draft, RowContext, RowError};
use crate::member::Status;

pub const PRESET: Preset = Preset {
    name: "ghost",
    source: Some("ghost"),
    requires: &["id", "email", "complimentaryplan"],
    requires_one_of: &[],
    columns: &[
        ("id", Field::SourceId),
        ("note", Field::Note),
        ("subscribed_to_emails", Field::Extra("subscribed")),
        ("complimentary_plan", Field::Extra("complimentary")),
        ("stripe_customer_id", Field::Extra("stripe")),
        ("created_at", Field::Joined),
        ("deleted_at", Field::Left),
        ("labels", Field::Tags),
        ("tiers", Field::Tier),
        ("products", Field::Tier),
        ("gift_id", Field::Extra("gift")),
    ],
    naive_is_utc: true,
    unescape_formulas: true,
    finish,
};

fn finish(draft: &mut Draft, cx: &RowContext<'_>) -> Result<Verdict, RowError> {
    let comped = cx.flag("complimentary")?.unwrap_or(false) || cx.extras.get("gift").is_some();
    draft.status = Some(if draft.left_at.is_some() {
        Status::Expired
    } else if comped {
        Status::Comped
    } else {
        Status::Active
    });
    Ok(Verdict::Keep)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{drafts, map_fixture};
    use crate::member::Status;

    #[test]
    fn ghost_rows_become_members_with_labels_and_derived_status() {
        let (preset, rows) = map_fixture("ghost.csv");
        assert_eq!(preset, "ghost");
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
        let members = drafts(&rows);
        let zhang = members[0];
        assert_eq!(zhang.email.as_deref(), Some("zhang.wei@example.com"));
        assert_eq!(zhang.source.as_deref(), Some("ghost"));
        assert_eq!(zhang.source_id.as_deref(), Some("6351f0c4a1b2c3d4e5f60001"));
        assert_eq!(
            zhang.tags.as_deref(),
            Some(&["VIP".to_string(), "早鸟".to_string()][..])
        );
        assert_eq!(zhang.tier.as_deref(), Some("Pro"));
        assert_eq!(zhang.status, Some(Status::Active));
        assert_eq!(zhang.joined_at.unwrap().to_string(), "2022-10-18");
        assert_eq!(members[1].name.as_deref(), Some("Chen, Alice"));
        assert!(members.iter().any(|m| m.status == Some(Status::Comped)));
    }
}
