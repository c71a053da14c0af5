//! Deployments: accept the intent, hand it to the scheduler, record the outcome.
//! The row is written before the hand-off; a hand-off that fails is retried by the tick, and
//! the scheduler's `PUT` is idempotent, so nothing is lost or started twice. Once handed off,
//! the scheduler reports progress and outcome (`progress`); reads answer from that copy.

use liftoff_kit::ApiError;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_types::ErrorDetail;
use liftoff_types::deployments::*;
use liftoff_types::names::{validate_name, validate_text};
use liftoff_types::scheduler::{HostOverview, Rollout};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use super::intake::{NewDeployment, RolloutOptions, insert_deployment};
use crate::State;
use crate::store::deployments::{self, DeploymentRow, ListFilter};
use crate::store::{applications, groups, revisions};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;
/// Most hosts in one page of a deployment's hosts.
pub const MAX_HOST_PAGE: i64 = 1000;
/// How long the tick leaves a new deployment to the request handing it off.
const HAND_OFF_GRACE_SECS: i64 = 5;

pub fn to_deployment(
    row: &DeploymentRow,
    rollout: Option<&Rollout>,
) -> Result<Deployment, ApiError> {
    // The counts recorded with the outcome are final; before it, the last reported ones.
    let overview = match (&row.overview, rollout) {
        (Some(stored), _) => serde_json::from_str(stored)?,
        (None, Some(r)) => r.overview,
        (None, None) => HostOverview::default(),
    };
    Ok(Deployment {
        deployment_id: uuid(&row.id)?,
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        revision_id: uuid(&row.revision_id)?,
        deployment_config: row.deployment_config.clone(),
        status: row.status,
        reason: DeploymentReason::parse(&row.reason).unwrap_or(DeploymentReason::User),
        rollback_of: row.rollback_of.as_deref().map(uuid).transpose()?,
        description: row.description.clone(),
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
        started_at: row.started_at.map(to_utc),
        completed_at: row.completed_at.map(to_utc),
        error: row.error_code.as_ref().map(|code| ErrorDetail {
            code: code.clone(),
            message: row.error_message.clone().unwrap_or_default(),
        }),
        overview,
        current_zone: rollout.and_then(|r| r.current_zone.clone()),
        bake_until: rollout.and_then(|r| r.bake_until),
        file_exists_behavior: RolloutOptions::from_row(row)?.file_exists_behavior,
        // Queued: its own reason; running: the scheduler's (a closed window, a freeze).
        waiting_for: row
            .waiting_for
            .clone()
            .or_else(|| rollout.and_then(|r| r.waiting_for.clone())),
        zones: rollout
            .map(|r| ZoneOverview::of(&r.hosts))
            .unwrap_or_default(),
        analysis: rollout.and_then(|r| r.analysis.clone()),
        hosts: rollout.map(|r| r.hosts.clone()).unwrap_or_default(),
    })
}

fn request_hash(req: &CreateDeployment) -> Result<String, ApiError> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(req)?)))
}

/// Accepts a deployment. With an idempotency key, the same request again answers the same
/// deployment; the same key with another body is refused (422).
/// `freeze_override`: an admin's written reason to deploy despite a freeze (the caller checked
/// the role).
pub async fn create(
    state: &State,
    team: String,
    actor: String,
    req: CreateDeployment,
    idempotency_key: Option<String>,
    freeze_override: Option<String>,
) -> Result<(Deployment, bool), ApiError> {
    create_with_reason(
        state,
        team,
        actor,
        req,
        idempotency_key,
        DeploymentReason::User,
        freeze_override,
    )
    .await
}

