//! The host lifecycle: a host that enters deployment groups (it enrolls with matching tags, or
//! its tags change) is `Pending`, out of service, while the registry asks deployment-api for
//! the installs it needs; `Installing` while they run (a single-host `scale_out` deployment of
//! each group's last successful revision, or the deployment already running in the group);
//! then `InService`, or `Failed` when an install failed. A host entering no group that has a
//! revision goes into service at once. How an install ended is pushed by the scheduler
//! (`app/outcomes.rs`); this registry never asks for a rollout.
//!
//! Every step is fenced on the host's state and evaluation `epoch`, and deployment-api answers
//! the same key with the same deployments, so any number of replicas may run it at once.

use std::sync::Arc;

use liftoff_kit::db::{now, uuid};
use liftoff_kit::outbox;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::registry::{HostState, InstallMode, InstallStatus};
use liftoff_types::scale_out::{ScaleOutInstall, ScaleOutPlan, ScaleOutRequest};

use crate::State;
use crate::store::hosts::{self, HostRow};
use crate::store::installs::{self, InstallRow};
use crate::store::outcomes::{self, OutcomeRow};

/// Moves a host to `to` (fenced on its current state and epoch) and records why, in history.
/// A host reaching `InService` or `Failed` answers its autoscaling launch action.
pub fn change_state(
    c: &mut AnyConnection,
    row: &HostRow,
    to: HostState,
    reason: Option<&str>,
) -> Result<bool, ApiError> {
    let at = now();
    let resume = (to == HostState::Lost).then_some(row.state);
    if !hosts::transition(c, &row.id, row.state, row.epoch, to, reason, resume, at)? {
        return Ok(false);
    }
    let event_type = if to == HostState::Lost {
        EventType::HostLost
    } else {
        EventType::HostStateChanged
    };
    let mut ev = outbox::event(crate::NAME, event_type);
    ev.team = Some(row.team.clone());
    ev.host_id = Some(uuid(&row.id)?);
    ev.data = serde_json::json!({
        "from": row.state, "to": to, "reason": reason, "epoch": row.epoch,
        "last_heartbeat_at": row.last_heartbeat_at.map(liftoff_kit::db::to_utc),
    });
    outbox::enqueue(c, &ev)?;
    // The scheduler fails commands in flight on lost hosts, and adds hosts to running
    // rollouts, from its own copy.
    super::membership::push(c, &row.id)?;
    if matches!(to, HostState::InService | HostState::Failed) {
        super::autoscaling::answer_launch(c, row, to == HostState::InService, reason)?;
    }
    Ok(true)
}

fn request_for(row: &HostRow) -> Result<ScaleOutRequest, ApiError> {
    Ok(ScaleOutRequest {
        team: row.team.clone(),
        host_id: uuid(&row.id)?,
        tags: serde_json::from_str(&row.tags)?,
        previous_tags: row
            .previous_tags
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?,
        key: format!("{}:{}", row.id, row.epoch),
    })
}

fn install_row(row: &HostRow, i: &ScaleOutInstall) -> InstallRow {
    let at = now();
    InstallRow {
        host_id: row.id.clone(),
        epoch: row.epoch,
        group_id: i.deployment_group_id.to_string(),
        application: i.application.clone(),
        deployment_group: i.deployment_group.clone(),
        deployment_id: i.deployment_id.to_string(),
        revision_id: i.revision_id.to_string(),
        mode: i.mode,
        status: InstallStatus::InProgress,
        error: None,
        created_at: at,
        updated_at: at,
    }
}

async fn load(state: &State, id: &str) -> Result<Option<HostRow>, ApiError> {
    let id = id.to_string();
    state.db.run(move |c| hosts::get(c, &id)).await
}

/// A `Pending` host: asks deployment-api what it needs, then `Installing` or `InService`.
pub async fn evaluate(state: &State, id: &str) -> Result<(), ApiError> {
    let Some(row) = load(state, id).await? else {
        return Ok(());
    };
    if row.state != HostState::Pending {
        return Ok(());
    }
    let plan = state
        .peers
        .deployment_api()
        .scale_out(&request_for(&row)?)
        .await
        .map_err(|e| ApiError::from_peer("deployment-api", e))?;
    state
        .db
        .write(move |c| start_installs(c, &row, &plan))
        .await
}

