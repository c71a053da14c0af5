//! The verified caller of a request: extracted once per request (by the admission middleware
//! or, without it, by the extractor) and asked what it may do.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use uuid::Uuid;

use super::{Authority, Claims, Role, TokenKind};
use crate::error::ApiError;

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub kind: TokenKind,
    /// Shared with the verified-token cache: a clone of the caller copies no string.
    pub claims: Arc<Claims>,
}

impl Caller {
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// A platform administrator: an admin team token with the `platform` flag.
    pub fn is_platform_admin(&self) -> bool {
        self.kind == TokenKind::Team
            && self.claims.platform
            && self.claims.role.as_deref() == Some(Role::Admin.as_str())
    }

    /// The team of a team token, whatever its role.
    pub fn team_name(&self) -> Option<&str> {
        match self.kind {
            TokenKind::Team => self.claims.team.as_deref(),
            _ => None,
        }
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

/// The outcome of verifying a request's bearer token, kept in the request's extensions so the
/// admission middleware and the `Caller` extractor verify it once.
#[derive(Clone)]
pub struct Verified(pub Result<Caller, ApiError>);

fn extract(req: &HttpRequest) -> Result<Caller, ApiError> {
    if let Some(v) = req.extensions().get::<Verified>() {
        return v.0.clone();
    }
    let verified = verify_request(req);
    req.extensions_mut().insert(Verified(verified.clone()));
    verified
}

/// The bearer token of a request, if it carries an Authorization header.
pub fn bearer(req: &HttpRequest) -> Option<Result<&str, ApiError>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .map_err(|_| ApiError::unauthorized("malformed Authorization header"))
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
                    .map(str::trim)
                    .ok_or_else(|| ApiError::unauthorized("Authorization must be a Bearer token"))
            }),
    )
}

/// Verifies a request's bearer token with the app's `Authority`.
pub fn verify_request(req: &HttpRequest) -> Result<Caller, ApiError> {
    let authority = req
        .app_data::<web::Data<Authority>>()
        .ok_or_else(|| ApiError::internal("no token authority configured"))?;
    let token = bearer(req).ok_or_else(|| ApiError::unauthorized("missing bearer token"))??;
    let (kind, claims) = authority.verify(token)?;
    Ok(Caller { kind, claims })
}
