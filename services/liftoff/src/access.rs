//! `liftoff token` and `liftoff team`, and the flags `up` and `serve` take for keys and rate
//! limits.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use liftoff_client::DeploymentApiClient;
use liftoff_kit::admission::{Budget, RateLimits};
use liftoff_platform::ServiceSettings;
use liftoff_types::tokens::{CreateTeam, CreateToken, TeamRole};

use crate::cli::{Global, parse_duration};
use crate::client::{http, print};

/// Keys and rate limits of a server.
#[derive(Debug, Args, Clone, Default)]
pub struct AuthArgs {
    /// A key set file: RS256/EdDSA (and HS256) keys by `kid`, one active (see the README).
    /// Without it, HS256 with the secret in the data dir or --secret-file.
    #[arg(long, env = "LIFTOFF_KEYSET")]
    pub keyset: Option<PathBuf>,
    /// Per-team rate limit of this replica, RATE/BURST in requests (default 100/500).
    #[arg(long, env = "LIFTOFF_RATE_TEAM", value_parser = Budget::parse)]
    pub rate_team: Option<Budget>,
    /// Per-host rate limit (default 20/100).
    #[arg(long, env = "LIFTOFF_RATE_HOST", value_parser = Budget::parse)]
    pub rate_host: Option<Budget>,
    /// Per-address rate limit of requests without a valid token (default 100/1000).
    #[arg(long, env = "LIFTOFF_RATE_ANONYMOUS", value_parser = Budget::parse)]
    pub rate_anonymous: Option<Budget>,
    /// What a read (GET, HEAD) counts against these limits, where a write counts 1
    /// (default 0.1: a team may read ten times as often as it writes).
    #[arg(long, env = "LIFTOFF_RATE_READ_COST", value_parser = parse_read_cost)]
    pub rate_read_cost: Option<f64>,
}

fn parse_read_cost(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(c) if c > 0.0 && c <= 1.0 => Ok(c),
        _ => Err(format!(
            "{s:?}: expected a number above 0 and at most 1, e.g. 0.1"
        )),
    }
}

impl AuthArgs {
    pub fn apply(&self, settings: &mut ServiceSettings) {
        settings.auth.keyset = self.keyset.clone();
        let d = RateLimits::default();
        settings.auth.rate_limits = Some(RateLimits {
            team: self.rate_team.unwrap_or(d.team),
            host: self.rate_host.unwrap_or(d.host),
            anonymous: self.rate_anonymous.unwrap_or(d.anonymous),
            read_cost: self.rate_read_cost.unwrap_or(d.read_cost),
        });
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Mint a team token (a team admin for its own team, a platform admin for any).
    Create {
        #[arg(long)]
        team: String,
        /// viewer, deployer or admin.
        #[arg(long, value_parser = parse_role)]
        role: TeamRole,
        /// Lifetime, e.g. 12h, 30d (default 30d, at most 365d).
        #[arg(long, value_parser = parse_duration)]
        ttl: Option<std::time::Duration>,
        /// Who holds it (recorded as the actor of what it does).
        #[arg(long)]
        subject: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A platform administrator's token (platform admins only).
        #[arg(long)]
        platform: bool,
    },
    /// Revoke a token by its id (`jti`): refused everywhere within a second.
    Revoke { jti: String },
    /// The tokens minted for a team.
    List {
        #[arg(long)]
        team: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// Create a team (platform admin).
    Create {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Every team (platform admin), or your own.
    List,
    /// Disable a team: its tokens are refused everywhere (platform admin).
    Disable { name: String },
    /// Enable a disabled team again (platform admin).
    Enable { name: String },
}

fn parse_role(s: &str) -> Result<TeamRole, String> {
    TeamRole::parse(s).ok_or_else(|| format!("{s:?} is not viewer, deployer or admin"))
}

pub async fn token(g: &Global, cmd: TokenCmd) -> anyhow::Result<ExitCode> {
    let api = DeploymentApiClient::new(http(g)?);
    match cmd {
        TokenCmd::Create {
            team,
            role,
            ttl,
            subject,
            description,
            platform,
        } => {
            let t = api
                .create_token(
                    &team,
                    &CreateToken {
                        role,
                        ttl_secs: ttl.map(|d| d.as_secs()),
                        subject,
                        description,
                        platform,
                    },
                )
                .await?;
            // Human output is the token alone, so `TOKEN=$(liftoff token create ...)` works.
            print(g, &t, |t| t.token.clone())?;
        }
        TokenCmd::Revoke { jti } => {
            let r = api.revoke_token(&jti).await?;
            print(g, &r, |r| {
                format!("revoked token {} at {}", r.jti, r.revoked_at)
            })?;
        }
        TokenCmd::List { team } => {
            let l = api.list_tokens(&team).await?;
            print(g, &l, |l| {
                l.tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}  {:8}  {:20}  expires {}{}",
                            t.jti,
                            t.role.as_str(),
                            t.subject,
                            t.expires_at,
                            t.revoked_at
                                .map(|r| format!("  revoked {r}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn team(g: &Global, cmd: TeamCmd) -> anyhow::Result<ExitCode> {
    let api = DeploymentApiClient::new(http(g)?);
    let team = match cmd {
        TeamCmd::Create { name, description } => {
            api.create_team(&CreateTeam { name, description }).await?
        }
        TeamCmd::Disable { name } => api.set_team_disabled(&name, true).await?,
        TeamCmd::Enable { name } => api.set_team_disabled(&name, false).await?,
        TeamCmd::List => {
            let l = api.list_teams().await?;
            print(g, &l, |l| {
                l.teams
                    .iter()
                    .map(|t| format!("{}{}", t.name, if t.disabled { "  (disabled)" } else { "" }))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    print(g, &team, |t| {
        format!(
            "team {}{}",
            t.name,
            if t.disabled { " (disabled)" } else { "" }
        )
    })?;
    Ok(ExitCode::SUCCESS)
}