/// Records deployment-api's answer for the `Pending` host `row`: `InService` when there is
/// nothing to install, else `Installing` with its installs, applying at once any outcome the
/// scheduler already pushed for them.
pub(crate) fn start_installs(
    c: &mut AnyConnection,
    row: &HostRow,
    plan: &ScaleOutPlan,
) -> Result<(), ApiError> {
    if plan.installs.is_empty() {
        change_state(
            c,
            row,
            HostState::InService,
            Some("no deployment group it entered has a revision to install"),
        )?;
        return Ok(());
    }
    let reason = format!(
        "installing {} deployment group revision(s)",
        plan.installs.len()
    );
    if change_state(c, row, HostState::Installing, Some(&reason))? {
        for i in &plan.installs {
            installs::insert(c, &install_row(row, i))?;
        }
        // The scheduler may have told how an install ended before it was recorded.
        if let Some(cur) = hosts::get(c, &row.id)? {
            let known = concluded(c, &cur, None)?;
            if !known.is_empty() {
                record(c, &cur, known, None)?;
            }
        }
    }
    Ok(())
}

/// How one install ended.
pub(crate) enum Outcome {
    Succeeded,
    Failed(String),
    /// The deployment the host joined ended without it: ask again (it gets its own install).
    Rejoin,
}

/// What the outcome the scheduler pushed (`o`, of the install's deployment) says of `install`.
pub(crate) fn conclude(install: &InstallRow, o: &OutcomeRow) -> Outcome {
    match (&o.host_id, o.status) {
        (Some(_), liftoff_types::registry::OutcomeStatus::Succeeded) => Outcome::Succeeded,
        (Some(_), status) => Outcome::Failed(format!(
            "{} of {}/{} {}: {}",
            status.as_str(),
            install.application,
            install.deployment_group,
            o.error_code.as_deref().unwrap_or("failed"),
            o.message.as_deref().unwrap_or("")
        )),
        (None, _) if install.mode == InstallMode::Join => Outcome::Rejoin,
        (None, status) => Outcome::Failed(format!(
            "install deployment {} ended {} without this host ({})",
            install.deployment_id,
            status.as_str(),
            o.error_code.as_deref().unwrap_or("no error code")
        )),
    }
}

/// The outcomes known for `host`'s installs still in progress (the host's own before the
/// rollout's), and installs that waited longer than `timeout` for one.
pub(crate) fn concluded(
    c: &mut AnyConnection,
    host: &HostRow,
    timeout: Option<chrono::Duration>,
) -> Result<Vec<(InstallRow, Outcome)>, ApiError> {
    let mut out = Vec::new();
    for install in installs::of_epoch(c, &host.id, host.epoch)? {
        if install.status != InstallStatus::InProgress {
            continue;
        }
        let known = outcomes::of(c, &install.deployment_id, &host.id)?;
        if let Some(o) = known.first() {
            out.push((install.clone(), conclude(&install, o)));
        } else if timeout.is_some_and(|t| now() - install.updated_at > t) {
            let why = format!(
                "install deployment {} reported no outcome within the install timeout",
                install.deployment_id
            );
            out.push((install, Outcome::Failed(why)));
        }
    }
    Ok(out)
}

