//! The deployment metrics on `/metrics`, from deployment-api's own records (the owner of a
//! deployment's intent and outcome): `liftoff_deployments_active{status}` (gauge),
//! `liftoff_deployments_finished_total{outcome, reason}`,
//! `liftoff_deployments_duration_seconds{outcome}` (request to conclusion),
//! `liftoff_deployments_target_hosts` (hosts per deployment) and
//! `liftoff_deployments_hosts_total{outcome, zone}` (hosts concluded, by their outcome and zone).

use chrono::NaiveDateTime;
use liftoff_kit::ApiError;
use liftoff_types::deployments::DeploymentStatus;
use std::collections::BTreeMap;

use liftoff_types::scheduler::{HostOverview, HostTargetStatus, RolloutHost};

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
            (
                vec![("status".to_string(), status.as_str().to_string())],
                n as f64,
            )
        })
        .collect();
    state.gauges.set("liftoff_deployments_active", values);
    Ok(())
}

/// Called once per deployment, by the call that recorded its conclusion; `host_states` is
/// each host's reported state then (JSON [`RolloutHost`]s), counted by zone and outcome.
pub fn deployment_finished(
    row: &DeploymentRow,
    outcome: DeploymentStatus,
    hosts: &HostOverview,
    host_states: &[String],
    completed: NaiveDateTime,
) {
    let outcome = outcome.as_str();
    metrics::counter!("liftoff_deployments_finished_total", "outcome" => outcome, "reason" => row.reason.clone())
        .increment(1);
    let secs = (completed - row.created_at).num_milliseconds().max(0) as f64 / 1000.0;
    metrics::histogram!("liftoff_deployments_duration_seconds", "outcome" => outcome).record(secs);
    let total = hosts.pending + hosts.in_progress + hosts.succeeded + hosts.failed + hosts.skipped;
    metrics::histogram!("liftoff_deployments_target_hosts").record(total as f64);
    for ((zone, host_outcome), n) in concluded_by_zone(host_states) {
        metrics::counter!("liftoff_deployments_hosts_total", "outcome" => host_outcome, "zone" => zone)
            .increment(n);
    }
}

/// Concluded hosts by `(zone, outcome)` (`succeeded`, `failed`, `skipped`); hosts still
/// running and states that do not parse are not counted. Zones are few (a fleet's data
/// centers), so `zone` is a fine label; host ids never are.
fn concluded_by_zone(host_states: &[String]) -> BTreeMap<(String, &'static str), u64> {
    let mut counts = BTreeMap::new();
    for h in host_states
        .iter()
        .filter_map(|s| serde_json::from_str::<RolloutHost>(s).ok())
    {
        let outcome = match h.status {
            HostTargetStatus::Succeeded => "succeeded",
            HostTargetStatus::Failed => "failed",
            HostTargetStatus::Skipped => "skipped",
            _ => continue,
        };
        *counts.entry((h.zone, outcome)).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn hosts_are_counted_by_zone_and_outcome_and_running_ones_are_not() {
        let host = |zone: &str, status: HostTargetStatus| {
            serde_json::json!({
                "host_id": uuid::Uuid::now_v7(), "zone": zone, "status": status,
                "attempt": 1, "command_id": null, "error_code": null, "message": null,
                "started_at": null, "completed_at": null, "events": []
            })
            .to_string()
        };
        let states = vec![
            host("a", HostTargetStatus::Succeeded),
            host("a", HostTargetStatus::Succeeded),
            host("b", HostTargetStatus::Failed),
            host("b", HostTargetStatus::InProgress),
            "not json".to_string(),
        ];
        let counts = concluded_by_zone(&states);
        assert_eq!(counts.get(&("a".to_string(), "succeeded")), Some(&2));
        assert_eq!(counts.get(&("b".to_string(), "failed")), Some(&1));
        assert_eq!(counts.len(), 2, "{counts:?}");
    }
}
