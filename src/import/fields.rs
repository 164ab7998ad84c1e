//! Which column of a file feeds which member field: header normalisation, the generic English
//! and Chinese aliases, `--map SOURCE=FIELD` overrides, and the binding of a header to fields.
//!
//! Pure: header names in, a binding out. Platform-specific columns come from the presets.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A member field a column can feed, or a platform column a preset reads (`Extra`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Wechat,
    Tier,
    Status,
    Joined,
    Expires,
    Left,
    Tags,
    Note,
    Source,
    SourceId,
    Points,
    CreatedAt,
    UpdatedAt,
    /// A platform column only a preset understands (e.g. Patreon's "Patron Status").
    Extra(&'static str),
}

impl Field {
    /// Fields `--map` may name, with the name it takes.
    pub const MAPPABLE: [(&'static str, Field); 17] = [
        ("name", Field::Name),
        ("first_name", Field::FirstName),
        ("last_name", Field::LastName),
        ("email", Field::Email),
        ("phone", Field::Phone),
        ("wechat", Field::Wechat),
        ("tier", Field::Tier),
        ("status", Field::Status),
        ("joined_at", Field::Joined),
        ("expires_at", Field::Expires),
        ("left_at", Field::Left),
        ("tags", Field::Tags),
        ("note", Field::Note),
        ("source", Field::Source),
        ("source_id", Field::SourceId),
        ("points", Field::Points),
        ("id", Field::Id),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::CreatedAt => "created_at",
            Field::UpdatedAt => "updated_at",
            Field::Extra(name) => name,
            field => Field::MAPPABLE
                .iter()
                .find(|(_, f)| *f == field)
                .map_or("?", |(name, _)| name),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--map SOURCE=FIELD` that names no field.
#[derive(Debug, Error)]
#[error("--map {0:?}: expected SOURCE=FIELD, where FIELD is one of {fields} (or empty to ignore the column)", fields = Field::MAPPABLE.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
pub struct BadMap(pub String);

/// `--map 邮箱=email`: a column name and the field it feeds (`None`: ignore the column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapOverride {
    pub column: String,
    pub field: Option<Field>,
}

impl FromStr for MapOverride {
    type Err = BadMap;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (column, field) = s.rsplit_once('=').ok_or_else(|| BadMap(s.to_string()))?;
        if column.trim().is_empty() {
            return Err(BadMap(s.to_string()));
        }
        let wanted = normalize(field);
        let field = if wanted.is_empty() || wanted == "ignore" {
            None
        } else {
            let found = Field::MAPPABLE
                .iter()
                .find(|(name, _)| normalize(name) == wanted)
                .ok_or_else(|| BadMap(s.to_string()))?;
            Some(found.1)
        };
        Ok(MapOverride {
            column: column.to_string(),
            field,
        })
    }
}

/// Folds a header for matching: case, spaces, `_`, `-`, `*`, BOMs and full-width spaces do
/// not matter, so `Email Address`, `email_address` and ` E-mail address* ` all match.
pub fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '_' | '-' | '*' | '\u{feff}' | '\u{3000}' | '\t' | '.' | ':' | '：'
            )
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Generic aliases, English and Chinese, already normalised. A bare `id` is deliberately absent:
/// spreadsheets carry row numbers under that name.
const ALIASES: &[(&str, Field)] = &[
    ("email", Field::Email),
    ("emailaddress", Field::Email),
    ("mail", Field::Email),
    ("customeremail", Field::Email),
    ("邮箱", Field::Email),
    ("邮件", Field::Email),
    ("邮箱地址", Field::Email),
    ("电子邮件", Field::Email),
    ("电子邮箱", Field::Email),
    ("name", Field::Name),
    ("fullname", Field::Name),
    ("displayname", Field::Name),
    ("nickname", Field::Name),
    ("membername", Field::Name),
    ("姓名", Field::Name),
    ("名字", Field::Name),
    ("昵称", Field::Name),
    ("微信昵称", Field::Name),
    ("用户名", Field::Name),
    ("真实姓名", Field::Name),
    ("称呼", Field::Name),
    ("firstname", Field::FirstName),
    ("lastname", Field::LastName),
    ("wechat", Field::Wechat),
    ("wechatid", Field::Wechat),
    ("weixin", Field::Wechat),
    ("微信", Field::Wechat),
    ("微信号", Field::Wechat),
    ("微信id", Field::Wechat),
    ("微信账号", Field::Wechat),
    ("phone", Field::Phone),
    ("phonenumber", Field::Phone),
    ("mobile", Field::Phone),
    ("tel", Field::Phone),
    ("手机", Field::Phone),
    ("手机号", Field::Phone),
    ("手机号码", Field::Phone),
    ("电话", Field::Phone),
    ("联系电话", Field::Phone),
    ("joined", Field::Joined),
    ("joinedat", Field::Joined),
    ("createdat", Field::Joined),
    ("subscribedat", Field::Joined),
    ("signupdate", Field::Joined),
    ("startdate", Field::Joined),
    ("加入时间", Field::Joined),
    ("注册时间", Field::Joined),
    ("入群时间", Field::Joined),
    ("入会时间", Field::Joined),
    ("开通时间", Field::Joined),
    ("expires", Field::Expires),
    ("expiresat", Field::Expires),
    ("expiry", Field::Expires),
    ("expiration", Field::Expires),
    ("enddate", Field::Expires),
    ("到期时间", Field::Expires),
    ("过期时间", Field::Expires),
    ("到期日", Field::Expires),
    ("有效期至", Field::Expires),
    ("截止时间", Field::Expires),
    ("left", Field::Left),
    ("leftat", Field::Left),
    ("退出时间", Field::Left),
    ("退群时间", Field::Left),
    ("tags", Field::Tags),
    ("labels", Field::Tags),
    ("标签", Field::Tags),
    ("分组", Field::Tags),
    ("tier", Field::Tier),
    ("plan", Field::Tier),
    ("level", Field::Tier),
    ("membership", Field::Tier),
    ("等级", Field::Tier),
    ("会员等级", Field::Tier),
    ("会员类型", Field::Tier),
    ("套餐", Field::Tier),
    ("status", Field::Status),
    ("状态", Field::Status),
    ("会员状态", Field::Status),
    ("note", Field::Note),
    ("notes", Field::Note),
    ("comment", Field::Note),
    ("remark", Field::Note),
    ("备注", Field::Note),
    ("说明", Field::Note),
    ("source", Field::Source),
    ("channel", Field::Source),
    ("来源", Field::Source),
    ("渠道", Field::Source),
    ("sourceid", Field::SourceId),
    ("userid", Field::SourceId),
    ("memberid", Field::SourceId),
    ("uid", Field::SourceId),
    ("用户id", Field::SourceId),
    ("用户编号", Field::SourceId),
    ("会员编号", Field::SourceId),
    ("points", Field::Points),
    ("score", Field::Points),
    ("积分", Field::Points),
];

/// The field a header feeds under the generic aliases.
pub fn alias(header: &str) -> Option<Field> {
    let key = normalize(header);
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map(|(_, f)| *f)
}

/// How each column of a header is used.
#[derive(Debug, Clone, Default)]
pub struct Binding {
    /// One entry per column: the field it feeds, if any.
    pub columns: Vec<Option<Field>>,
    /// Column names that feed nothing (reported once, not an error).
    pub unused: Vec<String>,
}

/// A header that cannot be bound unambiguously.
#[derive(Debug, Error)]
pub enum BindError {
    #[error(
        "columns {first:?} and {second:?} both map to {field}; pass --map {second:?}= to ignore one"
    )]
    Twice {
        first: String,
        second: String,
        field: Field,
    },
    #[error("--map names column {0:?}, which the file does not have; its columns are: {1}")]
    NoSuchColumn(String, String),
}

impl Binding {
    /// Binds a header: `--map` first, then the preset's own columns, then the generic aliases.
    pub fn new(
        headers: &[String],
        overrides: &[MapOverride],
        preset_columns: &[(&'static str, Field)],
    ) -> Result<Binding, BindError> {
        for o in overrides {
            if !headers.iter().any(|h| normalize(h) == normalize(&o.column)) {
                return Err(BindError::NoSuchColumn(
                    o.column.clone(),
                    crate::sanitize::list(headers),
                ));
            }
        }
        let mut binding = Binding::default();
        for header in headers {
            let key = normalize(header);
            let field = match overrides.iter().find(|o| normalize(&o.column) == key) {
                Some(o) => o.field,
                None => preset_columns
                    .iter()
                    .find(|(column, _)| normalize(column) == key)
                    .map(|(_, f)| *f)
                    .or_else(|| alias(header)),
            };
            if let Some(field) = field
                && let Some(first) = binding.columns.iter().position(|f| *f == Some(field))
            {
                return Err(BindError::Twice {
                    first: headers[first].clone(),
                    second: header.clone(),
                    field,
                });
            }
            if field.is_none() {
                binding.unused.push(header.clone());
            }
            binding.columns.push(field);
        }
        Ok(binding)
    }

    /// The column feeding `field`, if any.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|f| *f == Some(field))
    }

    pub fn has(&self, field: Field) -> bool {
        self.column(field).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_match_whatever_their_case_and_spacing() {
        assert_eq!(alias(" Email Address "), Some(Field::Email));
        assert_eq!(alias("E-mail"), Some(Field::Email));
        assert_eq!(alias("邮箱*"), Some(Field::Email));
        assert_eq!(alias("\u{feff}微信号"), Some(Field::Wechat));
        assert_eq!(alias("Joined_At"), Some(Field::Joined));
        assert_eq!(
            alias("id"),
            None,
            "a bare id is a row number in spreadsheets"
        );
    }

    #[test]
    fn overrides_win_and_can_ignore_a_column() {
        let h = headers(&["邮箱", "昵称", "note", "x"]);
        let maps: Vec<MapOverride> = ["x=wechat", "note="]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect();
        let b = Binding::new(&h, &maps, &[]).unwrap();
        assert_eq!(
            b.columns,
            [
                Some(Field::Email),
                Some(Field::Name),
                None,
                Some(Field::Wechat)
            ]
        );
        assert_eq!(b.unused, ["note"]);
    }

    #[test]
    fn two_columns_for_one_field_are_refused() {
        let h = headers(&["email", "E-mail"]);
        let err = Binding::new(&h, &[], &[]).unwrap_err().to_string();
        assert!(err.contains("both map to email"), "{err}");
    }

    #[test]
    fn a_map_for_a_missing_column_is_refused() {
        let h = headers(&["email"]);
        let maps = vec!["邮箱=email".parse::<MapOverride>().unwrap()];
        assert!(Binding::new(&h, &maps, &[]).is_err());
    }

    #[test]
    fn bad_maps_list_the_fields() {
        let err = "x=shoe".parse::<MapOverride>().unwrap_err().to_string();
        assert!(err.contains("expires_at"), "{err}");
        assert!("nothing".parse::<MapOverride>().is_err());
    }
}
