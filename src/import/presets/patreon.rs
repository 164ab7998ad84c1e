//! Patreon's members export (Relationship manager -> Export CSV), current and older headers.
//! `Patron Status` decides our status; access runs to `Access Expiration`, else the next charge.

use super::{Preset, Verdict};
use crate::import::fields::Field;
use crate::import::{Draft, RowContext, RowError};
use crate::member::Status;

pub const PRESET: Preset = Preset {
    name: "patreon",
    source: Some("patreon"),
    requires: &["patronstatus", "patronagesincedate", "userid"],
    requires_one_of: &[],
    columns: &[
        ("User ID", Field::SourceId),
        ("Patronage Since Date", Field::Joined),
        ("Patron Status", Field::Extra("status")),
        ("Free Trial", Field::Extra("trial")),
        ("Free Member", Field::Extra("free")),
        ("Access Expiration", Field::Extra("access")),
        ("Next Charge Date", Field::Extra("next_charge")),
        ("Last Charge Date", Field::Extra("last_charge")),
        ("Last Charge Status", Field::Extra("last_charge_status")),
        ("Discord", Field::Extra("discord")),
        ("Additional Details", Field::Note),
    ],
    naive_is_utc: true,
    unescape_formulas: false,
    finish,
};

fn finish(draft: &mut Draft, cx: &RowContext<'_>) -> Result<Verdict, RowError> {
    let access = match cx.date("access")? {
        Some(date) => Some(date),
        None => cx.date("next_charge")?,
    };
    draft.expires_at = access;
    if let Some(discord) = cx.extras.get("discord") {
        let note = draft.note.take().unwrap_or_default();
        draft.note = Some(format!(
            "discord: {discord}{}{note}",
            if note.is_empty() { "" } else { "\n" }
        ));
    }
    let status = cx.extras.get("status").unwrap_or("");
    draft.status = Some(match status.to_lowercase().as_str() {
        "active patron" if cx.flag("trial")?.unwrap_or(false) => Status::Trial,
        "active patron" => Status::Active,
        // Payment failed: Patreon holds access until it is paid.
        "declined patron" => Status::Paused,
        // A former patron keeps what they paid for; past that, they have left.
        "former patron" if access.is_some_and(|a| a >= cx.today) => Status::Cancelled,
        "former patron" => {
            if draft.left_at.is_none() {
                draft.left_at = cx.date("last_charge")?;
            }
            Status::Expired
        }
        // Followers and free members have no patron status.
        "" | "follower" => {
            draft.tier = None;
            Status::Active
        }
        _ => {
            return Err(RowError::at(
                cx.line,
                cx.extras.header("status"),
                status,
                "unknown Patron Status: expected Active patron, Declined patron or Former patron",
            ));
        }
    });
    if matches!(cx.extras.get("last_charge_status"), Some(s) if s.eq_ignore_ascii_case("refunded") || s.eq_ignore_ascii_case("fraud"))
    {
        draft
            .tags
            .get_or_insert_with(Vec::new)
            .push("refunded".into());
    }
    Ok(Verdict::Keep)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{drafts, map_fixture};
    use crate::member::Status;

    #[test]
    fn patreon_statuses_map_to_ours_and_former_patrons_keep_paid_access() {
        let (preset, rows) = map_fixture("patreon.csv");
        assert_eq!(preset, "patreon");
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
        let members = drafts(&rows);
        let liu = members[0];
        assert_eq!(liu.source_id.as_deref(), Some("70000001"));
        assert_eq!(liu.status, Some(Status::Active));
        assert_eq!(liu.tier.as_deref(), Some("Supporter"));
        assert_eq!(liu.phone.as_deref(), Some("+8613800000001"));
        assert!(
            liu.note
                .as_deref()
                .unwrap()
                .starts_with("discord: liuyang#1024")
        );
        assert_eq!(members[1].name.as_deref(), Some("Liu, Yang"));
        let statuses: Vec<Status> = members.iter().filter_map(|m| m.status).collect();
        assert!(statuses.contains(&Status::Paused));
        assert!(statuses.contains(&Status::Expired));
    }
}
