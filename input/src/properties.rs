//! What must hold for any input, one function per fuzz target: `fuzz/fuzz_targets/<name>.rs`
//! hands libFuzzer's bytes to the function of that name in [`TARGETS`], which panics when
//! a property does not hold. Compiled only for tests and for fuzzing (`--cfg fuzzing`,
//! set by cargo-fuzz). The unit test below replays every committed corpus file
//! (`fuzz/corpus/<name>/`) through its property on stable, so an input that once failed
//! stays fixed.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Component, Path};

use gatehouse_shared::auth::{RegisterRequest, UpdateMeRequest};
use gatehouse_shared::onboarding::OnboardingCheckoutRequest;
use gatehouse_shared::tickets::NewTicket;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::forwarded::{parse_trusted, resolve};
use crate::json::{decode, BodyError};
use crate::nul::nul_path;
use crate::redirect::{app_url, safe_next};
use crate::signature::{sign, verify, SignatureError, TOLERANCE_SECS};
use crate::web_path::{percent_decode, safe_relative};

/// A property over one input; it panics when the property does not hold.
pub type Property = fn(&[u8]);

/// Every fuzz target: its name (the file in `fuzz/fuzz_targets/`, the corpus directory)
/// and its property.
pub const TARGETS: &[(&str, Property)] = &[
    ("webhook_signature", webhook_signature),
    ("json_body", json_body),
    ("web_path", web_path),
    ("forwarded_for", forwarded_for),
    ("oauth_next", oauth_next),
    ("csv_export", csv_export),
];

/// `Stripe-Signature` (up to the first newline) and the raw body (after it): any header
/// gets an answer; only a genuine HMAC is accepted; what [`sign`] makes verifies within
/// the tolerance, and neither a changed body, another secret nor an old time does.
pub fn webhook_signature(data: &[u8]) {
    const NOW: i64 = 1_700_000_000;
    const SECRETS: [&str; 2] = ["whsec_fuzz_old", "whsec_fuzz_new"];
    let secrets = SECRETS.map(|secret| SecretString::from(secret.to_owned()));
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let header = String::from_utf8_lossy(header);
    if verify(Some(&header), body, &secrets, NOW).is_ok() {
        let lower = header.to_ascii_lowercase();
        let genuine = header
            .split(',')
            .filter_map(|part| part.trim().strip_prefix("t="))
            .filter_map(|t| t.parse::<i64>().ok())
            .any(|t| {
                SECRETS.iter().any(|secret| {
                    let signed = sign(secret, t, body);
                    lower.contains(signed.rsplit_once("v1=").map_or("", |(_, mac)| mac))
                })
            });
        assert!(
            genuine,
            "accepted a header without a genuine signature: {header:?}"
        );
    }
    let first = i64::from(data.first().copied().unwrap_or(0));
    let skew = (first * 2 - 255).clamp(-TOLERANCE_SECS, TOLERANCE_SECS);
    let secret = SECRETS[data.len() % SECRETS.len()];
    let signed = sign(secret, NOW + skew, body);
    assert_eq!(verify(Some(&signed), body, &secrets, NOW), Ok(()));
    if !body.is_empty() {
        let mut changed = body.to_vec();
        changed[first as usize % body.len()] ^= 0x20;
        assert_eq!(
            verify(Some(&signed), &changed, &secrets, NOW),
            Err(SignatureError::Mismatch)
        );
    }
    let old = sign(secret, NOW - TOLERANCE_SECS - 1 - skew.abs(), body);
    assert_eq!(
        verify(Some(&old), body, &secrets, NOW),
        Err(SignatureError::Stale)
    );
    let foreign = sign("whsec_someone_else", NOW, body);
    assert_eq!(
        verify(Some(&foreign), body, &secrets, NOW),
        Err(SignatureError::Mismatch)
    );
}

/// A request body decoded into real request types: valid JSON is never a 400; a field
/// that does not fit is named (422); nothing holding a NUL character gets through, and
/// [`nul_path`] finds exactly the values that hold one.
pub fn json_body(data: &[u8]) {
    let value = serde_json::from_slice::<serde_json::Value>(data).ok();
    if let Some(value) = &value {
        let text = serde_json::to_string(value).expect("a Value serializes");
        assert_eq!(
            nul_path(value).is_some(),
            text.contains("\\u0000"),
            "{text}"
        );
    }
    body_fits::<OnboardingCheckoutRequest>(data, value.as_ref());
    body_fits::<RegisterRequest>(data, value.as_ref());
    body_fits::<UpdateMeRequest>(data, value.as_ref());
    body_fits::<NewTicket>(data, value.as_ref());
}

fn body_fits<T: DeserializeOwned + Serialize>(data: &[u8], value: Option<&serde_json::Value>) {
    let nul = value.and_then(nul_path);
    match decode::<T>(data) {
        Ok(decoded) => {
            assert!(value.is_some(), "accepted a body that is not JSON");
            assert_eq!(nul, None, "accepted a NUL character");
            let text = serde_json::to_string(&decoded).expect("request types serialize");
            assert!(
                !text.contains("\\u0000"),
                "accepted a NUL character: {text}"
            );
        }
        Err(BodyError::Invalid { field, message }) => {
            assert!(!field.is_empty() && !message.is_empty());
            if let Some(nul) = nul {
                assert_eq!(field, nul);
            }
        }
        Err(BodyError::Malformed { .. }) => {
            assert!(value.is_none(), "valid JSON answered as malformed");
        }
    }
}

