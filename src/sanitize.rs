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
    fn escape_sequences_are_made_visible() {
        assert_eq!(sanitize("a\x1b[31mb\x07"), "a\\u{1b}[31mb\\u{7}");
        assert_eq!(sanitize("x\u{9b}y"), "x\\u{9b}y");
        assert_eq!(sanitize("\u{202e}gnp.exe"), "\\u{202e}gnp.exe");
    }
}
