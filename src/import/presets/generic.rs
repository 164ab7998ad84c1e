//! Any spreadsheet: columns are found by the generic English and Chinese aliases (and `--map`).

use super::{Preset, keep};

pub const PRESET: Preset = Preset {
    name: "generic",
    source: None,
    requires: &[],
    requires_one_of: &[],
    columns: &[],
    naive_is_utc: false,
    unescape_formulas: false,
    finish: keep,
};
