//! Credentials: team tokens, host credentials and service credentials are JWTs of three
//! audiences, never interchangeable. HS256 with a secret from the data dir by default, or a
//! fixed key set of RS256/EdDSA keys selected by `kid` (see [`keys`]). Revoked tokens and
//! disabled teams are refused at once in this process and within a tick everywhere (see
//! [`revocation`]).

use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, Header, Validation};
use liftoff_types::audience;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

pub mod caller;
pub mod keys;
pub mod revocation;
pub mod verified;

pub use caller::{Caller, Verified, bearer, verify_request};
pub use revocation::{RevocationFeed, Revocations};

use keys::KeySet;

const ISSUER: &str = "liftoff";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Team,
    Host,
    Service,
}

impl TokenKind {
    pub fn audience(&self) -> &'static str {
        match self {
            Self::Team => audience::TEAM,
            Self::Host => audience::HOST,
            Self::Service => audience::SERVICE,
        }
    }
}

/// Team roles, ordered by what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Deployer,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "deployer" => Some(Self::Deployer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Deployer => "deployer",
            Self::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Platform administrators manage teams and keys.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub platform: bool,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
}

/// Signs and verifies every credential of one installation. Clones share the keys and the
/// revocations, so a revocation applied through one clone is seen by all of them.
#[derive(Clone)]
pub struct Authority {
    keys: Arc<KeySet>,
    revocations: Arc<Revocations>,
    /// Tokens already verified with these keys (see [`verified`]).
    verified: Arc<verified::VerifiedTokens>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Authority({})", self.keys.describe())
    }
}

impl Authority {
    pub fn from_secret(secret: &[u8]) -> Self {
        Self::with_keys(KeySet::hs256(secret))
    }

    fn with_keys(keys: KeySet) -> Self {
        Self {
            keys: Arc::new(keys),
            revocations: Arc::new(Revocations::default()),
            verified: Arc::default(),
        }
    }