/// A request path under the web directory: decoding agrees with a reference decoder, and
/// an accepted path stays below the root (relative, no `..`, no hidden file).
pub fn web_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(
        percent_decode(text),
        reference_percent_decode(text),
        "{text:?}"
    );
    let encoded: String = text.bytes().map(|b| format!("%{b:02x}")).collect();
    assert_eq!(percent_decode(&encoded).as_deref(), Some(text));
    if let Some(relative) = safe_relative(text) {
        assert!(relative.is_relative(), "{text:?} → {relative:?}");
        for component in relative.components() {
            let Component::Normal(part) = component else {
                panic!("{text:?} → {relative:?} has {component:?}");
            };
            let part = part.to_str().expect("decoded paths are UTF-8");
            assert!(
                !part.starts_with('.') && !part.contains(['\\', '\0']),
                "{text:?}"
            );
        }
        let root = Path::new("/srv/gatehouse/web");
        assert!(root.join(&relative).starts_with(root));
    }
}

/// `%XX` decoding as RFC 3986 defines it: exactly two hex digits after each `%`.
fn reference_percent_decode(text: &str) -> Option<String> {
    fn hex(digit: u8) -> Option<u8> {
        char::from(digit).to_digit(16).map(|d| d as u8)
    }
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let [high, low, ..] = tail else {
                return None;
            };
            out.push(hex(*high)? * 16 + hex(*low)?);
            rest = &tail[2..];
        } else {
            out.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(out).ok()
}

/// The trusted proxies (first line), the peer (second) and `X-Forwarded-For` values (the
/// rest): the list parses item by item, and the client is the peer or an untrusted hop
/// the header named; an untrusted peer is always the client.
pub fn forwarded_for(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let list = lines.next().unwrap_or_default();
    let peer = lines
        .next()
        .and_then(|line| line.trim().parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
    let values: Vec<&str> = lines.collect();
    let Ok(trusted) = parse_trusted(list) else {
        return;
    };
    let items = list.split(',').filter(|item| !item.trim().is_empty());
    assert_eq!(trusted.len(), items.count(), "{list:?}");
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let client = resolve(peer, values.iter().copied(), &trusted);
    if !is_trusted(&peer) {
        assert_eq!(client, peer);
    }
    if client != peer {
        let named = values
            .iter()
            .flat_map(|value| value.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .any(|hop| hop == client);
        assert!(named && !is_trusted(&client), "{client} from {values:?}");
    }
}

/// `next` of an OAuth sign-in: whatever the client asks for, the callback's `Location`
/// stays on this site.
pub fn oauth_next(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let next = safe_next(Some(&text));
    assert!(next == "/account" || next == text);
    for base in [
        "https://gatehouse.example/",
        "https://gatehouse.example/app/",
    ] {
        let public = Url::parse(base).expect("a valid base");
        if let Ok(location) = app_url(&public, &next) {
            assert_eq!(
                location.origin(),
                public.origin(),
                "next {next:?} leaves the site: {location}"
            );
        }
    }
}

/// A CSV row of cells (separated by U+001F in the input): read back with RFC 4180 it gives
/// the same cells, formulas defused with a leading `'`, and no cell starts a formula.
pub fn csv_export(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let cells: Vec<&str> = text.split('\u{1f}').collect();
    let mut row = String::new();
    crate::csv::push_row(&mut row, &cells);
    let read = read_csv_row(&row).unwrap_or_else(|| panic!("not one CSV row: {row:?}"));
    assert_eq!(read.len(), cells.len());
    let risky = ['=', '+', '-', '@', '\t', '\r'];
    for (cell, back) in cells.iter().zip(&read) {
        let expected = if cell.starts_with(risky) {
            format!("'{cell}")
        } else {
            (*cell).to_owned()
        };
        assert_eq!(back, &expected);
        assert!(!back.starts_with(risky));
    }
}

/// One CSV row of quoted fields ending in CRLF, and nothing after it.
fn read_csv_row(row: &str) -> Option<Vec<String>> {
    let mut cells = Vec::new();
    let mut chars = row.chars().peekable();
    loop {
        if chars.next()? != '"' {
            return None;
        }
        let mut cell = String::new();
        loop {
            match chars.next()? {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => break,
                c => cell.push(c),
            }
        }
        cells.push(cell);
        match chars.next()? {
            ',' => continue,
            '\r' if chars.next()? == '\n' && chars.next().is_none() => return Some(cells),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod replay {
    use std::collections::BTreeSet;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::path::PathBuf;

    use super::TARGETS;

    fn fuzz_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
    }

    fn names_in(dir: PathBuf) -> BTreeSet<String> {
        std::fs::read_dir(&dir)
            .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
            .collect()
    }

    #[test]
    fn every_target_has_its_fuzz_target_and_a_seed_corpus() {
        let named: BTreeSet<String> = TARGETS.iter().map(|(name, _)| (*name).to_owned()).collect();
        assert_eq!(names_in(fuzz_dir().join("fuzz_targets")), named);
        assert_eq!(names_in(fuzz_dir().join("corpus")), named);
    }

    #[test]
    fn every_committed_corpus_file_holds() {
        let mut failed = Vec::new();
        let mut replayed = 0;
        for (name, property) in TARGETS {
            let dir = fuzz_dir().join("corpus").join(name);
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
                .map(|entry| entry.expect("a directory entry").path())
                .collect();
            files.sort();
            assert!(!files.is_empty(), "{} has no seeds", dir.display());
            for file in files {
                let data = std::fs::read(&file).expect("a readable corpus file");
                replayed += 1;
                if catch_unwind(AssertUnwindSafe(|| property(&data))).is_err() {
                    failed.push(file.display().to_string());
                }
            }
        }
        assert!(failed.is_empty(), "properties failed for {failed:#?}");
        assert!(replayed >= TARGETS.len());
    }
}
