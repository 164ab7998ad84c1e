//! Mailchimp audience exports (subscribed, unsubscribed and cleaned files). Everyone is on the
//! default tier unless `--tier` says otherwise; unsubscribed and cleaned addresses have left.

use super::{Preset, Verdict};
use crate::import::fields::Field;
use crate::import::{Draft, RowContext, RowError, values};
use crate::member::Status;

pub const PRESET: Preset = Preset {
    name: "mailchimp",
    source: Some("mailchimp"),
    requires: &["emailaddress", "memberrating"],
    requires_one_of: &["leid", "euid", "optintime"],
    columns: &[
        ("Email Address", Field::Email),
        ("Phone Number", Field::Phone),
        ("CONFIRM_TIME", Field::Extra("confirm")),
        ("OPTIN_TIME", Field::Extra("optin")),
        ("EUID", Field::SourceId),
        ("LEID", Field::Extra("leid")),
        ("NOTES", Field::Note),
        ("TAGS", Field::Extra("tags")),
        ("UNSUB_TIME", Field::Extra("unsubscribed")),
        ("UNSUB_REASON", Field::Extra("unsubscribe_reason")),
        ("CLEAN_TIME", Field::Extra("cleaned")),
    ],
    naive_is_utc: true,
    unescape_formulas: false,
    finish,
};

fn finish(draft: &mut Draft, cx: &RowContext<'_>) -> Result<Verdict, RowError> {
    draft.joined_at = match cx.date("confirm")? {
        Some(date) => Some(date),
        None => cx.date("optin")?,
    };
    if draft.source_id.is_none() {
        draft.source_id = cx.extras.get("leid").map(str::to_string);
    }
    // TAGS holds quoted names: "VIP","早鸟".
    if let Some(raw) = cx.extras.get("tags") {
        let tags = values::tags(&raw.replace('"', ""))
            .map_err(|e| RowError::at(cx.line, cx.extras.header("tags"), raw, e))?;
        draft.tags = Some(tags);
    }
    let (unsubscribed, cleaned) = (cx.date("unsubscribed")?, cx.date("cleaned")?);
    draft.status = Some(Status::Active);
    for (date, tag) in [(unsubscribed, "unsubscribed"), (cleaned, "bounced")] {
        if let Some(date) = date {
            draft.status = Some(Status::Expired);
            draft.left_at = Some(date);
            draft
                .tags
                .get_or_insert_with(Vec::new)
                .push(tag.to_string());
        }
    }
    if let Some(reason) = cx.extras.get("unsubscribe_reason") {
        let note = draft.note.take().unwrap_or_default();
        draft.note = Some(format!(
            "{note}{}unsubscribed: {reason}",
            if note.is_empty() { "" } else { "\n" }
        ));
    }
    Ok(Verdict::Keep)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{drafts, map_fixture};
    use crate::member::Status;

    #[test]
    fn mailchimp_joins_names_and_reads_quoted_tags() {
        let (preset, rows) = map_fixture("mailchimp.csv");
        assert_eq!(preset, "mailchimp");
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
        let members = drafts(&rows);
        assert_eq!(
            members[0].name.as_deref(),
            Some("s1"),
            "no name: the email's local part"
        );
        assert_eq!(members[1].name.as_deref(), Some("徐敏"));
        assert_eq!(
            members[1].tags.as_deref(),
            Some(&["VIP".to_string(), "早鸟".to_string()][..])
        );
        assert_eq!(members[1].source_id.as_deref(), Some("b2c3d4e5f6"));
    }

    #[test]
    fn unsubscribed_and_cleaned_addresses_have_left() {
        for (file, tag) in [
            ("mailchimp-unsubscribed.csv", "unsubscribed"),
            ("mailchimp-cleaned.csv", "bounced"),
        ] {
            let (_, rows) = map_fixture(file);
            let members = drafts(&rows);
            assert!(!members.is_empty(), "{file}: {rows:?}");
            for m in members {
                assert_eq!(m.status, Some(Status::Expired), "{file}");
                assert!(m.left_at.is_some());
                assert!(m.tags.as_ref().unwrap().contains(&tag.to_string()));
            }
        }
    }
}