/// [`create`], recording why the deployment exists (a user, a promotion, ...). Freezes gate
/// it (see [`super::freezes`]).
pub async fn create_with_reason(
    state: &State,
    team: String,
    actor: String,
    req: CreateDeployment,
    idempotency_key: Option<String>,
    reason: DeploymentReason,
    freeze_override: Option<String>,
) -> Result<(Deployment, bool), ApiError> {
    if let Some(r) = &freeze_override {
        super::freezes::check_override(r)?;
    }
    validate_name("application", &req.application).map_err(ApiError::invalid_field)?;
    validate_name("deployment_group", &req.deployment_group).map_err(ApiError::invalid_field)?;
    let revision_id = Uuid::parse_str(&req.revision).map_err(|_| {
        ApiError::invalid_field(format!("revision: {:?} is not a revision id", req.revision))
    })?;
    if let Some(d) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    let file_exists_behavior = req
        .file_exists_behavior
        .as_deref()
        .map(|b| {
            FileExistsBehavior::parse(b).ok_or_else(|| {
                ApiError::invalid_field(format!(
                    "file_exists_behavior: {b:?} is not one of DISALLOW, OVERWRITE, RETAIN"
                ))
            })
        })
        .transpose()?;
    if let Some(k) = &idempotency_key
        && (k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(ApiError::bad_request(
            "invalid_header",
            "Idempotency-Key: 1 to 255 printable ASCII characters",
        ));
    }
    let hash = request_hash(&req)?;
    // The request's trace: the deployment keeps it, so its hand-off (now, or retried by a
    // tick after a restart) and everything the scheduler and the agents do join it.
    let traceparent = liftoff_client::trace::current();
    let at = state.config.clock.now();
    let refused = super::freezes::Refused {
        team: team.clone(),
        actor: actor.clone(),
        application: req.application.clone(),
        deployment_group: req.deployment_group.clone(),
        revision_id,
    };
    let written = state
        .db
        .write(move |c| {
            if let Some(key) = &idempotency_key
                && let Some(existing) = deployments::by_idempotency_key(c, &team, key)?
            {
                if existing.request_hash.as_deref() != Some(hash.as_str()) {
                    return Err(ApiError::unprocessable(
                        "idempotency_key_reused",
                        "this Idempotency-Key was used with a different request",
                    ));
                }
                super::idempotency::refuse_in_flight(c, &existing)?;
                return Ok((existing, false));
            }
            let app = applications::require(c, &team, &req.application)?;
            let group = groups::by_name(c, &app.id, &req.deployment_group)?.ok_or_else(|| {
                ApiError::not_found(format!(
                    "deployment group {:?} not found",
                    req.deployment_group
                ))
            })?;
            revisions::get(c, &app.id, &revision_id.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("revision {revision_id} not found")))?;
            let overridden = super::freezes::gate(c, &team, &app.name, freeze_override.as_deref())?;
            let wait = super::windows::gate_new(c, &group.id, &app.id, &group.name, reason, at)?;
            let config = super::configs::resolve(
                c,
                &team,
                req.config.as_deref().unwrap_or(&group.deployment_config),
            )?;
            let row = insert_deployment(
                c,
                &group,
                &app,
                NewDeployment {
                    team: team.clone(),
                    actor: actor.clone(),
                    revision_id,
                    config_name: config.name.clone(),
                    minimum_healthy: serde_json::to_string(&config.minimum_healthy)?,
                    options: RolloutOptions {
                        file_exists_behavior,
                        ..RolloutOptions::of(&config)
                    },
                    reason,
                    rollback_of: None,
                    description: req.description.clone(),
                    idempotency_key: idempotency_key.clone(),
                    request_hash: Some(hash.clone()),
                    traceparent: traceparent.clone(),
                    waiting_for: wait.map(|_| super::windows::OUTSIDE_WINDOW.to_string()),
                },
                false,
            )
            .map_err(|e| super::idempotency::on_insert_error(e, idempotency_key.is_some()))?;
            if let Some(next_open) = wait {
                super::windows::record_waiting(c, &row, next_open)?;
            }
            if let Some(why) = freeze_override.as_deref()
                && !overridden.is_empty()
            {
                super::freezes::record_override(c, &actor, &overridden, uuid(&row.id)?, why)?;
            }
            if idempotency_key.is_some() {
                super::idempotency::mark_in_flight(c, &row.id)?;
            }
            Ok((row, true))
        })
        .await;
    let (row, created) = match written {
        Err(e) if e.code == "frozen" || e.code == super::windows::OUTSIDE_WINDOW => {
            // The refusal rolled the transaction back; it is recorded on its own.
            let gate = if e.code == "frozen" {
                "freeze"
            } else {
                "window"
            };
            super::freezes::record_refusal(state, refused, gate, &e.code, &e.message).await;
            return Err(e);
        }
        other => other?,
    };
    let row = if created && row.idempotency_key.is_some() {
        let id = row.id.clone();
        super::idempotency::while_in_flight(state, &id, try_hand_off(state, row)).await
    } else if created {
        try_hand_off(state, row).await
    } else {
        row
    };
    if created && row.idempotency_key.is_some() {
        super::idempotency::release(state, &row.id).await;
    }
    Ok((to_deployment(&row, None)?, created))
}

/// Hands a `Created` deployment off now if it can; if not, the tick retries (it is written).
pub async fn try_hand_off(state: &State, row: DeploymentRow) -> DeploymentRow {
    if row.status != DeploymentStatus::Created {
        return row;
    }
    match hand_off(state, &row).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(deployment_id = %row.id, error = %e, "hand-off to scheduler deferred");
            row
        }
    }
}