    /// Reads the signing secret from `path`, creating a random one (mode 0600) on first use.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let secret: [u8; 32] = rand::random();
            match write_private(path, hex::encode(secret).as_bytes()) {
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                other => other?,
            }
        }
        let text = std::fs::read_to_string(path)?;
        let secret = text.trim();
        anyhow::ensure!(
            secret.len() >= 32,
            "signing secret in {} is too short",
            path.display()
        );
        Ok(Self::from_secret(secret.as_bytes()))
    }

    /// Loads a key set file (RS256/EdDSA/HS256 keys by `kid`, one of them active).
    pub fn from_keyset_file(path: &Path) -> anyhow::Result<Self> {
        Ok(Self::with_keys(KeySet::from_file(path)?))
    }

    /// The key set file if one is given, else the HS256 secret at `secret` (created if missing).
    pub fn load(keyset: Option<&Path>, secret: &Path) -> anyhow::Result<Self> {
        let authority = match keyset {
            Some(k) => Self::from_keyset_file(k)?,
            None => Self::load_or_create(secret)?,
        };
        tracing::info!(keys = %authority.keys.describe(), "token keys loaded");
        Ok(authority)
    }

    /// The `kid` new credentials are signed with.
    pub fn active_kid(&self) -> &str {
        &self.keys.active_kid
    }

    /// This process's revocations (shared by every clone).
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// Mints a credential.
    pub fn mint(
        &self,
        kind: TokenKind,
        subject: &str,
        team: Option<&str>,
        role: Option<Role>,
        platform: bool,
        ttl: chrono::Duration,
    ) -> Result<(String, Claims), ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: kind.audience().into(),
            sub: subject.into(),
            team: team.map(str::to_string),
            role: role.map(|r| r.as_str().to_string()),
            platform,
            exp: now + ttl.num_seconds(),
            iat: now,
            nbf: now - 5,
            jti: Uuid::new_v4().to_string(),
        };
        let token = self.sign(&claims)?;
        Ok((token, claims))
    }

    /// Signs `claims` as they are, with the active key.
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let mut header = Header::new(self.keys.active_alg);
        header.kid = Some(self.keys.active_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.keys.signing)
            .map_err(|e| ApiError::internal(format!("cannot sign token: {e}")))
    }

    /// Verifies the header (only `typ`, `alg` and `kid`; the `kid` of a key in the set, and
    /// that key's one algorithm), the signature, issuer, audience, validity times, and that the
    /// token is not revoked nor its team disabled.
    ///
    /// A token verified before is not decoded nor its signature checked again while it is
    /// valid (see [`verified`]); revocation and a disabled team are checked every time.
    pub fn verify(&self, token: &str) -> Result<(TokenKind, Arc<Claims>), ApiError> {
        let key = verified::key_of(token);
        let now = chrono::Utc::now().timestamp();
        let (kind, claims) = match self.verified.get(&key, now) {
            Some(known) => known,
            None => {
                let (kind, claims) = self.verify_signed(token, now)?;
                let claims = Arc::new(claims);
                self.verified.put(key, kind, claims.clone(), now);
                (kind, claims)
            }
        };
        if self.revocations.is_revoked(&claims.jti) {
            return Err(ApiError::unauthorized(revoked_message(kind)));
        }
        if kind == TokenKind::Team
            && let Some(team) = &claims.team
            && self.revocations.is_team_disabled(team)
        {
            return Err(ApiError::unauthorized(format!("team {team} is disabled")));
        }
        Ok((kind, claims))
    }

    /// What does not change for a given token: its header, signature, issuer, audience,
    /// validity times at `now`.
    fn verify_signed(&self, token: &str, now: i64) -> Result<(TokenKind, Claims), ApiError> {
        let bad = |why: &str| ApiError::unauthorized(format!("invalid token: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad("malformed"))?;
        check_header(&header).map_err(bad)?;
        let kid = header.kid.as_deref().ok_or_else(|| bad("no key id"))?;
        let key = self
            .keys
            .verifying
            .get(kid)
            .ok_or_else(|| bad("unknown key id"))?;
        // The algorithm is the key's, never the token's choice.
        if header.alg != key.alg {
            return Err(bad("algorithm not allowed for this key"));
        }
        let mut validation = Validation::new(key.alg);
        validation.algorithms = vec![key.alg];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience::TEAM, audience::HOST, audience::SERVICE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
        validation.validate_nbf = true;
        validation.leeway = verified::LEEWAY_S as u64;
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| bad(&e.to_string()))?;
        let claims = data.claims;
        let kind = match claims.aud.as_str() {
            a if a == audience::TEAM => TokenKind::Team,
            a if a == audience::HOST => TokenKind::Host,
            a if a == audience::SERVICE => TokenKind::Service,
            _ => return Err(bad("unknown audience")),
        };
        if claims.iat > now + 300 {
            return Err(bad("issued in the future"));
        }
        Ok((kind, claims))
    }
}

/// The audience of grants: never one of the credential audiences, so [`Authority::verify`]
/// refuses a grant as a credential.
const GRANT_AUDIENCE_PREFIX: &str = "liftoff-grant:";

impl Authority {
    /// A narrow signed permission for `subject` (e.g. `<host>/<command>`) to do `purpose`. It is
    /// not a credential: it only vouches, alongside the caller's own credential, that the
    /// service that owns the fact issued it.
    pub fn grant(
        &self,
        purpose: &str,
        subject: &str,
        ttl: chrono::Duration,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&Claims {
            iss: ISSUER.into(),
            aud: format!("{GRANT_AUDIENCE_PREFIX}{purpose}"),
            sub: subject.into(),
            team: None,
            role: None,
            platform: false,
            exp: now + ttl.num_seconds(),
            iat: now,
            nbf: now - 5,
            jti: Uuid::new_v4().to_string(),
        })
    }

    /// Whether `token` is a grant of this installation for `purpose` and exactly `subject`.
    pub fn check_grant(&self, token: &str, purpose: &str, subject: &str) -> Result<(), ApiError> {
        let bad = |why: &str| ApiError::forbidden(format!("upload grant refused: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad("malformed"))?;
        check_header(&header).map_err(bad)?;
        let kid = header.kid.as_deref().ok_or_else(|| bad("no key id"))?;
        let key = self
            .keys
            .verifying
            .get(kid)
            .ok_or_else(|| bad("unknown key id"))?;
        if header.alg != key.alg {
            return Err(bad("algorithm not allowed for this key"));
        }
        let mut validation = Validation::new(key.alg);
        validation.algorithms = vec![key.alg];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[format!("{GRANT_AUDIENCE_PREFIX}{purpose}")]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| bad(&e.to_string()))?;
        if data.claims.sub != subject {
            return Err(bad("issued for another host or command"));
        }
        Ok(())
    }
}

