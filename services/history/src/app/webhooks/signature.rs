//! The Standard Webhooks signature (<https://www.standardwebhooks.com/>): a secret
//! `whsec_<base64>`, and `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed by the secret's decoded bytes. During a
//! rotation's overlap the header carries one signature per secret, space-separated, as the
//! scheme allows, so receivers holding either secret verify.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Secret bytes (the scheme wants 24 to 64).
const SECRET_BYTES: usize = 32;

/// A fresh secret, `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The key a secret stands for.
fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
        .ok()
}

/// `v1,<base64>` for one secret; `None` if the stored secret is not valid base64.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&key(secret)?).ok()?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret.
pub fn header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks specification and its reference libraries.
    #[test]
    fn signs_the_specifications_test_vector() {
        assert_eq!(
            sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            )
            .unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_fresh_and_sign_with_both_during_an_overlap() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("whsec_") && key(&a).unwrap().len() == 32);
        let h = header(&[&a, &b], "m", 1, b"{}");
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(
            parts,
            vec![
                sign(&a, "m", 1, b"{}").unwrap(),
                sign(&b, "m", 1, b"{}").unwrap()
            ]
        );
    }
}