/// Gives a `Created` deployment to the scheduler and marks it `InProgress`, in a span of
/// the deployment's trace (whoever calls: the creating request, or a tick after a restart),
/// whose context the call to the scheduler carries in its `traceparent` header.
pub(crate) async fn hand_off(
    state: &State,
    row: &DeploymentRow,
) -> Result<DeploymentRow, ApiError> {
    use tracing::Instrument as _;
    let span = tracing::info_span!("deployment.hand_off", deployment_id = %row.id, deployment_group = %row.deployment_group);
    liftoff_client::trace::continue_from(&span, row.traceparent.as_deref());
    hand_off_in_span(state, row).instrument(span).await
}

async fn hand_off_in_span(state: &State, row: &DeploymentRow) -> Result<DeploymentRow, ApiError> {
    let id = row.id.clone();
    let spec = {
        let row = row.clone();
        state
            .db
            .run(move |c| super::rollout_spec::of(c, &row))
            .await?
    };
    let deployment_id = uuid(&id)?;
    let planned = state
        .peers
        .scheduler()
        .put_rollout(deployment_id, &spec)
        .await
        .map_err(|e| ApiError::from_peer("scheduler", e))?;
    // The answer lists the planned hosts: the first copy, until the first report.
    let hosts = planned
        .hosts
        .iter()
        .enumerate()
        .map(|(i, h)| Ok((h.host_id.to_string(), i as i32, serde_json::to_string(h)?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let row = state
        .db
        .write(move |c| {
            if deployments::transition(
                c,
                &id,
                DeploymentStatus::Created,
                DeploymentStatus::InProgress,
                now(),
            )? {
                crate::store::progress::seed_hosts(c, &id, &hosts)?;
            }
            deployments::get(c, &id)?.ok_or_else(|| ApiError::not_found("deployment"))
        })
        .await?;
    if row.status == DeploymentStatus::Stopped {
        // Stopped while this hand-off was on its way (the stop found no rollout yet, so it
        // stopped the deployment here alone): the rollout just created must not run.
        let action = liftoff_types::scheduler::RolloutAction {
            actor: None,
            hosts: Vec::new(),
        };
        state
            .peers
            .scheduler()
            .control(deployment_id, "stop", &action)
            .await
            .map_err(|e| ApiError::from_peer("scheduler", e))?;
    }
    Ok(row)
}

/// Records what the rollout says: a running status (`InProgress`, `Paused`,
/// `AwaitingApproval`) is mirrored; a final one becomes the deployment's outcome, once. A
/// failure in a group with automatic rollback starts the rollback in the same transaction.
///
/// Decided on the row as it is inside the write, not as the caller read it: a progress report
/// and an operator's control may record at the same time, and a status changed meanwhile
/// (say to `Paused`) must not keep the outcome from being recorded.
pub async fn record_outcome(
    state: &State,
    row: &DeploymentRow,
    rollout: &Rollout,
) -> Result<DeploymentRow, ApiError> {
    use liftoff_types::scheduler::RolloutStatus as R;
    if row.status.is_terminal() {
        // The outcome is recorded once: later reports (hosts that were still running) only
        // update the copy of the progress.
        return Ok(row.clone());
    }
    let status = match rollout.status {
        R::Succeeded => DeploymentStatus::Succeeded,
        R::Failed => DeploymentStatus::Failed,
        R::Stopped => DeploymentStatus::Stopped,
        R::Paused => DeploymentStatus::Paused,
        R::AwaitingApproval => DeploymentStatus::AwaitingApproval,
        R::InProgress => DeploymentStatus::InProgress,
        R::Pending => return Ok(row.clone()),
    };
    if !status.is_terminal() && row.status == status {
        return Ok(row.clone());
    }
    let overview = serde_json::to_string(&rollout.overview)?;
    let error = rollout
        .error_code
        .clone()
        .map(|c| (c, rollout.error_message.clone().unwrap_or_default()));
    let completed = rollout
        .completed_at
        .map(|t| t.naive_utc())
        .unwrap_or_else(now);
    let id = row.id.clone();
    let (row, rollback, finished) = state
        .db
        .write(move |c| {
            let get = |c: &mut liftoff_kit::AnyConnection| {
                deployments::get(c, &id)?.ok_or_else(|| ApiError::not_found("deployment"))
            };
            let mut row = get(c)?;
            // Each update is fenced on the status just read; one that lost a race reads again
            // (a concurrent writer changed the status, so a few rounds settle it).
            for _ in 0..5 {
                if row.status.is_terminal() || row.status == status {
                    return Ok((row, None, None));
                }
                if !status.is_terminal() {
                    deployments::set_running_status(c, &id, row.status, status)?;
                    row = get(c)?;
                    continue;
                }
                let finished = deployments::finish(
                    c,
                    &id,
                    row.status,
                    status,
                    error.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                    &overview,
                    completed,
                )?;
                if !finished {
                    row = get(c)?;
                    continue;
                }
                if status == DeploymentStatus::Succeeded {
                    groups::record_success(c, &row.group_id, &row.revision_id, &row.id, now())?;
                }
                let rollback = if status == DeploymentStatus::Failed {
                    super::rollbacks::auto_rollback(c, &row)?
                } else {
                    None
                };
                // Each host's state as of the conclusion, for the hosts-by-zone counters.
                let hosts = crate::store::progress::hosts(c, &id)?;
                return Ok((get(c)?, rollback, Some(hosts)));
            }
            Ok((row, None, None))
        })
        .await?;
    if let Some(hosts) = finished {
        super::metrics::deployment_finished(&row, status, &rollout.overview, &hosts, completed);
    }
    state.changes.send_modify(|n| *n = n.wrapping_add(1));
    if let Some(r) = rollback {
        try_hand_off(state, r).await;
    }
    Ok(row)
}

/// Brings one deployment forward: hand off, or start it from the queue. Running deployments
/// learn their progress from the scheduler's reports (`progress`), not from here.
pub async fn sync(state: &State, row: DeploymentRow) -> Result<DeploymentRow, ApiError> {
    match row.status {
        DeploymentStatus::Created => hand_off(state, &row).await,
        DeploymentStatus::Queued => {
            let (group_id, id) = (row.group_id.clone(), row.id.clone());
            let at = state.config.clock.now();
            let promoted = state
                .db
                .write(move |c| {
                    let active = deployments::active_in_group(c, &group_id)?;
                    let blocked = active.iter().any(|d| d.status != DeploymentStatus::Queued);
                    let first_queued = active
                        .iter()
                        .find(|d| d.status == DeploymentStatus::Queued)
                        .map(|d| d.id.clone());
                    let head = active
                        .iter()
                        .find(|d| d.status == DeploymentStatus::Queued && d.id == id);
                    if !blocked
                        && first_queued.as_deref() == Some(id.as_str())
                        && let Some(head) = head
                        && super::windows::gate_queued(c, head, at)?
                    {
                        deployments::transition(
                            c,
                            &id,
                            DeploymentStatus::Queued,
                            DeploymentStatus::Created,
                            now(),
                        )?;
                        return deployments::get(c, &id);
                    }
                    Ok(None)
                })
                .await?;
            match promoted {
                Some(r) => hand_off(state, &r).await,
                None => Ok(row),
            }
        }
        _ => Ok(row),
    }
}

/// A deployment of the caller's team with its per-host detail, from deployment-api's own
/// data (the scheduler's last report): no call to the scheduler, however many watch it.
pub async fn view(state: &State, team: String, id: Uuid) -> Result<Deployment, ApiError> {
    let row = state
        .db
        .run(move |c| deployments::get(c, &id.to_string()))
        .await?
        .filter(|r| r.team == team)
        .ok_or_else(|| ApiError::not_found(format!("deployment {id} not found")))?;
    let (summary, hosts) = super::progress::reported(state, &row.id).await?;
    let mut d = to_deployment(&row, summary.as_ref())?;
    if summary.is_none() && row.overview.is_none() {
        // Handed off, not reported yet: the planned hosts are all there is to count.
        d.overview = overview_of(&hosts);
    }
    d.zones = ZoneOverview::of(&hosts);
    d.hosts = hosts;
    Ok(d)
}

/// A deployment as an operator's control left it: the scheduler's answer to that control
/// (so the caller sees its own action at once), with each host's lifecycle events from the
/// copy (the answer lists hosts without them).
pub async fn view_after(
    state: &State,
    team: String,
    id: Uuid,
    mut rollout: Rollout,
) -> Result<Deployment, ApiError> {
    let known = view(state, team, id).await?;
    let mut events: std::collections::HashMap<_, _> = known
        .hosts
        .into_iter()
        .map(|h| ((h.host_id, h.command_id), h.events))
        .collect();
    for h in &mut rollout.hosts {
        if let Some(e) = events.remove(&(h.host_id, h.command_id)) {
            h.events = e;
        }
    }
    let row = state
        .db
        .run(move |c| deployments::get(c, &id.to_string()))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("deployment {id} not found")))?;
    to_deployment(&row, Some(&rollout))
}

/// Counts hosts by their state.
fn overview_of(hosts: &[liftoff_types::scheduler::RolloutHost]) -> HostOverview {
    let mut o = HostOverview::default();
    for h in hosts {
        o.count(h.status);
    }
    o
}

/// Which of a deployment's hosts to list.
#[derive(Debug, Default)]
pub struct HostPage {
    pub zone: Option<String>,
    pub status: Option<liftoff_types::scheduler::HostTargetStatus>,
    pub host: Option<Uuid>,
    pub limit: Option<i64>,
    pub after: Option<Uuid>,
}

/// A page of one deployment's hosts, by zone then host id, with their lifecycle events:
/// what the console draws of a zone when asked, without reading every host of a large
/// fleet into the browser.
pub async fn hosts(
    state: &State,
    team: String,
    id: Uuid,
    q: HostPage,
) -> Result<DeploymentHostList, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_PAGE * 4);
    if !(1..=MAX_HOST_PAGE).contains(&limit) {
        return Err(ApiError::invalid_field(format!(
            "limit: must be 1 to {MAX_HOST_PAGE}"
        )));
    }
    let d = view(state, team, id).await?;
    // The cursor is a host of this deployment; the page goes on after its (zone, id), even
    // when that host itself no longer passes a state filter.
    let after = match q.after {
        None => None,
        Some(a) => Some(
            d.hosts
                .iter()
                .find(|h| h.host_id == a)
                .map(|h| (h.zone.clone(), h.host_id))
                .ok_or_else(|| ApiError::invalid_field("cursor: not a cursor from this API"))?,
        ),
    };
    let mut hosts: Vec<_> = d
        .hosts
        .into_iter()
        .filter(|h| {
            after
                .as_ref()
                .is_none_or(|(z, a)| (&h.zone, h.host_id) > (z, *a))
        })
        .filter(|h| q.zone.as_ref().is_none_or(|z| *z == h.zone))
        .filter(|h| q.host.is_none_or(|x| x == h.host_id))
        .filter(|h| {
            q.status.is_none_or(|s| {
                // `InProgress` means dispatched or running, as in the overview.
                use liftoff_types::scheduler::HostTargetStatus as H;
                let norm = |s| if s == H::Dispatched { H::InProgress } else { s };
                norm(s) == norm(h.status)
            })
        })
        .collect();
    hosts.sort_by(|a, b| (&a.zone, a.host_id).cmp(&(&b.zone, b.host_id)));
    let more = hosts.len() as i64 > limit;
    hosts.truncate(limit as usize);
    let next_cursor = if more {
        hosts.last().map(|h| h.host_id.to_string())
    } else {
        None
    };
    Ok(DeploymentHostList { hosts, next_cursor })
}