/// What a revoked credential is told.
pub fn revoked_message(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Host => {
            "host credential revoked: the host was deregistered (or its credential revoked); enroll it again to rejoin"
        }
        _ => "token revoked",
    }
}

/// Only what we put in a header is accepted: no key URLs (`jku`, `x5u`), no embedded keys or
/// certificates (`jwk`, `x5c`), no critical extensions we would not understand.
fn check_header(h: &Header) -> Result<(), &'static str> {
    if h.jku.is_some() || h.x5u.is_some() || h.url.is_some() {
        return Err("key URLs are not accepted");
    }
    if h.jwk.is_some() || h.x5c.is_some() || h.x5t.is_some() || h.x5t_s256.is_some() {
        return Err("embedded keys are not accepted");
    }
    if h.crit.is_some()
        || h.enc.is_some()
        || h.zip.is_some()
        || h.nonce.is_some()
        || h.cty.is_some()
        || h.extras != jsonwebtoken::Extras::default()
    {
        return Err("unexpected header parameters");
    }
    if h.typ
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
    {
        return Err("not a JWT");
    }
    if !matches!(
        h.alg,
        Algorithm::HS256 | Algorithm::RS256 | Algorithm::EdDSA
    ) {
        return Err("algorithm not allowed");
    }
    Ok(())
}

