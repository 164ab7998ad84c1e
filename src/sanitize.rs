//! Makes text from files safe to print on a terminal: no escape sequences, no control codes.
//!
//! Data written to pipes and files is left exactly as stored; only what a person's terminal
//! would interpret is rewritten (as fd does). Must not be used on data going to a file.

use std::borrow::Cow;

/// Replaces control characters other than newline and tab with their `\u{..}` escape,
/// so a name like `"\x1b]0;pwned\x07"` cannot retitle or recolour the terminal.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_dangerous(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Values longer than this many characters are cut short in messages.
pub const EXCERPT_CHARS: usize = 80;

/// A value as a message quotes it: in double quotes with escapes (as `{:?}` does), and cut to
/// [`EXCERPT_CHARS`] characters with the length it had, so a 10 MB cell makes a one-line error
/// and a message never carries more of a person's data than the start of the value at fault.
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(EXCERPT_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!(
            "{:?}... ({} characters)",
            &value[..cut],
            value.chars().count()
        ),
    }
}

/// Bytes that should have been UTF-8, for a message: the text as far as it is valid, each
/// invalid byte as `\xNN`, cut like [`quoted`].
pub fn quoted_bytes(bytes: &[u8]) -> String {
    let mut out = String::from('"');
    let (mut shown, mut total) = (0, 0);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            total += 1;
            if shown < EXCERPT_CHARS {
                shown += 1;
                match c {
                    '\'' => out.push(c),
                    _ => out.extend(c.escape_debug()),
                }
            }
        }
        for b in chunk.invalid() {
            total += 1;
            if shown < EXCERPT_CHARS {
                shown += 1;
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
    }
    out.push('"');
    if total > shown {
        out.push_str(&format!("... ({total} characters)"));
    }
    out
}

/// Items listed in a message: the first ten, then how many more, so a header of a million
/// columns makes a one-line note.
pub fn list(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut out = items
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        out.push_str(&format!(" ... and {} more", items.len() - SHOWN));
    }
    out
}

fn is_dangerous(c: char) -> bool {
    // C0 and C1 controls and DEL; bidi overrides can disguise text, so they go too.
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_untouched() {
        assert!(matches!(sanitize("李雷 O'Brien\tok\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_values_are_cut_and_their_length_given() {
        assert_eq!(quoted("li@example.com"), "\"li@example.com\"");
        let long = "x".repeat(10 * 1024 * 1024);
        let shown = quoted(&long);
        assert!(shown.len() < 120, "{shown}");
        assert!(shown.ends_with("... (10485760 characters)"), "{shown}");
        assert_eq!(quoted(&"é".repeat(81)).matches('é').count(), 80);
        assert_eq!(quoted("a\x1b[31m"), "\"a\\u{1b}[31m\"");
    }

    #[test]
    fn long_lists_are_cut_to_ten() {
        let items: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        assert_eq!(list(&items[..2]), "c0, c1");
        assert!(list(&items).ends_with("c9 ... and 99990 more"));
    }

    #[test]
    fn invalid_bytes_are_shown_as_hex() {
        assert_eq!(quoted_bytes(b"caf\xe9 \xe6\x9d\x8e"), "\"caf\\xE9 李\"");
    }

    #[test]
    fn escape_sequences_are_made_visible() {
        assert_eq!(sanitize("a\x1b[31mb\x07"), "a\\u{1b}[31mb\\u{7}");
        assert_eq!(sanitize("x\u{9b}y"), "x\\u{9b}y");
        assert_eq!(sanitize("\u{202e}gnp.exe"), "\\u{202e}gnp.exe");
    }
}