pub async fn list(
    state: &State,
    mut filter: ListFilter,
    cursor: Option<String>,
) -> Result<DeploymentList, ApiError> {
    if filter.limit <= 0 || filter.limit > MAX_PAGE {
        return Err(ApiError::invalid_field(format!(
            "limit: must be 1 to {MAX_PAGE}"
        )));
    }
    if let Some(c) = cursor {
        let id = Uuid::parse_str(&c)
            .map_err(|_| ApiError::invalid_field("cursor: not a cursor from this API"))?;
        filter.before_id = Some(id.to_string());
    }
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = state.db.run(move |c| deployments::list(c, &filter)).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let deployments = rows
        .iter()
        .map(|r| to_deployment(r, None))
        .collect::<Result<_, _>>()?;
    Ok(DeploymentList {
        deployments,
        next_cursor,
    })
}

/// Background work: hand off, promote queued. No call for running deployments: their
/// progress is reported.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    let rows = state.db.run(deployments::active).await?;
    // A deployment created this moment is being handed off by the request that created it;
    // the tick only retries the hand-offs that failed.
    let settled = now() - chrono::Duration::seconds(HAND_OFF_GRACE_SECS);
    for row in rows {
        let retry = match row.status {
            DeploymentStatus::Created => row.updated_at < settled,
            DeploymentStatus::Queued => true,
            _ => false,
        };
        if !retry {
            continue;
        }
        let id = row.id.clone();
        if let Err(e) = sync(state, row).await {
            tracing::debug!(deployment_id = %id, error = %e, "deployment sync deferred");
        }
    }
    Ok(())
}
