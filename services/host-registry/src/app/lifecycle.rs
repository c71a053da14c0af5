//! The host lifecycle: a host that enters deployment groups (it enrolls with matching tags, or
//! its tags change) is `Pending`, out of service, while deployment-api plans the installs it
//! needs; `Installing` while they run (a single-host `scale_out` deployment of each group's
//! last successful revision, or the deployment already running in the group); then
//! `InService`, or `Failed` when an install failed. A host entering no group that has a
//! revision goes into service as soon as the plan says so.
//!
//! Nothing here calls a peer. The transaction that makes a host `Pending` queues a
//! `scale_out.requested` to deployment-api through the outbox ([`request_installs`]);
//! deployment-api creates the installs and queues its `scale_out.planned` back
//! ([`record_plans`]); the scheduler pushes how each install ended (`app/outcomes.rs`). A
//! host enrolled while deployment-api is down waits `Pending` and is planned when it is back.
//!
//! Every step is fenced on the host's state and evaluation `epoch` (a plan is applied only at
//! its request's key, `{host_id}:{epoch}`), and deployment-api answers the same key with the
//! same deployments, so redeliveries and any number of replicas change nothing twice.

use liftoff_kit::db::{now, uuid};
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, IngestResult};
use liftoff_types::registry::{HostState, InstallMode, InstallStatus};
use liftoff_types::scale_out::{ScaleOutInstall, ScaleOutPlan, ScaleOutRequest};
use uuid::Uuid;

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

/// The request for `row`'s current evaluation; `ended`: deployments it joined that ended
/// without it.
fn request_for(row: &HostRow, ended: Vec<Uuid>) -> Result<ScaleOutRequest, ApiError> {
    Ok(ScaleOutRequest {
        team: row.team.clone(),
        host_id: uuid(&row.id)?,
        tags: serde_json::from_str(&row.tags)?,
        previous_tags: row
            .previous_tags
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?,
        key: key_of(row),
        ended,
    })
}

/// The evaluation key of a host at its current epoch.
fn key_of(row: &HostRow) -> String {
    format!("{}:{}", row.id, row.epoch)
}

/// Queues to deployment-api the request for the installs host `row` needs at its epoch; call
/// in the transaction that made it `Pending` (or learned that deployments it joined, `ended`,
/// ended without it), with the row as that transaction left it.
pub(crate) fn request_installs(
    c: &mut AnyConnection,
    row: &HostRow,
    ended: Vec<Uuid>,
) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, EventType::ScaleOutRequested);
    ev.team = Some(row.team.clone());
    ev.host_id = Some(uuid(&row.id)?);
    ev.data = serde_json::to_value(request_for(row, ended)?)?;
    outbox::enqueue_to(c, Destination::DeploymentApi, &ev)
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

/// Applies a batch of `scale_out.planned` events from deployment-api's outbox, in one
/// transaction: each plan at its request's epoch starts a `Pending` host's installs (or puts it
/// in service, or fails it if refused), or retargets an `Installing` host's installs whose
/// joined deployment ended without it. A plan for another epoch, or repeated, changes nothing.
pub async fn record_plans(state: &State, batch: EventBatch) -> Result<IngestResult, ApiError> {
    let mut plans = Vec::with_capacity(batch.events.len());
    for ev in batch.events {
        if !ev.is(EventType::ScaleOutPlanned) {
            return Err(ApiError::invalid_field(format!(
                "event_type: {:?} is not a scale-out plan",
                ev.event_type
            )));
        }
        let plan: ScaleOutPlan = serde_json::from_value(ev.data)
            .map_err(|e| ApiError::invalid_field(format!("data: not a scale-out plan: {e}")))?;
        plans.push(plan);
    }
    // Each plan locks its host: in id order, as every transaction locking several hosts does
    // (see `hosts::lock_all`), or a batch deadlocks the heard write on PostgreSQL.
    plans.sort_by_key(|p| p.host_id.to_string());
    state
        .db
        .write(move |c| {
            let mut res = IngestResult {
                accepted: 0,
                duplicates: 0,
            };
            for plan in &plans {
                if apply_plan(c, plan)? {
                    res.accepted += 1;
                } else {
                    res.duplicates += 1;
                }
            }
            Ok(res)
        })
        .await
}

