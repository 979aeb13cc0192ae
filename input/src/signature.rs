//! Stripe's webhook signatures: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, each
//! `v1` an HMAC-SHA256 of `"{t}.{raw body}"` with an endpoint secret (`whsec_…`).
//! Several secrets may be configured (rotation: Stripe signs with the old and the new
//! for a while); any `v1` matching any secret is accepted. Timestamps further than the
//! tolerance from now (either way) are refused, so a captured delivery cannot be
//! replayed later.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Stripe's default tolerance.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused (all answer 400; the reason is logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no v1 signature matches a configured secret")]
    Mismatch,
}

/// Checks `header` over `body` at `now` (Unix seconds).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[SecretString],
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                )
            }
            "v1" => candidates.push(hex_decode(value).ok_or(SignatureError::Malformed)?),
            // v0 (test-mode legacy) and unknown schemes are ignored, as Stripe advises.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let matched = secrets.iter().any(|secret| {
        let expected = mac(secret.expose_secret().as_bytes(), timestamp, body);
        candidates
            .iter()
            .any(|candidate| crate::constant_time::eq(candidate, &expected))
    });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .ok()
}

/// The header value that signs `body` at `timestamp` with `secret`: what Stripe sends
/// (the fake Stripe and tests use it), and what Gatehouse sends with its own webhooks to
/// products (`Gatehouse-Signature`), so a product checks them as it would check Stripe's.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        data_encoding::HEXLOWER.encode(&mac(secret.as_bytes(), timestamp, body))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(list: &[&str]) -> Vec<SecretString> {
        list.iter()
            .map(|s| SecretString::from(s.to_string()))
            .collect()
    }

    #[test]
    fn a_known_signature_verifies() {
        // Computed independently:
        // printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test
        let header = sign("whsec_test", 1_700_000_000, br#"{"id":"evt_1"}"#);
        assert_eq!(
            header,
            "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
        );
        assert_eq!(
            verify(
                Some(&header),
                br#"{"id":"evt_1"}"#,
                &secrets(&["whsec_test"]),
                1_700_000_100
            ),
            Ok(())
        );
    }

    #[test]
    fn every_failure_is_told_apart() {
        let body = br#"{"id":"evt_1"}"#;
        let keys = secrets(&["whsec_old", "whsec_new"]);
        let now = 1_700_000_000;
        // Rotation: either secret, and any of several v1 values.
        let old = sign("whsec_old", now, body);
        assert_eq!(verify(Some(&old), body, &keys, now), Ok(()));
        let both = format!(
            "{},v1={}",
            sign("whsec_other", now, body),
            &sign("whsec_new", now, body)[16..]
        );
        assert_eq!(verify(Some(&both), body, &keys, now), Ok(()));

        assert_eq!(verify(None, body, &keys, now), Err(SignatureError::Missing));
        assert_eq!(
            verify(Some("garbage"), body, &keys, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some("t=1,v1=zz"), body, &keys, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some(&format!("t={now}")), body, &keys, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some(&old), body, &keys, now + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(Some(&old), body, &keys, now - 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(Some(&old), br#"{"id":"evt_2"}"#, &keys, now),
            Err(SignatureError::Mismatch)
        );
        let unknown = sign("whsec_unknown", now, body);
        assert_eq!(
            verify(Some(&unknown), body, &keys, now),
            Err(SignatureError::Mismatch)
        );
        // A v0 alone does not count.
        let v0 = old.replace("v1=", "v0=");
        assert_eq!(
            verify(Some(&v0), body, &keys, now),
            Err(SignatureError::Malformed)
        );
    }
}
