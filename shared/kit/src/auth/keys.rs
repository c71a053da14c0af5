//! The keys credentials are signed and verified with: HS256 with a secret from the data dir
//! (the default), or a fixed key set file of RS256/EdDSA (and HS256) keys selected by `kid`.
//!
//! Each key is pinned to one algorithm: a token is verified only with the algorithm of the key
//! its `kid` names, so an HS256 token "signed" with an RSA or Ed25519 public key (algorithm
//! confusion, RFC 8725 §2.1) never verifies. Keys come only from this file; nothing is ever
//! fetched from a URL a token names.
//!
//! Key set file (JSON; paths relative to the file):
//! ```json
//! {
//!   "active": "2026-11",
//!   "keys": [
//!     {"kid": "2026-11", "alg": "EdDSA", "private_key": "ed-2026-11.pem", "public_key": "ed-2026-11.pub.pem"},
//!     {"kid": "2026-05", "alg": "RS256", "public_key": "rsa-2026-05.pub.pem"},
//!     {"kid": "primary", "alg": "HS256", "secret": "jwt.secret"}
//!   ]
//! }
//! ```
//! Several keys verify at once (rotation); only `active` signs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::Deserialize;

/// The kid of the data-dir HS256 secret.
pub const DEFAULT_KID: &str = "primary";

/// A key that may verify tokens, pinned to its algorithm.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// Everything needed to sign and verify.
#[derive(Clone)]
pub(crate) struct KeySet {
    pub active_kid: String,
    pub active_alg: Algorithm,
    pub signing: EncodingKey,
    pub verifying: HashMap<String, VerifyingKey>,
}

impl KeySet {
    pub fn hs256(secret: &[u8]) -> Self {
        let mut verifying = HashMap::new();
        verifying.insert(
            DEFAULT_KID.to_string(),
            VerifyingKey {
                alg: Algorithm::HS256,
                key: DecodingKey::from_secret(secret),
            },
        );
        Self {
            active_kid: DEFAULT_KID.to_string(),
            active_alg: Algorithm::HS256,
            signing: EncodingKey::from_secret(secret),
            verifying,
        }
    }

    pub fn describe(&self) -> String {
        let mut kids: Vec<String> = self
            .verifying
            .iter()
            .map(|(k, v)| format!("{k}:{:?}", v.alg))
            .collect();
        kids.sort();
        format!(
            "signs with {} ({:?}); verifies {}",
            self.active_kid,
            self.active_alg,
            kids.join(", ")
        )
    }

    /// Reads and checks a key set file: every key loads, kids are unique and plain, the active
    /// key can sign, and what it signs verifies with its public key.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("key set {}: {e}", path.display()))?;
        let file: KeySetFile = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("key set {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Self::from_parts(file, &base)
            .map_err(|e| anyhow::anyhow!("key set {}: {e}", path.display()))
    }

