//! The few plain fields the proxy reads from a `multipart/form-data` upload (an audio
//! transcription's `model` and `stream`); the upload itself is forwarded unchanged.
//!
//! Finding the parts searches the body for the boundary, so its length bounds the work: RFC
//! 2046 (5.1.1) allows 1 to 70 characters of a small set, and anything else is refused.

/// Longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY_CHARS: usize = 70;

/// Largest plain field value read (a model name, a flag).
const MAX_FIELD_BYTES: usize = 1024;

/// The boundary named by a `multipart/form-data` content type, checked.
pub fn boundary(content_type: &str) -> Result<&str, String> {
    let value = content_type
        .split(';')
        .skip(1)
        .filter_map(|parameter| parameter.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim())
        .ok_or("the multipart content type names no boundary")?;
    let boundary = value
        .strip_prefix('"')
        .and_then(|quoted| quoted.strip_suffix('"'))
        .unwrap_or(value);
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY_CHARS {
        return Err(format!(
            "the multipart boundary must be 1 to {MAX_BOUNDARY_CHARS} characters (RFC 2046), not {}",
            boundary.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    if !boundary.chars().all(allowed) || boundary.ends_with(' ') {
        return Err("the multipart boundary has characters RFC 2046 does not allow".into());
    }
    Ok(boundary)
}

/// The values of the named plain fields of a multipart body (file parts are skipped without
/// being copied).
pub fn fields(body: &[u8], boundary: &str, names: &[&str]) -> Vec<Option<String>> {
    let mut found = vec![None; names.len()];
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = split_on(body, delimiter).into_iter().skip(1);
    for part in parts.by_ref() {
        let Some(header_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..header_end]).to_ascii_lowercase();
        if head.contains("filename=") {
            continue;
        }
        let value = &part[header_end + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        for (slot, name) in found.iter_mut().zip(names) {
            if head.contains(&format!("name=\"{name}\"")) && value.len() <= MAX_FIELD_BYTES {
                *slot = Some(String::from_utf8_lossy(value).trim().to_owned());
            }
        }
    }
    found
}

fn split_on<'a>(haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = haystack;
    while let Some(at) = find(rest, needle) {
        pieces.push(&rest[..at]);
        rest = &rest[at + needle.len()..];
    }
    pieces.push(rest);
    pieces
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_field_is_read_and_file_parts_are_skipped() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nname=\"model\"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--XyZ--\r\n";
        let found = fields(body.as_bytes(), "XyZ", &["model", "stream"]);
        assert_eq!(found, vec![Some("whisper-1".to_owned()), None]);
    }

    #[test]
    fn boundaries_follow_rfc_2046() {
        let longest = "b".repeat(MAX_BOUNDARY_CHARS);
        for (content_type, expected) in [
            ("multipart/form-data; boundary=abc", "abc"),
            ("multipart/form-data; Boundary=\"a b\"", "a b"),
            ("multipart/form-data;charset=utf-8;boundary=--x:1", "--x:1"),
        ] {
            assert_eq!(boundary(content_type), Ok(expected));
        }
        let ok = format!("multipart/form-data; boundary={longest}");
        assert_eq!(boundary(&ok), Ok(longest.as_str()));
        for (content_type, reason) in [
            (
                format!("multipart/form-data; boundary={longest}b"),
                "1 to 70",
            ),
            ("multipart/form-data; boundary=".to_owned(), "1 to 70"),
            ("multipart/form-data".to_owned(), "no boundary"),
            (
                "multipart/form-data; boundary=a\u{7f}b".to_owned(),
                "does not allow",
            ),
            (
                "multipart/form-data; boundary=\"ab \"".to_owned(),
                "does not allow",
            ),
        ] {
            let error = boundary(&content_type).expect_err(&content_type);
            assert!(error.contains(reason), "{content_type}: {error}");
        }
    }
}
