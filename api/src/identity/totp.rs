//! TOTP (RFC 6238) with the parameters every authenticator app understands: HMAC-SHA1,
//! 6 digits, 30-second steps. One step of clock drift either way is accepted.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;
/// 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    bytes.to_vec()
}

/// Base32 without padding, as authenticator apps expect.
pub fn encode_secret(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// The time step of a Unix time.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code for one time step (RFC 4226 HOTP with the step as counter).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The step whose code `code` is, among the current step and one either side, if it is
/// newer than `after` (the last step accepted, so no code works twice).
pub fn matching_step(secret: &[u8], code: &str, now_unix: i64, after: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(now_unix);
    (now - 1..=now + 1)
        .filter(|step| after.is_none_or(|last| *step > last))
        .find(|step| crate::constant_time::eq(code_at(secret, *step).as_bytes(), code.as_bytes()))
}

/// `otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30`
/// (the Key URI format authenticator apps scan).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{issuer}:{account}");
    let mut uri = url::Url::parse("otpauth://totp/").expect("static URL");
    uri.set_path(&format!("/{}", urlencoding(&label)));
    uri.query_pairs_mut()
        .append_pair("secret", &encode_secret(secret))
        .append_pair("issuer", issuer)
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", &DIGITS.to_string())
        .append_pair("period", &STEP_SECONDS.to_string());
    uri.to_string()
}

/// Percent-encodes everything but unreserved characters and `:` and `@`.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The URI as a QR code, a standalone SVG document.
pub fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA1 (the reference codes are 8 digits; ours are their last 6).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(secret, step_at(time)), expected[2..], "t={time}");
        }
    }

    #[test]
    fn codes_match_within_one_step_and_only_once() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let step = step_at(now);
        let current = code_at(&secret, step);
        assert_eq!(matching_step(&secret, &current, now, None), Some(step));
        // Spaces are fine; a replay after acceptance is not.
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(matching_step(&secret, &spaced, now, None), Some(step));
        assert_eq!(matching_step(&secret, &current, now, Some(step)), None);
        // One step of drift either way, not two.
        assert_eq!(
            matching_step(&secret, &code_at(&secret, step - 1), now, None),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(&secret, &code_at(&secret, step + 1), now, None),
            Some(step + 1)
        );
        assert_eq!(
            matching_step(&secret, &code_at(&secret, step - 2), now, None),
            None
        );
        assert_eq!(matching_step(&secret, "12345", now, None), None);
        assert_eq!(matching_step(&secret, "abcdef", now, None), None);
    }

    #[test]
    fn the_uri_carries_what_apps_need() {
        let uri = otpauth_uri("Gatehouse", "ada@example.org", b"12345678901234567890");
        assert!(
            uri.starts_with("otpauth://totp/Gatehouse:ada@example.org?"),
            "{uri}"
        );
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Gatehouse"));
        assert!(uri.contains("period=30") && uri.contains("digits=6"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
