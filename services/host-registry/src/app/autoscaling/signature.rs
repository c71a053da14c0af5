//! Signed autoscaling events: HMAC-SHA256 over `"{timestamp}.{raw body}"`, sent as
//! `X-Liftoff-Signature: v1=<hex>` (several comma-separated signatures are tried) with
//! `X-Liftoff-Timestamp: <unix seconds>`. The raw bytes are signed, so a body that was parsed
//! and re-serialized does not verify; the timestamp bounds replays to the tolerance window (the
//! event id makes a replay inside it harmless); every configured secret is tried, so the old
//! and the new secret both verify during a rotation. Comparison is constant-time.

use hmac::{KeyInit, Mac};
use liftoff_kit::ApiError;
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

pub const TIMESTAMP_HEADER: &str = "x-liftoff-timestamp";
pub const SIGNATURE_HEADER: &str = "x-liftoff-signature";

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Result<HmacSha256, ApiError> {
    let mut mac = HmacSha256::new_from_slice(secret)
        .map_err(|e| ApiError::internal(format!("autoscaling secret unusable: {e}")))?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `X-Liftoff-Signature` value for `body` sent at `timestamp` (what a sender computes).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> Result<String, ApiError> {
    let tag = mac(secret, &timestamp.to_string(), body)?
        .finalize()
        .into_bytes();
    Ok(format!("v1={}", hex::encode(tag)))
}

fn bad(message: &str) -> ApiError {
    let mut e = ApiError::unauthorized(message.to_string());
    e.code = "invalid_signature".into();
    e
}

/// Verifies an event. `now` and `tolerance` in seconds.
pub fn verify(
    secrets: &[Vec<u8>],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance: i64,
) -> Result<(), ApiError> {
    let ts_text = timestamp.ok_or_else(|| bad("missing X-Liftoff-Timestamp"))?;
    let sig_text = signature.ok_or_else(|| bad("missing X-Liftoff-Signature"))?;
    let ts: i64 = ts_text
        .trim()
        .parse()
        .map_err(|_| bad("X-Liftoff-Timestamp must be Unix seconds"))?;
    if (now - ts).abs() > tolerance {
        return Err(bad(&format!(
            "timestamp is more than {tolerance} s from the server's clock"
        )));
    }
    let candidates: Vec<Vec<u8>> = sig_text
        .split([',', ' '])
        .filter_map(|part| part.trim().strip_prefix("v1="))
        .filter_map(|h| hex::decode(h).ok())
        .filter(|b| b.len() == 32)
        .take(8)
        .collect();
    if candidates.is_empty() {
        return Err(bad("X-Liftoff-Signature must hold v1=<64 hex digits>"));
    }
    let mut ok = false;
    for secret in secrets {
        let m = mac(secret, ts_text.trim(), body)?;
        for c in &candidates {
            // verify_slice compares in constant time; every pair is tried either way.
            ok |= m.clone().verify_slice(c).is_ok();
        }
    }
    if ok {
        Ok(())
    } else {
        Err(bad("signature does not match"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn signed_body_verifies_with_any_configured_secret() {
        let body = br#"{"id":"e1"}"#;
        let secrets = vec![b"new".to_vec(), b"old".to_vec()];
        for s in [b"new".as_slice(), b"old".as_slice()] {
            let sig = sign(s, NOW, body).unwrap();
            assert!(verify(&secrets, Some(&NOW.to_string()), Some(&sig), body, NOW, 300).is_ok());
        }
        let sig = sign(b"other", NOW, body).unwrap();
        assert!(verify(&secrets, Some(&NOW.to_string()), Some(&sig), body, NOW, 300).is_err());
    }

    #[test]
    fn tampering_timestamp_and_format_are_refused() {
        let body = br#"{"id":"e1", "type":"scale_out"}"#;
        let s = vec![b"k".to_vec()];
        let sig = sign(b"k", NOW, body).unwrap();
        let ts = NOW.to_string();
        // Same JSON, re-serialized (whitespace differs): not the signed bytes.
        let reser = br#"{"id":"e1","type":"scale_out"}"#;
        assert!(verify(&s, Some(&ts), Some(&sig), reser, NOW, 300).is_err());
        assert!(verify(&s, Some(&ts), Some(&sig), body, NOW + 301, 300).is_err());
        assert!(verify(&s, Some(&ts), Some(&sig), body, NOW - 301, 300).is_err());
        assert!(verify(&s, Some(&ts), Some(&sig), body, NOW + 299, 300).is_ok());
        assert!(verify(&s, None, Some(&sig), body, NOW, 300).is_err());
        assert!(verify(&s, Some(&ts), None, body, NOW, 300).is_err());
        assert!(verify(&s, Some("soon"), Some(&sig), body, NOW, 300).is_err());
        assert!(verify(&s, Some(&ts), Some("v1=zz"), body, NOW, 300).is_err());
        // A signature for another timestamp does not move to this one.
        let other = sign(b"k", NOW - 10, body).unwrap();
        assert!(verify(&s, Some(&ts), Some(&other), body, NOW, 300).is_err());
        // Several signatures: one good one is enough.
        let both = format!("v1={},{sig}", "0".repeat(64));
        assert!(verify(&s, Some(&ts), Some(&both), body, NOW, 300).is_ok());
    }
}
