//! How scale-out installs end, told by the scheduler (which owns each rollout's per-host
//! state) through its outbox: an outcome when a host's part of a deployment ends, and one when
//! a rollout ends (for a host the rollout ended without). Each is applied to the installs it
//! concludes, and their host settled, in one transaction (`lifecycle::record`); an outcome
//! whose install is not recorded yet (the scheduler finished before this registry wrote the
//! plan of deployment-api) is kept and applied when it is (`lifecycle::start_installs`, or the
//! tick's `check`). Outcomes are kept by event id: a redelivery changes nothing.

use std::sync::Arc;

use chrono::SubsecRound;
use liftoff_kit::db::{now, uuid};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::names::{validate_name, validate_text};
use liftoff_types::registry::{HostState, InstallOutcome, InstallOutcomesRecorded, OutcomeStatus};

use super::lifecycle;
use crate::State;
use crate::store::hosts::{self, HostRow};
use crate::store::installs;
use crate::store::outcomes::{self, OutcomeRow};

/// Most outcomes in one request.
pub const MAX_OUTCOMES: usize = 500;
/// How long an outcome is kept (to recognise a redelivery, or wait for its install).
const KEEP_DAYS: i64 = 7;

fn validate(o: &InstallOutcome) -> Result<(), ApiError> {
    validate_name("team", &o.team).map_err(ApiError::invalid_field)?;
    match (o.host_id, o.host_status, o.rollout_status) {
        (Some(_), Some(s), None) if s.is_terminal() => {}
        (None, None, Some(s)) if s.is_terminal() => {}
        _ => {
            return Err(ApiError::invalid_field(
                "outcomes: each is a host's final status (host_id, host_status: Succeeded, Failed or Skipped) or a rollout's (rollout_status: Succeeded, Failed or Stopped), not both",
            ));
        }
    }
    if let Some(code) = &o.error_code {
        validate_text("error_code", code, 256).map_err(ApiError::invalid_field)?;
    }
    if let Some(m) = &o.message {
        validate_text("message", m, 4096).map_err(ApiError::invalid_field)?;
    }
    Ok(())
}

fn row_of(o: &InstallOutcome) -> Result<OutcomeRow, ApiError> {
    let status = match (o.host_status, o.rollout_status) {
        (Some(s), _) => OutcomeStatus::of_host(s),
        (None, Some(s)) => OutcomeStatus::of_rollout(s),
        (None, None) => None,
    }
    .ok_or_else(|| ApiError::invalid_field("outcomes: a final host_status or rollout_status"))?;
    Ok(OutcomeRow {
        event_id: o.event_id.to_string(),
        deployment_id: o.deployment_id.to_string(),
        host_id: o.host_id.map(|h| h.to_string()),
        status,
        error_code: o.error_code.clone(),
        message: o.message.clone(),
        occurred_at: o.occurred_at.trunc_subsecs(6).naive_utc(),
        received_at: now(),
    })
}

/// Applies what is known of `host`'s installs (the host locked). An install whose joined
/// deployment ended without the host asks deployment-api for a plan, through the outbox.
fn settle(c: &mut AnyConnection, host: &HostRow) -> Result<(), ApiError> {
    if host.state != HostState::Installing {
        return Ok(());
    }
    let known = lifecycle::concluded(c, host, None)?;
    lifecycle::record(c, host, known, None)
}

/// Accepts one outcome; false when it changes nothing (seen before, or no install of this
/// registry can wait on it).
fn accept(c: &mut AnyConnection, o: &InstallOutcome) -> Result<bool, ApiError> {
    if let Some(host_id) = o.host_id {
        // Under the host's lock, so a plan recording its installs sees this or is seen.
        hosts::lock(c, host_id)?;
        if outcomes::exists(c, &o.event_id.to_string())? {
            return Ok(false);
        }
        let host = match hosts::get(c, &host_id.to_string())? {
            Some(h) if h.team == o.team => h,
            _ => return Ok(false),
        };
        // Only a host being evaluated or installing can have (or get) an install waiting on it.
        if host.state != HostState::Pending && host.state != HostState::Installing {
            return Ok(false);
        }
        outcomes::insert(c, &row_of(o)?)?;
        settle(c, &host)?;
        return Ok(true);
    }
    if outcomes::exists(c, &o.event_id.to_string())? {
        return Ok(false);
    }
    outcomes::insert(c, &row_of(o)?)?;
    let mut hosts_waiting: Vec<String> = installs::waiting_on(c, &o.deployment_id.to_string())?
        .into_iter()
        .map(|i| i.host_id)
        .collect();
    hosts_waiting.dedup();
    for id in hosts_waiting {
        hosts::lock(c, uuid(&id)?)?;
        let Some(host) = hosts::get(c, &id)? else {
            continue;
        };
        if host.team == o.team {
            settle(c, &host)?;
        }
    }
    Ok(true)
}

