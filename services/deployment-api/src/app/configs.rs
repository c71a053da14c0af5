//! Deployment configurations: CodeDeploy's built-ins, and a team's custom ones (minimum
//! healthy hosts as a count or a percent of the fleet, a zone mode, an optional canary batch).
//! The scheduler carries them out; a deployment keeps a copy of what its configuration said.

use liftoff_kit::db::{now, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::{
    CreateDeploymentConfig, DeploymentConfig, MinimumHealthy, ZoneMode,
};
use liftoff_types::events::EventType;
use liftoff_types::names::validate_name;
use uuid::Uuid;

use crate::State;
use crate::store::configs::{self, ConfigRow};
use crate::store::{deployments, groups};

pub const DEFAULT: &str = "AllAtOnce";

/// Largest `HOST_COUNT` accepted: far above any fleet, low enough to catch typos.
const MAX_HOST_COUNT: u32 = 1_000_000;
/// Longest bake between zones: a day.
const MAX_ZONE_BAKE_SECS: u32 = 86_400;

pub fn builtins() -> Vec<DeploymentConfig> {
    [
        ("AllAtOnce", MinimumHealthy::HostCount(0)),
        ("HalfAtATime", MinimumHealthy::FleetPercent(50)),
        ("OneAtATime", MinimumHealthy::AllButOne),
    ]
    .into_iter()
    .map(|(name, minimum_healthy)| DeploymentConfig {
        name: name.into(),
        minimum_healthy,
        builtin: true,
        zone_mode: ZoneMode::Striped,
        zone_bake_secs: 0,
        canary_batch_size: None,
        health_analysis: None,
    })
    .collect()
}

/// A built-in by name; CodeDeploy's `CodeDeployDefault.` prefix is accepted.
pub fn builtin(name: &str) -> Option<DeploymentConfig> {
    let short = name.strip_prefix("CodeDeployDefault.").unwrap_or(name);
    builtins().into_iter().find(|c| c.name == short)
}

fn to_config(row: &ConfigRow) -> Result<DeploymentConfig, ApiError> {
    Ok(DeploymentConfig {
        name: row.name.clone(),
        minimum_healthy: serde_json::from_str(&row.minimum_healthy)?,
        builtin: false,
        zone_mode: ZoneMode::parse(&row.zone_mode).unwrap_or_default(),
        zone_bake_secs: row.zone_bake_secs.max(0) as u32,
        canary_batch_size: row.canary_batch_size.map(|n| n.max(0) as u32),
        health_analysis: row
            .health_analysis
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?,
    })
}

/// Finds a configuration by name for `team`: a built-in, or one of the team's own.
pub fn resolve(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<DeploymentConfig, ApiError> {
    if let Some(b) = builtin(name) {
        return Ok(b);
    }
    match configs::by_name(conn, team, name)? {
        Some(row) => to_config(&row),
        None => Err(ApiError::not_found(format!(
            "deployment configuration {name:?} not found"
        ))),
    }
}

/// Checks a custom configuration; every problem is a 400 naming the field.
pub fn validate(req: &CreateDeploymentConfig) -> Result<(), ApiError> {
    validate_name("name", &req.name).map_err(ApiError::invalid_field)?;
    match req.minimum_healthy {
        MinimumHealthy::HostCount(n) if n > MAX_HOST_COUNT => {
            return Err(ApiError::invalid_field(format!(
                "minimum_healthy: HOST_COUNT is at most {MAX_HOST_COUNT}"
            )));
        }
        MinimumHealthy::FleetPercent(p) if p > 99 => {
            return Err(ApiError::invalid_field(
                "minimum_healthy: FLEET_PERCENT is 0 to 99 (100 would leave no host that may be updated)",
            ));
        }
        MinimumHealthy::AllButOne => {
            return Err(ApiError::invalid_field(
                "minimum_healthy: custom configurations take HOST_COUNT or FLEET_PERCENT (ALL_BUT_ONE is the built-in OneAtATime)",
            ));
        }
        _ => {}
    }
    let bake = req.zone_bake_secs.unwrap_or(0);
    if bake > MAX_ZONE_BAKE_SECS {
        return Err(ApiError::invalid_field(format!(
            "zone_bake_secs: at most {MAX_ZONE_BAKE_SECS} seconds"
        )));
    }
    if bake > 0 && req.zone_mode != Some(ZoneMode::ZoneAtATime) {
        return Err(ApiError::invalid_field(
            "zone_bake_secs: only with zone_mode zone-at-a-time",
        ));
    }
    if let Some(n) = req.canary_batch_size
        && (n == 0 || n > MAX_HOST_COUNT)
    {
        return Err(ApiError::invalid_field(format!(
            "canary_batch_size: 1 to {MAX_HOST_COUNT} hosts"
        )));
    }
    Ok(())
}

pub async fn create(
    state: &State,
    team: String,
    actor: String,
    req: CreateDeploymentConfig,
) -> Result<DeploymentConfig, ApiError> {
    validate(&req)?;
    let health_analysis = match &req.health_analysis {
        Some(a) => Some(super::groups::check_analysis(state, a).await?),
        None => None,
    };
    let row = ConfigRow {
        id: Uuid::now_v7().to_string(),
        team: team.clone(),
        name: req.name.clone(),
        minimum_healthy: serde_json::to_string(&req.minimum_healthy)?,
        zone_mode: req.zone_mode.unwrap_or_default().as_str().to_string(),
        canary_batch_size: req.canary_batch_size.map(|n| n as i32),
        zone_bake_secs: req.zone_bake_secs.unwrap_or(0) as i32,
        health_analysis,
        created_by: actor.clone(),
        created_at: now(),
    };
    let config = to_config(&row)?;
    let mut ev = outbox::event(crate::NAME, EventType::DeploymentConfigCreated);
    ev.team = Some(team.clone());
    ev.actor = Some(actor);
    ev.data = serde_json::to_value(&config)?;
    state
        .db
        .write(move |c| {
            if configs::by_name(c, &team, &row.name)?.is_some() {
                return Err(ApiError::conflict(
                    "already_exists",
                    format!("deployment configuration {:?} already exists", row.name),
                ));
            }
            configs::insert(c, &row)?;
            outbox::enqueue(c, &ev)
        })
        .await?;
    Ok(config)
}

pub async fn get(state: &State, team: String, name: String) -> Result<DeploymentConfig, ApiError> {
    state.db.run(move |c| resolve(c, &team, &name)).await
}

/// The built-ins, then the team's own by name.
pub async fn list(state: &State, team: String) -> Result<Vec<DeploymentConfig>, ApiError> {
    let rows = state.db.run(move |c| configs::list(c, &team)).await?;
    let mut out = builtins();
    for r in &rows {
        out.push(to_config(r)?);
    }
    Ok(out)
}

/// Deletes a custom configuration that no group and no unfinished deployment uses.
pub async fn delete(
    state: &State,
    team: String,
    actor: String,
    name: String,
) -> Result<(), ApiError> {
    if builtin(&name).is_some() {
        return Err(ApiError::unprocessable(
            "builtin_config",
            format!("{name:?} is a built-in configuration and cannot be deleted"),
        ));
    }
    state
        .db
        .write(move |c| {
            let row = configs::by_name(c, &team, &name)?.ok_or_else(|| {
                ApiError::not_found(format!("deployment configuration {name:?} not found"))
            })?;
            let users = groups::using_config(c, &team, &name)?;
            if !users.is_empty() {
                return Err(ApiError::conflict(
                    "config_in_use",
                    format!(
                        "deployment configuration {name:?} is used by deployment groups {}",
                        users.join(", ")
                    ),
                ));
            }
            let running = deployments::active_with_config(c, &team, &name)?;
            if !running.is_empty() {
                return Err(ApiError::conflict(
                    "config_in_use",
                    format!(
                        "deployment configuration {name:?} is used by unfinished deployments {}",
                        running.join(", ")
                    ),
                ));
            }
            configs::delete(c, &row.id)?;
            let mut ev = outbox::event(crate::NAME, EventType::DeploymentConfigDeleted);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.data = serde_json::json!({"name": name, "id": uuid(&row.id)?});
            outbox::enqueue(c, &ev)
        })
        .await
}
