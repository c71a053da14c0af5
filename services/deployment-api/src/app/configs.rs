//! Deployment configurations: CodeDeploy's built-ins.

use liftoff_kit::ApiError;
use liftoff_types::deployments::{DeploymentConfig, MinimumHealthy};

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
    })
    .collect()
}

/// Finds a configuration by name; CodeDeploy's `CodeDeployDefault.` prefix is accepted.
pub fn resolve(name: &str) -> Result<DeploymentConfig, ApiError> {
    let short = name.strip_prefix("CodeDeployDefault.").unwrap_or(name);
    builtins()
        .into_iter()
        .find(|c| c.name == short)
        .ok_or_else(|| ApiError::not_found(format!("deployment configuration {name:?} not found")))
}
