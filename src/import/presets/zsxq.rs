//! 知识星球 member lists. No real export header has been published; this follows the column
//! names third-party tools read (用户ID/星球编号, 昵称, 微信号, 加入时间, 到期时间, 状态), in
//! Beijing time. Members have no email there: identity is the 星球 user id.

use super::{Preset, Verdict};
use crate::import::fields::Field;
use crate::import::{Draft, RowContext, RowError};
use crate::member::Status;

pub const PRESET: Preset = Preset {
    name: "zsxq",
    source: Some("zsxq"),
    requires: &["加入时间", "到期时间"],
    requires_one_of: &["用户id", "星球编号"],
    columns: &[
        ("用户ID", Field::SourceId),
        ("星球编号", Field::Extra("number")),
        ("状态", Field::Extra("status")),
        ("期数", Field::Extra("term")),
    ],
    naive_is_utc: false,
    unescape_formulas: false,
    finish,
};

fn finish(draft: &mut Draft, cx: &RowContext<'_>) -> Result<Verdict, RowError> {
    if draft.source_id.is_none() {
        draft.source_id = cx.extras.get("number").map(str::to_string);
    }
    if let Some(term) = cx.extras.get("term") {
        let tag = if term.chars().all(|c| c.is_ascii_digit()) {
            format!("第{term}期")
        } else {
            term.to_string()
        };
        draft.tags.get_or_insert_with(Vec::new).push(tag);
    }
    let still_paid = draft.expires_at.is_some_and(|e| e >= cx.today);
    let status = cx.extras.get("status").unwrap_or("");
    draft.status = Some(match status {
        "" | "正常" | "有效" => Status::Active,
        "体验中" | "试用" => Status::Trial,
        "已过期" => Status::Expired,
        "已退出" if still_paid => Status::Cancelled,
        "已退出" => Status::Expired,
        _ => {
            return Err(RowError::at(
                cx.line,
                cx.extras.header("status"),
                status,
                "unknown 状态: expected 正常, 体验中, 已过期 or 已退出",
            ));
        }
    });
    Ok(Verdict::Keep)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{drafts, map_fixture};
    use crate::member::Status;

    #[test]
    fn zsxq_members_are_known_by_their_star_id_and_wechat() {
        let (preset, rows) = map_fixture("zsxq.csv");
        assert_eq!(preset, "zsxq");
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
        let members = drafts(&rows);
        let wang = members[0];
        assert_eq!(wang.source.as_deref(), Some("zsxq"));
        assert_eq!(wang.source_id.as_deref(), Some("418855284112818"));
        assert_eq!(wang.wechat.as_deref(), Some("wangfang_88"));
        assert_eq!(wang.status, Some(Status::Expired));
        assert_eq!(wang.email, None);
        assert_eq!(members[1].note.as_deref(), Some("老朋友，\n第二年续费"));
    }
}
