//! `community member export` itself, so an export re-imports as it was (ids and stamps kept).

use super::{Preset, keep};
use crate::import::fields::Field;

pub const PRESET: Preset = Preset {
    name: "community",
    source: None,
    requires: &["id", "name", "joinedat", "createdat", "updatedat"],
    requires_one_of: &[],
    columns: &[
        ("id", Field::Id),
        ("joined_at", Field::Joined),
        ("created_at", Field::CreatedAt),
        ("updated_at", Field::UpdatedAt),
    ],
    naive_is_utc: false,
    unescape_formulas: false,
    finish: keep,
};
