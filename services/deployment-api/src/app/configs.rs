//! Deployment configurations: CodeDeploy's built-ins, and a team's own (minimum healthy hosts
//! by count or percent, zone mode with an optional bake time, an optional canary batch).

use liftoff_kit::db::now;
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::{
    CanaryBatch, CreateDeploymentConfig, DeploymentConfig, MinimumHealthy, ZoneMode,
};
use liftoff_types::names::validate_name;

use crate::State;
use crate::store::configs;

pub const DEFAULT: &str = "AllAtOnce";

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
        canary: None,
    })
    .collect()
}

fn builtin(name: &str) -> Option<DeploymentConfig> {
    let short = name.strip_prefix("CodeDeployDefault.").unwrap_or(name);
    builtins().into_iter().find(|c| c.name == short)
}

/// Finds a configuration by name: a built-in (CodeDeploy's `CodeDeployDefault.` prefix is
/// accepted) or one of the team's own.
pub fn resolve(
    c: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<DeploymentConfig, ApiError> {
    if let Some(b) = builtin(name) {
        return Ok(b);
    }
    match configs::get(c, team, name)? {
        Some(spec) => Ok(serde_json::from_str(&spec)?),
        None => Err(ApiError::not_found(format!(
            "deployment configuration {name:?} not found"
        ))),
    }
}

pub async fn list(state: &State, team: String) -> Result<Vec<DeploymentConfig>, ApiError> {
    let own = state.db.run(move |c| configs::list(c, &team)).await?;
    let mut out = builtins();
    for spec in own {
        out.push(serde_json::from_str(&spec)?);
    }
    Ok(out)
}

fn validate(req: &CreateDeploymentConfig) -> Result<DeploymentConfig, ApiError> {
    validate_name("name", &req.name).map_err(ApiError::invalid_field)?;
    if builtin(&req.name).is_some() {
        return Err(ApiError::conflict(
            "already_exists",
            format!("{:?} is a built-in configuration", req.name),
        ));
    }
    match req.minimum_healthy {
        MinimumHealthy::FleetPercent(p) if p > 99 => {
            return Err(ApiError::invalid_field(
                "minimum_healthy: FLEET_PERCENT must be 0 to 99 (100 leaves no host to update)",
            ));
        }
        MinimumHealthy::HostCount(n) if n > 1_000_000 => {
            return Err(ApiError::invalid_field(
                "minimum_healthy: HOST_COUNT too large",
            ));
        }
        _ => {}
    }
    let zone_mode = req.zone_mode.unwrap_or_default();
    let bake = req.zone_bake_secs.unwrap_or(0);
    if bake > 86_400 {
        return Err(ApiError::invalid_field("zone_bake_secs: at most 86400"));
    }
    if bake > 0 && zone_mode != ZoneMode::ZoneAtATime {
        return Err(ApiError::invalid_field(
            "zone_bake_secs: only with zone_mode zone-at-a-time",
        ));
    }
    match req.canary {
        Some(CanaryBatch::HostCount(0)) | Some(CanaryBatch::FleetPercent(0)) => {
            return Err(ApiError::invalid_field("canary: at least one host"));
        }
        Some(CanaryBatch::FleetPercent(p)) if p > 99 => {
            return Err(ApiError::invalid_field(
                "canary: FLEET_PERCENT must be 1 to 99",
            ));
        }
        _ => {}
    }
    Ok(DeploymentConfig {
        name: req.name.clone(),
        minimum_healthy: req.minimum_healthy,
        builtin: false,
        zone_mode,
        zone_bake_secs: bake,
        canary: req.canary,
    })
}

/// Creates one of the team's own configurations (names are unique per team).
pub async fn create(
    state: &State,
    team: String,
    actor: String,
    req: CreateDeploymentConfig,
) -> Result<DeploymentConfig, ApiError> {
    let config = validate(&req)?;
    state
        .db
        .write(move |c| {
            if configs::get(c, &team, &config.name)?.is_some() {
                return Err(ApiError::conflict(
                    "already_exists",
                    format!("deployment configuration {:?} already exists", config.name),
                ));
            }
            configs::insert(
                c,
                &team,
                &config.name,
                &serde_json::to_string(&config)?,
                &actor,
                now(),
            )?;
            let mut ev = outbox::event(crate::NAME, "deployment_config.created");
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.data = serde_json::to_value(&config)?;
            outbox::enqueue(c, &ev)?;
            Ok(config)
        })
        .await
}