/// An `Installing` host: applies the outcomes the scheduler pushed that are not applied yet
/// (one that raced the install's recording), fails installs that heard nothing within
/// `install_timeout`, and asks deployment-api again for installs whose joined deployment
/// ended without the host. No call to the scheduler.
pub async fn check(state: &State, id: &str) -> Result<(), ApiError> {
    let Some(row) = load(state, id).await? else {
        return Ok(());
    };
    if row.state != HostState::Installing {
        return Ok(());
    }
    let timeout = chrono::Duration::from_std(state.config.install_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let host = row.clone();
    let outcomes = state
        .db
        .run(move |c| concluded(c, &host, Some(timeout)))
        .await?;
    if outcomes.is_empty() {
        return Ok(());
    }
    let rejoin_plan = if outcomes.iter().any(|(_, o)| matches!(o, Outcome::Rejoin)) {
        Some(
            state
                .peers
                .deployment_api()
                .scale_out(&request_for(&row)?)
                .await
                .map_err(|e| ApiError::from_peer("deployment-api", e))?,
        )
    } else {
        None
    };
    // A retargeted install is concluded by its new deployment's outcomes.
    state
        .db
        .write(move |c| {
            let id = uuid(&row.id)?;
            hosts::lock(c, id)?;
            record(c, &row, outcomes, rejoin_plan)
        })
        .await
}

/// Writes outcomes and settles the host.
pub(crate) fn record(
    c: &mut AnyConnection,
    row: &HostRow,
    outcomes: Vec<(InstallRow, Outcome)>,
    rejoin_plan: Option<ScaleOutPlan>,
) -> Result<(), ApiError> {
    let Some(cur) = hosts::get(c, &row.id)? else {
        return Ok(());
    };
    if cur.state != HostState::Installing || cur.epoch != row.epoch {
        return Ok(());
    }
    let at = now();
    for (install, outcome) in outcomes {
        match outcome {
            Outcome::Succeeded => {
                installs::finish(c, &install, InstallStatus::Succeeded, None, at)?;
            }
            Outcome::Failed(why) => {
                installs::finish(c, &install, InstallStatus::Failed, Some(&why), at)?;
            }
            // Without a plan (the push's path), left for `check`, which asks for one.
            Outcome::Rejoin if rejoin_plan.is_none() => {}
            Outcome::Rejoin => {
                let next = rejoin_plan.as_ref().and_then(|p| {
                    p.installs
                        .iter()
                        .find(|i| i.deployment_group_id.to_string() == install.group_id)
                });
                match next {
                    Some(i) if i.deployment_id.to_string() != install.deployment_id => {
                        installs::retarget(c, &install, &install_row(row, i), at)?;
                    }
                    // Still the same deployment (not finished on deployment-api's side yet).
                    Some(_) => {}
                    None => {
                        installs::finish(
                            c,
                            &install,
                            InstallStatus::Succeeded,
                            Some("nothing to install: the group has no successful revision"),
                            at,
                        )?;
                    }
                }
            }
        }
    }
    let all = installs::of_epoch(c, &row.id, row.epoch)?;
    if let Some(failed) = all.iter().find(|i| i.status == InstallStatus::Failed) {
        change_state(c, &cur, HostState::Failed, failed.error.as_deref())?;
    } else if all.iter().all(|i| i.status == InstallStatus::Succeeded) {
        change_state(
            c,
            &cur,
            HostState::InService,
            Some("every deployment group's revision is installed"),
        )?;
    }
    Ok(())
}

/// Evaluates or checks a host in the background (after enrollment, a tag change, a heartbeat).
pub fn spawn_check(state: Arc<State>, id: String) {
    tokio::spawn(async move {
        let res = match load(&state, &id).await {
            Ok(Some(r)) if r.state == HostState::Pending => evaluate(&state, &id).await,
            Ok(Some(r)) if r.state == HostState::Installing => check(&state, &id).await,
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = res {
            tracing::debug!(host_id = %id, error = %e, "host lifecycle step deferred to the tick");
        }
    });
}

/// Background work: evaluate `Pending` hosts, check `Installing` ones.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    let pending = state
        .db
        .run(|c| hosts::ids_in_state(c, HostState::Pending))
        .await?;
    for id in pending {
        if let Err(e) = evaluate(state, &id).await {
            tracing::debug!(host_id = %id, error = %e, "host evaluation deferred");
        }
    }
    let installing = state
        .db
        .run(|c| hosts::ids_in_state(c, HostState::Installing))
        .await?;
    for id in installing {
        if let Err(e) = check(state, &id).await {
            tracing::debug!(host_id = %id, error = %e, "install check deferred");
        }
    }
    Ok(())
}