/// Records a batch of outcomes, oldest first, in one transaction.
pub async fn record(
    state: &Arc<State>,
    list: Vec<InstallOutcome>,
) -> Result<InstallOutcomesRecorded, ApiError> {
    if list.len() > MAX_OUTCOMES {
        return Err(ApiError::invalid_field(format!(
            "outcomes: at most {MAX_OUTCOMES} per request"
        )));
    }
    for o in &list {
        validate(o)?;
    }
    let total = list.len();
    let accepted = state
        .db
        .write(move |c| {
            let mut accepted = 0;
            for o in &list {
                if accept(c, o)? {
                    accepted += 1;
                }
            }
            Ok(accepted)
        })
        .await?;
    Ok(InstallOutcomesRecorded {
        accepted,
        ignored: total - accepted,
    })
}

/// The tick's call: forgets outcomes older than a week (a read when there is none).
pub async fn prune(state: &State) -> Result<usize, ApiError> {
    let before = now() - chrono::Duration::days(KEEP_DAYS);
    if !state
        .db
        .run(move |c| outcomes::any_before(c, before))
        .await?
    {
        return Ok(0);
    }
    state.db.write(move |c| outcomes::prune(c, before)).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;
    use liftoff_types::registry::InstallMode;
    use liftoff_types::scale_out::{ScaleOutInstall, ScaleOutPlan};
    use liftoff_types::scheduler::HostTargetStatus;
    use uuid::Uuid;

    use super::*;

    fn db_with_pending_host(host: Uuid) -> AnyConnection {
        let mut c = AnyConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        c.batch_execute(&format!(
            "INSERT INTO hosts (id, team, name, zone, tags, state, credential_id, enrollment_token_id, enrolled_at, updated_at, epoch)
             VALUES ('{host}', 'default', 'b', 'zone-a', '{{\"role\":\"web\"}}', 'Pending', 'c', 't', '2026-12-04 10:00:00', '2026-12-04 10:00:00', 1)"
        ))
        .unwrap();
        c
    }

    fn host_outcome(host: Uuid, deployment: Uuid, status: HostTargetStatus) -> InstallOutcome {
        InstallOutcome {
            event_id: Uuid::now_v7(),
            team: "default".into(),
            deployment_id: deployment,
            host_id: Some(host),
            host_status: Some(status),
            rollout_status: None,
            error_code: None,
            message: None,
            occurred_at: chrono::Utc::now(),
        }
    }

    fn plan(host: Uuid, deployment: Uuid, mode: InstallMode) -> ScaleOutPlan {
        ScaleOutPlan {
            host_id: host,
            key: format!("{host}:1"),
            refused: None,
            installs: vec![ScaleOutInstall {
                application: "shop".into(),
                deployment_group: "web".into(),
                deployment_group_id: Uuid::now_v7(),
                mode,
                deployment_id: deployment,
                revision_id: Uuid::now_v7(),
            }],
        }
    }

    /// The scheduler finished the install before the registry wrote deployment-api's answer:
    /// the outcome waits, and recording the install applies it at once.
    #[test]
    fn an_outcome_that_comes_before_its_install_is_applied_when_the_install_is_recorded() {
        let (host, deployment) = (Uuid::now_v7(), Uuid::now_v7());
        let mut c = db_with_pending_host(host);
        let o = host_outcome(host, deployment, HostTargetStatus::Succeeded);
        assert!(accept(&mut c, &o).unwrap(), "kept");
        assert!(!accept(&mut c, &o).unwrap(), "a redelivery changes nothing");
        let row = hosts::get(&mut c, &host.to_string()).unwrap().unwrap();
        assert_eq!(row.state, HostState::Pending, "nothing to apply it to yet");
        lifecycle::start_installs(&mut c, &row, &plan(host, deployment, InstallMode::Install))
            .unwrap();
        let row = hosts::get(&mut c, &host.to_string()).unwrap().unwrap();
        assert_eq!(row.state, HostState::InService, "{:?}", row.state_reason);
    }

    /// A host lost while deployment-api planned its installs misses the plan (plans apply
    /// only to `Pending` hosts); heard again, it is `Pending` and asks for it again, and the
    /// same plan then starts its installs.
    #[test]
    fn a_host_lost_while_it_was_planned_asks_again_when_it_is_back() {
        use liftoff_types::events::EventType;
        let (host, deployment) = (Uuid::now_v7(), Uuid::now_v7());
        let mut c = db_with_pending_host(host);
        let id = host.to_string();
        let row = hosts::get(&mut c, &id).unwrap().unwrap();
        assert!(lifecycle::change_state(&mut c, &row, HostState::Lost, Some("silent")).unwrap());
        let plan = plan(host, deployment, InstallMode::Install);
        assert!(
            !lifecycle::apply_plan(&mut c, &plan).unwrap(),
            "not applied while Lost"
        );
        let lost = hosts::get(&mut c, &id).unwrap().unwrap();
        assert_eq!(
            crate::app::hosts::resume(&mut c, &lost).unwrap(),
            Some(HostState::Pending)
        );
        let asked: Vec<liftoff_types::scale_out::ScaleOutRequest> = liftoff_kit::outbox::queued(
            &mut c,
            liftoff_kit::outbox::Destination::DeploymentApi,
            EventType::ScaleOutRequested,
        )
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_value(e.data).unwrap())
        .collect();
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert_eq!(asked[0].key, format!("{host}:1"));
        assert!(lifecycle::apply_plan(&mut c, &plan).unwrap());
        let row = hosts::get(&mut c, &id).unwrap().unwrap();
        assert_eq!(row.state, HostState::Installing, "{:?}", row.state_reason);
    }

    /// A rollout that ended without the host fails an install of its own; a join waits for a
    /// new plan instead.
    #[test]
    fn a_rollout_ending_without_the_host_fails_an_install_and_holds_a_join() {
        for (mode, want) in [
            (InstallMode::Install, HostState::Failed),
            (InstallMode::Join, HostState::Installing),
        ] {
            let (host, deployment) = (Uuid::now_v7(), Uuid::now_v7());
            let mut c = db_with_pending_host(host);
            let row = hosts::get(&mut c, &host.to_string()).unwrap().unwrap();
            lifecycle::start_installs(&mut c, &row, &plan(host, deployment, mode)).unwrap();
            let ended = InstallOutcome {
                host_id: None,
                host_status: None,
                rollout_status: Some(liftoff_types::scheduler::RolloutStatus::Stopped),
                error_code: Some("stopped".into()),
                ..host_outcome(host, deployment, HostTargetStatus::Failed)
            };
            assert!(accept(&mut c, &ended).unwrap());
            let row = hosts::get(&mut c, &host.to_string()).unwrap().unwrap();
            assert_eq!(row.state, want, "{mode:?}: {:?}", row.state_reason);
            // The join asks deployment-api for a plan that does not join that deployment again.
            let asked: Vec<liftoff_types::scale_out::ScaleOutRequest> =
                liftoff_kit::outbox::queued(
                    &mut c,
                    liftoff_kit::outbox::Destination::DeploymentApi,
                    liftoff_types::events::EventType::ScaleOutRequested,
                )
                .unwrap()
                .into_iter()
                .map(|e| serde_json::from_value(e.data).unwrap())
                .collect();
            match mode {
                InstallMode::Join => {
                    assert_eq!(asked.len(), 1, "{asked:?}");
                    assert_eq!(asked[0].ended, vec![deployment]);
                    assert_eq!(asked[0].key, format!("{host}:1"));
                }
                InstallMode::Install => assert!(asked.is_empty(), "{asked:?}"),
            }
        }
    }
}
