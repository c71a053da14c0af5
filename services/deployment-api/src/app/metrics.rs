//! The deployment metrics on `/metrics`, from deployment-api's own records (the owner of a
//! deployment's intent and outcome): `liftoff_deployments_active{status}` (gauge),
//! `liftoff_deployments_finished_total{outcome, reason}`,
//! `liftoff_deployments_duration_seconds{outcome}` (request to conclusion),
//! `liftoff_deployments_target_hosts` (hosts per deployment) and
//! `liftoff_deployments_hosts_total{outcome}` (hosts concluded, by their outcome).

use chrono::NaiveDateTime;
use liftoff_kit::ApiError;
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::scheduler::HostOverview;

use crate::State;
use crate::store::deployments::{self, ACTIVE, DeploymentRow};

pub async fn refresh(state: &State) -> Result<(), ApiError> {
    if !state.gauges.due() {
        return Ok(());
    }
    let counts = state.db.run(deployments::count_active_by_status).await?;
    // Every active status is always present (0 when none), so a panel never goes blank.
    let values = ACTIVE
        .iter()
        .map(|status| {
            let n = counts
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            (vec![("status".to_string(), status.to_string())], n as f64)
        })
        .collect();
    state.gauges.set("liftoff_deployments_active", values);
    Ok(())
}

/// Called once per deployment, by the call that recorded its conclusion.
pub fn deployment_finished(
    row: &DeploymentRow,
    outcome: DeploymentStatus,
    hosts: &HostOverview,
    completed: NaiveDateTime,
) {
    let outcome = outcome.as_str();
    metrics::counter!("liftoff_deployments_finished_total", "outcome" => outcome, "reason" => row.reason.clone())
        .increment(1);
    let secs = (completed - row.created_at).num_milliseconds().max(0) as f64 / 1000.0;
    metrics::histogram!("liftoff_deployments_duration_seconds", "outcome" => outcome).record(secs);
    let total = hosts.pending + hosts.in_progress + hosts.succeeded + hosts.failed + hosts.skipped;
    metrics::histogram!("liftoff_deployments_target_hosts").record(total as f64);
    for (host_outcome, n) in [
        ("succeeded", hosts.succeeded),
        ("failed", hosts.failed),
        ("skipped", hosts.skipped),
    ] {
        metrics::counter!("liftoff_deployments_hosts_total", "outcome" => host_outcome)
            .increment(n);
    }
}
