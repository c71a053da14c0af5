//! deployment-api: teams, the team tokens minted for them, and the revocation feed every
//! service follows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a team token may do: `viewer` reads; `deployer` also deploys, stops, rolls back and
/// pushes revisions; `admin` also manages the team's applications, groups, enrollment tokens
/// and tokens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    Viewer,
    Deployer,
    Admin,
}

impl TeamRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Deployer => "deployer",
            Self::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "deployer" => Some(Self::Deployer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// `[a-z0-9][a-z0-9-]{0,62}`.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Team {
    pub name: String,
    pub description: Option<String>,
    /// A disabled team's tokens are refused (401) everywhere.
    pub disabled: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TeamList {
    pub teams: Vec<Team>,
}

/// A token for the team in the path. The team is never taken from the body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub role: TeamRole,
    /// Lifetime in seconds (default 30 days, 60 s to 365 days).
    #[serde(default)]
    pub ttl_secs: Option<u64>,
    /// Who or what holds the token (recorded as the actor of what it does). Default
    /// `token-<first 8 characters of its id>`.
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// A platform administrator (manages teams and every team's tokens). Only a platform
    /// administrator may mint one.
    #[serde(default)]
    pub platform: bool,
}

/// A minted token: the secret is shown only in this answer and never stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub record: TokenRecord,
}

/// What is recorded of a minted token (never the token itself).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's `jti`; revoke by it.
    pub jti: String,
    pub team: String,
    pub role: TeamRole,
    pub subject: String,
    pub platform: bool,
    pub description: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenRecord>,
}

/// `POST /v1/tokens/revocations` (service credential): a service revokes a credential it
/// issued itself, such as host-registry the credential of a host it deregistered. The entry
/// joins the revocation feed like any revoked token; revoking twice is harmless.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RevokeCredential {
    /// The credential's id (`jti`).
    pub jti: String,
    /// The team it belongs to, if any.
    #[serde(default)]
    pub team: Option<String>,
    /// When it expires anyway (the entry can be forgotten after that).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Why, for the audit trail (e.g. `host 1f0c… deregistered by an operator`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The answer to a revocation: the token's record, or for a token this API never minted (the
/// admin token of `liftoff up`, a host credential) only its id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevokedToken {
    pub jti: String,
    pub revoked_at: DateTime<Utc>,
    pub record: Option<TokenRecord>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RevocationKind {
    /// The token `jti` is refused from now on.
    Token,
    /// Every team token of `team` is refused until the team is enabled again.
    TeamDisabled,
    TeamEnabled,
}

impl RevocationKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::TeamDisabled => "team_disabled",
            Self::TeamEnabled => "team_enabled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "token" => Some(Self::Token),
            "team_disabled" => Some(Self::TeamDisabled),
            "team_enabled" => Some(Self::TeamEnabled),
            _ => None,
        }
    }
}

/// One entry of the revocation feed, in commit order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Revocation {
    pub seq: i64,
    pub kind: RevocationKind,
    pub jti: Option<String>,
    pub team: Option<String>,
    /// When the revoked token would have expired anyway (after which the entry can be
    /// forgotten); none for team entries and tokens of unknown lifetime.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A page of the feed: apply `revocations` in order, then ask again after `next_after`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RevocationPage {
    pub revocations: Vec<Revocation>,
    pub next_after: i64,
    /// More entries follow `next_after` right now.
    pub more: bool,
}

/// Who the presented team token is (`GET /v1/whoami`): what a client such as the web console
/// needs to show only the controls the token may use.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Whoami {
    pub team: String,
    pub role: TeamRole,
    /// The token's subject: the actor recorded for what it does.
    pub subject: String,
    /// A platform administrator (manages teams and every team's tokens).
    pub platform: bool,
    pub expires_at: DateTime<Utc>,
}
