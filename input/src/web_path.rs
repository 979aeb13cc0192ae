//! Request paths as files under the SPA's web directory (`http::spa` serves them): a
//! percent-decoded path that never leaves the directory and never names a hidden file.

use std::path::{Component, Path, PathBuf};

/// The request path as a relative file path, or `None` if it tries to leave the
/// directory or names a hidden file.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path.trim_start_matches('/'))?;
    let mut out = PathBuf::new();
    for component in Path::new(&decoded).components() {
        match component {
            Component::Normal(part) if !part.to_string_lossy().starts_with('.') => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    Some(out)
}

/// `%XX` escapes decoded; `None` for a broken escape or text that is not UTF-8.
pub fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Exactly two hex digits: `u8::from_str_radix` alone would also take `+1`.
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_web_dir() {
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative("/app.js"), Some(PathBuf::from("app.js")));
        assert_eq!(
            safe_relative("/pricing/default"),
            Some(PathBuf::from("pricing/default"))
        );
        for hostile in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/secret",
            "/%2Fetc/passwd",
            "/.env",
            "/a\\b",
            "/%zz",
            "/x%00",
        ] {
            assert_eq!(safe_relative(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn an_escape_is_a_percent_and_two_hex_digits() {
        assert_eq!(percent_decode("caf%C3%a9").as_deref(), Some("café"));
        // Found by fuzzing (web_path): `%+0` decoded to a NUL, `%+1` to U+0001.
        for broken in ["%+0", "a%+1b", "%-1", "% 1", "%1", "%"] {
            assert_eq!(percent_decode(broken), None, "{broken}");
        }
    }
}