    fn from_parts(file: KeySetFile, base: &Path) -> anyhow::Result<Self> {
        anyhow::ensure!(!file.keys.is_empty(), "no keys");
        let mut verifying = HashMap::new();
        let mut signing = None;
        for entry in &file.keys {
            check_kid(&entry.kid)?;
            let read = |p: &PathBuf| -> anyhow::Result<Vec<u8>> {
                let full = base.join(p);
                std::fs::read(&full).map_err(|e| anyhow::anyhow!("{}: {e}", full.display()))
            };
            let (alg, decoding, encoding) = match entry.alg.as_str() {
                "HS256" => {
                    let path = entry.secret.as_ref().ok_or_else(|| {
                        anyhow::anyhow!("key {}: HS256 needs \"secret\"", entry.kid)
                    })?;
                    let bytes = read(path)?;
                    let secret = String::from_utf8_lossy(&bytes).trim().to_string();
                    anyhow::ensure!(
                        secret.len() >= 32,
                        "key {}: the HS256 secret is shorter than 32 bytes",
                        entry.kid
                    );
                    (
                        Algorithm::HS256,
                        DecodingKey::from_secret(secret.as_bytes()),
                        Some(EncodingKey::from_secret(secret.as_bytes())),
                    )
                }
                "RS256" | "EdDSA" => {
                    let rsa = entry.alg == "RS256";
                    let public = entry.public_key.as_ref().ok_or_else(|| {
                        anyhow::anyhow!("key {}: {} needs \"public_key\"", entry.kid, entry.alg)
                    })?;
                    let public = read(public)?;
                    let decoding = if rsa {
                        DecodingKey::from_rsa_pem(&public)
                    } else {
                        DecodingKey::from_ed_pem(&public)
                    }
                    .map_err(|e| anyhow::anyhow!("key {}: public key: {e}", entry.kid))?;
                    let encoding = match &entry.private_key {
                        Some(p) => {
                            let private = read(p)?;
                            Some(
                                if rsa {
                                    EncodingKey::from_rsa_pem(&private)
                                } else {
                                    EncodingKey::from_ed_pem(&private)
                                }
                                .map_err(|e| {
                                    anyhow::anyhow!("key {}: private key: {e}", entry.kid)
                                })?,
                            )
                        }
                        None => None,
                    };
                    let alg = if rsa {
                        Algorithm::RS256
                    } else {
                        Algorithm::EdDSA
                    };
                    (alg, decoding, encoding)
                }
                other => anyhow::bail!(
                    "key {}: algorithm {other:?} is not one of HS256, RS256, EdDSA",
                    entry.kid
                ),
            };
            if verifying
                .insert(
                    entry.kid.clone(),
                    VerifyingKey {
                        alg,
                        key: decoding.clone(),
                    },
                )
                .is_some()
            {
                anyhow::bail!("key id {:?} appears twice", entry.kid);
            }
            if entry.kid == file.active {
                let encoding = encoding.ok_or_else(|| {
                    anyhow::anyhow!("active key {}: no private key to sign with", entry.kid)
                })?;
                prove_pair(&entry.kid, alg, &encoding, &decoding)?;
                signing = Some((alg, encoding));
            }
        }
        let (active_alg, signing) = signing
            .ok_or_else(|| anyhow::anyhow!("active key {:?} is not in the set", file.active))?;
        Ok(Self {
            active_kid: file.active,
            active_alg,
            signing,
            verifying,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySetFile {
    active: String,
    keys: Vec<KeyEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    kid: String,
    alg: String,
    #[serde(default)]
    public_key: Option<PathBuf>,
    #[serde(default)]
    private_key: Option<PathBuf>,
    #[serde(default)]
    secret: Option<PathBuf>,
}

/// Key ids are plain labels: they are looked up in the set, never used as paths or URLs.
pub fn check_kid(kid: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !kid.is_empty()
            && kid.len() <= 64
            && kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && !kid.starts_with('.'),
        "key id {kid:?}: use 1 to 64 of [A-Za-z0-9._-], not starting with a dot"
    );
    Ok(())
}

/// The active key's private half must match its public half, or every token it signs would
/// be refused; better to fail at start.
fn prove_pair(
    kid: &str,
    alg: Algorithm,
    encoding: &EncodingKey,
    decoding: &DecodingKey,
) -> anyhow::Result<()> {
    let message = b"liftoff key check";
    let signature = jsonwebtoken::crypto::sign(message, encoding, alg)
        .map_err(|e| anyhow::anyhow!("key {kid}: cannot sign: {e}"))?;
    let ok = jsonwebtoken::crypto::verify(&signature, message, decoding, alg)
        .map_err(|e| anyhow::anyhow!("key {kid}: cannot verify: {e}"))?;
    anyhow::ensure!(ok, "key {kid}: the private and public keys do not match");
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kids_are_plain_labels() {
        for good in ["primary", "2026-11", "rsa_a.1"] {
            assert!(check_kid(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "../jwt.secret",
            "a/b",
            "http://x/k",
            ".hidden",
            "k\0",
            &"x".repeat(65),
        ] {
            assert!(check_kid(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_sets_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s"), "0123456789abcdef0123456789abcdef").unwrap();
        std::fs::write(dir.path().join("short"), "short").unwrap();
        let cases = [
            (r#"{"active":"a","keys":[]}"#, "no keys"),
            (
                r#"{"active":"b","keys":[{"kid":"a","alg":"HS256","secret":"s"}]}"#,
                "not in the set",
            ),
            (
                r#"{"active":"a","keys":[{"kid":"a","alg":"HS256","secret":"short"}]}"#,
                "shorter",
            ),
            (
                r#"{"active":"a","keys":[{"kid":"a","alg":"none","secret":"s"}]}"#,
                "not one of",
            ),
            (
                r#"{"active":"a","keys":[{"kid":"a","alg":"HS256","secret":"s"},{"kid":"a","alg":"HS256","secret":"s"}]}"#,
                "twice",
            ),
            (
                r#"{"active":"../a","keys":[{"kid":"../a","alg":"HS256","secret":"s"}]}"#,
                "key id",
            ),
            (
                r#"{"active":"a","keys":[{"kid":"a","alg":"RS256","public_key":"missing.pem"}]}"#,
                "missing.pem",
            ),
            (
                r#"{"active":"a","keys":[{"kid":"a","alg":"HS256","secret":"s","jku":"http://x"}]}"#,
                "unknown field",
            ),
        ];
        for (text, why) in cases {
            let path = dir.path().join("keys.json");
            std::fs::write(&path, text).unwrap();
            let err = KeySet::from_file(&path).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(why)),
                "{text}: expected {why:?}, got {err:?}"
            );
        }
    }
}
