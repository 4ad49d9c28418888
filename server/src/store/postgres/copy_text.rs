//! Values in COPY's text format: one line per row, columns separated by tabs, `\N` for NULL,
//! and backslash, tab, newline and carriage return escaped.
//!
//! PostgreSQL text cannot hold the NUL character at all; the few fields that may carry one (an
//! error message, a body) get U+FFFD in its place rather than failing the whole batch.

use std::fmt::Write as _;

/// Appends `text` escaped for COPY.
pub fn push_text(line: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '\\' => line.push_str("\\\\"),
            '\t' => line.push_str("\\t"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\0' => line.push('\u{FFFD}'),
            other => line.push(other),
        }
    }
}

pub fn push_null(line: &mut String) {
    line.push_str("\\N");
}

pub fn push_optional_text(line: &mut String, text: Option<&str>) {
    match text {
        Some(text) => push_text(line, text),
        None => push_null(line),
    }
}

pub fn push_int(line: &mut String, value: Option<i64>) {
    match value {
        Some(value) => {
            let _ = write!(line, "{value}");
        }
        None => push_null(line),
    }
}

/// Finite floats in Rust's shortest round-trip form, which PostgreSQL reads back exactly.
pub fn push_float(line: &mut String, value: Option<f64>) {
    match value.filter(|value| value.is_finite()) {
        Some(value) => {
            let _ = write!(line, "{value:?}");
        }
        None => push_null(line),
    }
}

/// Bytes as `bytea`'s hex input (`\\x0a1b`, its backslash escaped for COPY).
pub fn push_bytes(line: &mut String, bytes: &[u8]) {
    line.push_str("\\\\x");
    for byte in bytes {
        let _ = write!(line, "{byte:02x}");
    }
}

pub fn push_bool(line: &mut String, value: bool) {
    line.push(if value { 't' } else { 'f' });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_nul_replaced() {
        let mut line = String::new();
        push_text(&mut line, "a\tb\nc\\d\re\0f");
        assert_eq!(line, "a\\tb\\nc\\\\d\\re\u{FFFD}f");
    }

    #[test]
    fn numbers_and_nulls_take_copy_forms() {
        let mut line = String::new();
        push_float(&mut line, Some(0.1));
        push_float(&mut line, Some(f64::NAN));
        push_int(&mut line, None);
        push_bool(&mut line, true);
        assert_eq!(line, "0.1\\N\\Nt");
    }

    #[test]
    fn bytes_are_hex_behind_an_escaped_backslash() {
        let mut line = String::new();
        push_bytes(&mut line, &[0, 0x1b, 0xff]);
        assert_eq!(line, "\\\\x001bff");
    }
}