/// Applies one plan under the host's lock; false when it changed nothing.
pub(crate) fn apply_plan(c: &mut AnyConnection, plan: &ScaleOutPlan) -> Result<bool, ApiError> {
    hosts::lock(c, plan.host_id)?;
    let Some(row) = hosts::get(c, &plan.host_id.to_string())? else {
        return Ok(false);
    };
    if key_of(&row) != plan.key {
        return Ok(false);
    }
    match row.state {
        HostState::Pending => {
            if let Some(why) = &plan.refused {
                return change_state(c, &row, HostState::Failed, Some(why));
            }
            start_installs(c, &row, plan)?;
            Ok(true)
        }
        HostState::Installing => {
            let known = concluded(c, &row, None)?;
            if !known.iter().any(|(_, o)| matches!(o, Outcome::Rejoin)) {
                return Ok(false);
            }
            record(c, &row, known, Some(plan))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Records deployment-api's plan for the `Pending` host `row`: `InService` when there is
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
/// (one that raced the install's recording), and fails installs that heard nothing within
/// `install_timeout`. Installs whose joined deployment ended without the host wait for the
/// plan their outcome's arrival asked for. No call to a peer.
async fn check(state: &State, id: &str) -> Result<(), ApiError> {
    let timeout = chrono::Duration::from_std(state.config.install_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let id = id.to_string();
    // A read first: most ticks find nothing concluded, and take no write transaction.
    let found = state
        .db
        .run(move |c| {
            let Some(row) = hosts::get(c, &id)?.filter(|r| r.state == HostState::Installing) else {
                return Ok(None);
            };
            let outcomes: Vec<_> = concluded(c, &row, Some(timeout))?
                .into_iter()
                .filter(|(_, o)| !matches!(o, Outcome::Rejoin))
                .collect();
            Ok((!outcomes.is_empty()).then_some((row, outcomes)))
        })
        .await?;
    let Some((row, outcomes)) = found else {
        return Ok(());
    };
    // `record` settles only a host still `Installing` at this epoch, under its lock.
    state
        .db
        .write(move |c| {
            hosts::lock(c, uuid(&row.id)?)?;
            record(c, &row, outcomes, None)
        })
        .await
}

/// Writes outcomes and settles the host.
pub(crate) fn record(
    c: &mut AnyConnection,
    row: &HostRow,
    outcomes: Vec<(InstallRow, Outcome)>,
    rejoin_plan: Option<&ScaleOutPlan>,
) -> Result<(), ApiError> {
    let Some(cur) = hosts::get(c, &row.id)? else {
        return Ok(());
    };
    if cur.state != HostState::Installing || cur.epoch != row.epoch {
        return Ok(());
    }
    let at = now();
    let mut ended = Vec::new();
    for (install, outcome) in outcomes {
        match outcome {
            Outcome::Succeeded => {
                installs::finish(c, &install, InstallStatus::Succeeded, None, at)?;
            }
            Outcome::Failed(why) => {
                installs::finish(c, &install, InstallStatus::Failed, Some(&why), at)?;
            }
            // Without a plan (an outcome's arrival): ask for one, below.
            Outcome::Rejoin if rejoin_plan.is_none() => {
                ended.push(uuid(&install.deployment_id)?);
            }
            Outcome::Rejoin => {
                let next = rejoin_plan.and_then(|p| {
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
    if !ended.is_empty() {
        request_installs(c, &cur, ended)?;
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

/// Background work: `Installing` hosts' installs that heard nothing within the install
/// timeout fail. The first run after a start also queues a request for every `Pending` host
/// (hosts made `Pending` by a version that asked deployment-api directly; a repeat of a queued
/// request answers the same installs, and its second plan changes nothing).
pub async fn tick(state: &State) -> Result<(), ApiError> {
    if !state
        .requests_backfilled
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        state
            .db
            .write(|c| {
                for row in hosts::all_in_state(c, HostState::Pending)? {
                    request_installs(c, &row, Vec::new())?;
                }
                // Installs waiting for a plan since before the upgrade ask for it again.
                for row in hosts::all_in_state(c, HostState::Installing)? {
                    let ended = concluded(c, &row, None)?
                        .into_iter()
                        .filter(|(_, o)| matches!(o, Outcome::Rejoin))
                        .map(|(i, _)| uuid(&i.deployment_id))
                        .collect::<Result<Vec<_>, _>>()?;
                    if !ended.is_empty() {
                        request_installs(c, &row, ended)?;
                    }
                }
                Ok(())
            })
            .await?;
        state
            .requests_backfilled
            .store(true, std::sync::atomic::Ordering::Relaxed);
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
