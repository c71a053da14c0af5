//! Tokens this process has already verified. Every agent presents the same host credential at
//! each heartbeat and long poll, and a script its team token at every request: checking the
//! signature, decoding and validating the claims again each time is work whose answer cannot
//! change until the token expires. (With an RS256 or EdDSA key set, the signature check alone
//! is tens of microseconds: at 10,000 hosts, a tenth of a core.)
//!
//! What is remembered is only what cannot change: that these exact bytes carry a valid
//! signature of a key in this process's key set, and their claims. What can change is still
//! checked at every request by [`super::Authority::verify`]: revocation and a disabled team
//! (so both still take effect at once), and the validity window, checked here against the
//! clock at each use. The key is a SHA-256 of the whole token, so a token that differs in any
//! byte (a tampered signature or payload) is verified in full.
//!
//! The memory is bounded: at [`CAPACITY`] entries, expired ones are dropped, and if that is not
//! enough, all of them (they are verified again on their next use).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::{Claims, TokenKind};

/// At most this many tokens are remembered (~300 bytes each).
pub const CAPACITY: usize = 65_536;

/// The clock skew allowed on `exp` and `nbf`, as in the full verification.
pub const LEEWAY_S: i64 = 30;

/// A token's identity in the cache.
pub type TokenKey = [u8; 32];

pub fn key_of(token: &str) -> TokenKey {
    Sha256::digest(token.as_bytes()).into()
}

#[derive(Debug, Default)]
pub struct VerifiedTokens {
    inner: RwLock<HashMap<TokenKey, (TokenKind, Arc<Claims>)>>,
}

fn valid_at(claims: &Claims, now: i64) -> bool {
    claims.exp >= now - LEEWAY_S && claims.nbf <= now + LEEWAY_S
}

impl VerifiedTokens {
    /// The kind and claims of a token verified before, if it is still within its validity
    /// window at `now` (Unix seconds). The claims are shared, not copied: a request used to
    /// copy their six strings three times (2.8 % of an idle 10,000-host fleet's CPU).
    pub fn get(&self, key: &TokenKey, now: i64) -> Option<(TokenKind, Arc<Claims>)> {
        let map = self.inner.read().ok()?;
        let (kind, claims) = map.get(key)?;
        valid_at(claims, now).then(|| (*kind, claims.clone()))
    }

    /// Remembers a token that was just verified in full.
    pub fn put(&self, key: TokenKey, kind: TokenKind, claims: Arc<Claims>, now: i64) {
        let Ok(mut map) = self.inner.write() else {
            return;
        };
        if map.len() >= CAPACITY && !map.contains_key(&key) {
            map.retain(|_, (_, c)| valid_at(c, now));
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key, (kind, claims));
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.read().map(|m| m.len()).unwrap_or(0)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(jti: &str, exp: i64) -> Arc<Claims> {
        Arc::new(Claims {
            iss: "liftoff".into(),
            aud: "liftoff-host".into(),
            sub: "h".into(),
            team: None,
            role: None,
            platform: false,
            exp,
            iat: exp - 3600,
            nbf: exp - 3600,
            jti: jti.into(),
        })
    }

    #[test]
    fn a_remembered_token_is_answered_only_within_its_validity_window() {
        let v = VerifiedTokens::default();
        let k = key_of("a.b.c");
        v.put(k, TokenKind::Host, claims("j", 1_000_000), 999_000);
        assert_eq!(v.get(&k, 999_000).unwrap().1.jti, "j");
        assert!(v.get(&k, 1_000_000 + LEEWAY_S).is_some());
        assert!(v.get(&k, 1_000_000 + LEEWAY_S + 1).is_none(), "expired");
        assert!(
            v.get(&k, 1_000_000 - 3600 - LEEWAY_S - 1).is_none(),
            "not yet valid"
        );
        assert!(
            v.get(&key_of("a.b.d"), 999_000).is_none(),
            "any other byte: not known"
        );
    }

    #[test]
    fn the_memory_is_bounded_expired_tokens_first() {
        let v = VerifiedTokens::default();
        let now = 1_000_000;
        // Half of them expired.
        for i in 0..CAPACITY {
            let exp = if i % 2 == 0 { now - 100 } else { now + 100 };
            v.put(
                key_of(&i.to_string()),
                TokenKind::Host,
                claims("j", exp),
                now,
            );
        }
        assert_eq!(v.len(), CAPACITY);
        v.put(key_of("new"), TokenKind::Host, claims("j", now + 100), now);
        assert_eq!(v.len(), CAPACITY / 2 + 1);
        assert!(v.get(&key_of("1"), now).is_some(), "a valid token was kept");
        // All still valid and full: everything is forgotten rather than growing.
        let v = VerifiedTokens::default();
        for i in 0..CAPACITY {
            v.put(
                key_of(&i.to_string()),
                TokenKind::Host,
                claims("j", now + 100),
                now,
            );
        }
        v.put(key_of("new"), TokenKind::Host, claims("j", now + 100), now);
        assert_eq!(v.len(), 1);
    }
}
