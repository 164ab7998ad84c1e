//! Substack's subscriber list (`email_list.*.csv`) and its older paid-subscriber list. No name
//! and no id: the email is the member. Deletion requests are skipped, as Ghost's migrator does.

use super::{Preset, Verdict};
use crate::import::fields::Field;
use crate::import::{Draft, RowContext, RowError};
use crate::member::Status;

pub const PRESET: Preset = Preset {
    name: "substack",
    source: Some("substack"),
    requires: &["email", "emaildisabled"],
    requires_one_of: &["activesubscription", "type"],
    columns: &[
        ("active_subscription", Field::Extra("active")),
        ("expiry", Field::Extra("expiry")),
        ("plan", Field::Tier),
        ("type", Field::Extra("type")),
        ("email_disabled", Field::Extra("email_disabled")),
        ("created_at", Field::Joined),
        ("first_payment_at", Field::Extra("first_payment")),
        ("stripe_connected_customer_id", Field::Extra("stripe")),
    ],
    naive_is_utc: true,
    unescape_formulas: false,
    finish,
};

fn finish(draft: &mut Draft, cx: &RowContext<'_>) -> Result<Verdict, RowError> {
    if draft
        .email
        .as_deref()
        .is_some_and(|e| e.to_lowercase().ends_with("@deletion-request.substack.com"))
    {
        return Ok(Verdict::Skip(
            "a Substack deletion request, not a subscriber".into(),
        ));
    }
    if draft
        .tier
        .as_deref()
        .is_some_and(|t| matches!(t.to_lowercase().as_str(), "other" | "free" | "none"))
    {
        draft.tier = None;
    }
    let expiry = cx.date("expiry")?;
    // Substack gives comps an expiry a century away: that is "no expiry".
    let far = cx.today.checked_add_months(chrono::Months::new(600));
    draft.expires_at = expiry.filter(|e| far.is_none_or(|far| *e < far));
    let active = cx.flag("active")?;
    let kind = cx.extras.get("type").map(str::to_lowercase);
    draft.status = Some(match (kind.as_deref(), active) {
        (Some("comp" | "gift"), _) => Status::Comped,
        (Some("paid"), _) => Status::Active,
        (_, Some(true)) if draft.tier.is_none() => Status::Comped,
        (_, Some(true)) => Status::Active,
        (_, _) if cx.extras.get("first_payment").is_some() => {
            draft.left_at = draft.left_at.or(expiry);
            Status::Expired
        }
        _ => {
            draft.tier = None;
            Status::Active
        }
    });
    Ok(Verdict::Keep)
}

#[cfg(test)]
mod tests {
    use super::super::tests::map_fixture;
    use crate::import::Mapped;
    use crate::member::Status;

    #[test]
    fn substack_skips_deletion_requests_and_derives_status() {
        let (preset, rows) = map_fixture("substack.csv");
        assert_eq!(preset, "substack");
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
        assert!(
            rows.iter().any(|r| matches!(r, Ok(Mapped::Skip(_)))),
            "a deletion request is skipped"
        );
        let members = super::super::tests::drafts(&rows);
        assert_eq!(members[0].status, Some(Status::Active));
        assert_eq!(members[0].tier, None, "plan other is free");
        assert_eq!(members[1].email.as_deref(), Some("Mixed.Case@Example.com"));
        assert_eq!(members[1].tier.as_deref(), Some("monthly"));
    }
}
