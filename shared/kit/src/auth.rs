//! Credentials: team tokens, host credentials and service credentials are JWTs of three
//! audiences, never interchangeable. HS256 with a secret from the data dir by default.

use std::future::{Ready, ready};
use std::path::Path;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use liftoff_types::audience;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

const ISSUER: &str = "liftoff";
const KEY_ID: &str = "primary";

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

/// Signs and verifies every credential of one installation.
#[derive(Clone)]
pub struct Authority {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authority(HS256)")
    }
}

impl Authority {
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Reads the signing secret from `path`, creating a random one (mode 0600) on first use.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let secret: [u8; 32] = rand::random();
            write_private(path, hex::encode(secret).as_bytes())?;
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
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(KEY_ID.into());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("cannot sign token: {e}")))?;
        Ok((token, claims))
    }

    /// Verifies signature, algorithm, issuer, audience and validity times.
    pub fn verify(&self, token: &str) -> Result<(TokenKind, Claims), ApiError> {
        let bad = |why: &str| ApiError::unauthorized(format!("invalid token: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| bad("malformed"))?;
        if header.alg != Algorithm::HS256 {
            return Err(bad("algorithm not allowed"));
        }
        if header.jku.is_some() || header.x5u.is_some() || header.jwk.is_some() {
            return Err(bad("key URLs and embedded keys are not accepted"));
        }
        if header.kid.as_deref().is_some_and(|k| k != KEY_ID) {
            return Err(bad("unknown key id"));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience::TEAM, audience::HOST, audience::SERVICE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| bad(&e.to_string()))?;
        let claims = data.claims;
        let kind = match claims.aud.as_str() {
            a if a == audience::TEAM => TokenKind::Team,
            a if a == audience::HOST => TokenKind::Host,
            a if a == audience::SERVICE => TokenKind::Service,
            _ => return Err(bad("unknown audience")),
        };
        if claims.iat > chrono::Utc::now().timestamp() + 300 {
            return Err(bad("issued in the future"));
        }
        Ok((kind, claims))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes a token file readable only by its owner.
pub fn write_token_file(path: &Path, token: &str) -> std::io::Result<()> {
    write_private(path, format!("{token}\n").as_bytes())
}

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: TokenKind,
    pub claims: Claims,
}

impl Caller {
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// A team member with at least `min` role; returns the team.
    pub fn team(&self, min: Role) -> Result<&str, ApiError> {
        if self.kind != TokenKind::Team {
            return Err(ApiError::unauthorized("this API takes a team token"));
        }
        let team = self
            .claims
            .team
            .as_deref()
            .ok_or_else(|| ApiError::unauthorized("token has no team"))?;
        let role = self
            .claims
            .role
            .as_deref()
            .and_then(Role::parse)
            .ok_or_else(|| ApiError::unauthorized("token has no valid role"))?;
        if role < min {
            return Err(ApiError::forbidden(format!(
                "role {} may not do this (needs {})",
                role.as_str(),
                min.as_str()
            )));
        }
        Ok(team)
    }

    /// A team member (returns `Some(team)`) or a peer service (`None`: all teams).
    pub fn team_or_service(&self, min: Role) -> Result<Option<&str>, ApiError> {
        if self.kind == TokenKind::Service {
            return Ok(None);
        }
        self.team(min).map(Some)
    }

    pub fn service(&self) -> Result<(), ApiError> {
        if self.kind == TokenKind::Service {
            Ok(())
        } else {
            Err(ApiError::unauthorized(
                "this API takes a service credential",
            ))
        }
    }

    /// The agent of host `host_id`. Another host's credential is refused with 403.
    pub fn host(&self, host_id: Uuid) -> Result<(), ApiError> {
        if self.kind != TokenKind::Host {
            return Err(ApiError::unauthorized("this API takes a host credential"));
        }
        if self.claims.sub != host_id.to_string() {
            return Err(ApiError::forbidden("a host may act only for itself"));
        }
        Ok(())
    }

    /// The host id of a host credential.
    pub fn host_id(&self) -> Result<Uuid, ApiError> {
        if self.kind != TokenKind::Host {
            return Err(ApiError::unauthorized("this API takes a host credential"));
        }
        Uuid::parse_str(&self.claims.sub).map_err(|_| ApiError::unauthorized("bad host credential"))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req))
    }
}

fn extract(req: &HttpRequest) -> Result<Caller, ApiError> {
    let authority = req
        .app_data::<web::Data<Authority>>()
        .ok_or_else(|| ApiError::internal("no token authority configured"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::unauthorized("Authorization must be a Bearer token"))?
        .trim();
    let (kind, claims) = authority.verify(token)?;
    Ok(Caller { kind, claims })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn authority() -> Authority {
        Authority::from_secret(b"0123456789abcdef0123456789abcdef")
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
        let mut bytes = t.clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(a.verify(&String::from_utf8(bytes).unwrap()).is_err());
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
}