/// Creates `path` with `bytes`, readable only by its owner, all at once: the bytes go to a
/// private temporary file that is then hard-linked into place, so a process starting at the
/// same moment sees no file or the whole file, never a partial one, and an existing file is
/// never replaced (`AlreadyExists`).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp", Uuid::new_v4()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Writes a token file readable only by its owner.
pub fn write_token_file(path: &Path, token: &str) -> std::io::Result<()> {
    write_private(path, format!("{token}\n").as_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use jsonwebtoken::EncodingKey;

    use super::*;

    fn authority() -> Authority {
        Authority::from_secret(b"0123456789abcdef0123456789abcdef")
    }

    /// `token` with one byte of its signature changed.
    fn tampered(token: &str) -> String {
        let mut bytes = token.as_bytes().to_vec();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_grant_is_for_its_subject_only_and_never_a_credential() {
        let a = authority();
        let g = a
            .grant("hook-log", "h1/c1", chrono::Duration::hours(1))
            .unwrap();
        a.check_grant(&g, "hook-log", "h1/c1").unwrap();
        assert_eq!(
            a.check_grant(&g, "hook-log", "h2/c1")
                .unwrap_err()
                .status
                .as_u16(),
            403
        );
        assert!(a.check_grant(&g, "other", "h1/c1").is_err());
        assert!(a.verify(&g).is_err(), "a grant authenticates nothing");
        let (credential, _) = a
            .mint(
                TokenKind::Host,
                "h1/c1",
                Some("t"),
                None,
                false,
                chrono::Duration::hours(1),
            )
            .unwrap();
        assert!(a.check_grant(&credential, "hook-log", "h1/c1").is_err());
    }

    #[test]
    fn minted_tokens_verify_with_their_kind() {
        let a = authority();
        let (t, _) = a
            .mint(
                TokenKind::Host,
                "h1",
                Some("team"),
                None,
                false,
                chrono::Duration::hours(1),
            )
            .unwrap();
        let (kind, claims) = a.verify(&t).unwrap();
        assert_eq!(kind, TokenKind::Host);
        assert_eq!(claims.sub, "h1");
    }

    #[test]
    fn a_token_verified_before_is_remembered_but_revocation_still_holds_at_once() {
        let a = authority();
        let hour = chrono::Duration::hours(1);
        let (t, c) = a
            .mint(TokenKind::Host, "h1", Some("t"), None, false, hour)
            .unwrap();
        assert!(a.verified.is_empty());
        a.verify(&t).unwrap();
        assert_eq!(a.verified.len(), 1, "verified once, remembered");
        assert_eq!(
            *a.verify(&t).unwrap().1,
            c,
            "answered from memory, same claims"
        );
        // A byte changed in the signature of a remembered token: verified in full, refused.
        assert!(a.verify(&tampered(&t)).is_err());
        // Revoked through another clone: refused at the next request.
        a.clone().revocations().revoke(&c.jti, Some(c.exp));
        assert_eq!(a.verify(&t).unwrap_err().status.as_u16(), 401);
        // A team disabled after its token was remembered: refused at once too.
        let (team, _) = a
            .mint(
                TokenKind::Team,
                "u",
                Some("x"),
                Some(Role::Admin),
                false,
                hour,
            )
            .unwrap();
        a.verify(&team).unwrap();
        a.revocations().set_team_disabled("x", true);
        assert_eq!(a.verify(&team).unwrap_err().status.as_u16(), 401);
    }

    #[test]
    fn refuses_tampered_expired_and_foreign_tokens() {
        let a = authority();
        let (t, _) = a
            .mint(
                TokenKind::Team,
                "u",
                Some("t"),
                Some(Role::Admin),
                false,
                chrono::Duration::hours(1),
            )
            .unwrap();
        assert!(a.verify(&tampered(&t)).is_err());
        let (old, _) = a
            .mint(
                TokenKind::Team,
                "u",
                Some("t"),
                Some(Role::Admin),
                false,
                chrono::Duration::hours(-2),
            )
            .unwrap();
        assert!(a.verify(&old).is_err());
        let other = Authority::from_secret(b"ffffffffffffffffffffffffffffffff");
        assert!(other.verify(&t).is_err());
        assert!(a.verify("garbage").is_err());
        assert!(a.verify("a.b.c").is_err());
    }

    #[test]
    fn roles_are_ordered() {
        let a = authority();
        let (t, _) = a
            .mint(
                TokenKind::Team,
                "u",
                Some("t"),
                Some(Role::Viewer),
                false,
                chrono::Duration::hours(1),
            )
            .unwrap();
        let (kind, claims) = a.verify(&t).unwrap();
        let caller = Caller { kind, claims };
        assert!(caller.team(Role::Viewer).is_ok());
        assert_eq!(
            caller.team(Role::Deployer).unwrap_err().status.as_u16(),
            403
        );
        assert_eq!(
            caller.host(Uuid::new_v4()).unwrap_err().status.as_u16(),
            401
        );
    }

    #[test]
    fn revocations_hold_for_every_clone() {
        let a = authority();
        let b = a.clone();
        let hour = chrono::Duration::hours(1);
        let (t, c) = a
            .mint(
                TokenKind::Team,
                "u",
                Some("t"),
                Some(Role::Viewer),
                false,
                hour,
            )
            .unwrap();
        b.revocations().revoke(&c.jti, Some(c.exp));
        assert_eq!(a.verify(&t).unwrap_err().status.as_u16(), 401);
        let (team, _) = a
            .mint(
                TokenKind::Team,
                "u",
                Some("x"),
                Some(Role::Admin),
                false,
                hour,
            )
            .unwrap();
        let (host, _) = a
            .mint(TokenKind::Host, "h", Some("x"), None, false, hour)
            .unwrap();
        a.revocations().set_team_disabled("x", true);
        assert_eq!(b.verify(&team).unwrap_err().status.as_u16(), 401);
        assert!(
            b.verify(&host).is_ok(),
            "a disabled team's hosts keep their credentials"
        );
        a.revocations().set_team_disabled("x", false);
        assert!(b.verify(&team).is_ok());
    }

    #[test]
    fn only_the_keys_algorithm_and_plain_headers_pass() {
        let a = authority();
        let claims = a
            .mint(
                TokenKind::Team,
                "u",
                Some("t"),
                Some(Role::Viewer),
                false,
                chrono::Duration::hours(1),
            )
            .unwrap()
            .1;
        let key = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        let sign = |h: Header| jsonwebtoken::encode(&h, &claims, &key).unwrap();
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(keys::DEFAULT_KID.into());
        assert!(a.verify(&sign(h.clone())).is_ok());
        let mut other_alg = h.clone();
        other_alg.alg = Algorithm::HS512;
        assert!(a.verify(&sign(other_alg)).is_err());
        let mut no_kid = h.clone();
        no_kid.kid = None;
        assert!(a.verify(&sign(no_kid)).is_err());
        let mut jku = h.clone();
        jku.jku = Some("http://127.0.0.1:1/jwks".into());
        assert!(a.verify(&sign(jku)).is_err());
        let mut x5u = h.clone();
        x5u.x5u = Some("http://127.0.0.1:1/cert".into());
        assert!(a.verify(&sign(x5u)).is_err());
        let mut typ = h;
        typ.typ = Some("at+jwt".into());
        assert!(a.verify(&sign(typ)).is_err());
    }
}
