//! Rollout lifecycle: accept the hand-off, plan the targets (failed-first, zone order), keep
//! the membership current, advance, and show it. Every step writes its state in one
//! transaction before anything acts on it, so a scheduler killed at any instant resumes from
//! the database alone.

use std::collections::{HashMap, HashSet};

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::events::EventType;
use liftoff_types::registry::HostState;
use liftoff_types::scheduler::*;
use uuid::Uuid;

use super::engine::{self, event_for, spec_of};
use super::plan::{self, HostTarget};
use crate::State;
use crate::store::known_hosts::KnownHost;
use crate::store::rollouts::{self, RolloutRow};
use crate::store::targets::{self, TargetRow};
use crate::store::{commands, revisions};

/// Accepts a rollout. Idempotent: the same spec again returns the existing rollout; another
/// spec for the same deployment is a 409.
pub async fn create(state: &State, id: Uuid, spec: CreateRollout) -> Result<Rollout, ApiError> {
    use tracing::Instrument as _;
    // A child of the request (whose `traceparent` header came from deployment-api's
    // hand-off): the rollout keeps this span's context, and every dispatch of its hosts, by
    // whichever request or tick, is its child.
    let span = tracing::info_span!(
        "rollout.create",
        deployment_id = %id,
        deployment_group = %spec.deployment_group
    );
    let traceparent = liftoff_client::trace::traceparent(&span);
    create_in_span(state, id, spec, traceparent)
        .instrument(span)
        .await
}

async fn create_in_span(
    state: &State,
    id: Uuid,
    spec: CreateRollout,
    traceparent: Option<String>,
) -> Result<Rollout, ApiError> {
    let text = serde_json::to_string(&spec)?;
    state
        .db
        .write(move |c| {
            if let Some(existing) = rollouts::get(c, id)? {
                // The gates are not part of what makes it the same rollout: a hand-off retried
                // after a window edit reads the new windows, which were pushed anyway.
                let mut was = spec_of(&existing)?;
                was.gates.clone_from(&spec.gates);
                if was != spec {
                    return Err(ApiError::conflict(
                        "rollout_exists",
                        format!("rollout {id} exists with a different specification"),
                    ));
                }
                return Ok(());
            }
            let at = now();
            rollouts::insert(
                c,
                &RolloutRow {
                    deployment_id: id.to_string(),
                    team: spec.team.clone(),
                    application: spec.application.clone(),
                    deployment_group: spec.deployment_group.clone(),
                    deployment_group_id: spec.deployment_group_id.to_string(),
                    revision_id: spec.revision_id.to_string(),
                    spec: text,
                    status: RolloutStatus::Pending,
                    error_code: None,
                    error_message: None,
                    created_at: at,
                    started_at: None,
                    completed_at: None,
                    updated_at: at,
                    canary_hosts: 0,
                    approved_at: None,
                    current_zone: None,
                    gate_until: None,
                    lease_owner: None,
                    lease_epoch: 0,
                    lease_expires_at: None,
                    report_seq: 0,
                    traceparent,
                    waiting_for: None,
                },
            )
        })
        .await?;
    advance(state, id).await?;
    view(state, id, None, RolloutDetail::Hosts).await
}

/// The rollout, with as much per-host detail as asked; `team` scopes it for team callers.
pub async fn view(
    state: &State,
    id: Uuid,
    team: Option<String>,
    detail: RolloutDetail,
) -> Result<Rollout, ApiError> {
    state
        .db
        .run(move |c| {
            let row = rollouts::get(c, id)?
                .filter(|r| team.as_ref().is_none_or(|t| *t == r.team))
                .ok_or_else(|| ApiError::not_found(format!("rollout {id} not found")))?;
            let mut rollout = summary_of(c, &row)?;
            if detail != RolloutDetail::Summary {
                let rows = targets::all(c, &row.deployment_id)?;
                rollout.hosts = host_views(c, rows, detail == RolloutDetail::Full)?;
            }
            Ok(rollout)
        })
        .await
}

/// The rollout's status and counts, without hosts.
pub fn summary_of(c: &mut AnyConnection, row: &RolloutRow) -> Result<Rollout, ApiError> {
    let spec = spec_of(row)?;
    let mut overview = HostOverview::default();
    for z in targets::zones(c, &row.deployment_id)?.values() {
        overview.pending += z.pending;
        overview.in_progress += z.in_flight;
        overview.succeeded += z.succeeded;
        overview.failed += z.failed;
        overview.skipped += z.skipped;
    }
    Ok(Rollout {
        deployment_id: uuid(&row.deployment_id)?,
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        revision_id: uuid(&row.revision_id)?,
        status: row.status,
        error_code: row.error_code.clone(),
        error_message: row.error_message.clone(),
        created_at: to_utc(row.created_at),
        started_at: row.started_at.map(to_utc),
        completed_at: row.completed_at.map(to_utc),
        overview,
        zone_mode: spec.zone_mode,
        canary_hosts: u64::try_from(row.canary_hosts).unwrap_or(0),
        approved_at: row.approved_at.map(to_utc),
        current_zone: row.current_zone.clone(),
        bake_until: row.gate_until.map(to_utc),
        rollback_of: spec.rollback_of,
        analysis: super::analysis::status_of(c, row)?,
        // Only while it runs: a concluded rollout waits for nothing.
        waiting_for: row
            .waiting_for
            .clone()
            .filter(|_| super::gates::live(&row.status)),
        report_seq: Some(row.report_seq),
        hosts: Vec::new(),
    })
}

/// `rows` as the API shows them; with `events`, each one's lifecycle events (one query per
/// 500 commands, not one per host).
pub fn host_views(
    c: &mut AnyConnection,
    rows: Vec<TargetRow>,
    events: bool,
) -> Result<Vec<RolloutHost>, ApiError> {
    let mut by_command: HashMap<String, Vec<LifecycleEventRecord>> = HashMap::new();
    if events {
        let ids: Vec<String> = rows.iter().filter_map(|t| t.command_id.clone()).collect();
        for e in commands::events_of(c, &ids)? {
            by_command
                .entry(e.command_id.clone())
                .or_default()
                .push(LifecycleEventRecord {
                    event: e.event,
                    status: e.status,
                    exit_code: e.exit_code,
                    error_code: e.error_code,
                    message: e.message,
                    started_at: to_utc(e.started_at),
                    ended_at: e.ended_at.map(to_utc),
                    output_tail: e.output_tail,
                    output_truncated: e.output_truncated,
                });
        }
    }
    rows.into_iter()
        .map(|t| {
            Ok(RolloutHost {
                host_id: uuid(&t.host_id)?,
                status: t.status,
                events: t
                    .command_id
                    .as_ref()
                    .and_then(|cid| by_command.remove(cid))
                    .unwrap_or_default(),
                zone: t.zone,
                attempt: t.attempt,
                command_id: t.command_id.as_deref().map(uuid).transpose()?,
                dispatched_at: t.dispatched_at.map(to_utc),
                error_code: t.error_code,
                message: t.message,
                started_at: t.started_at.map(to_utc),
                completed_at: t.completed_at.map(to_utc),
            })
        })
        .collect()
}

/// Moves a rollout forward: plan it if new, then start as many hosts as the window allows,
/// or finish it. Safe to call any number of times, from any replica.
pub async fn advance(state: &State, id: Uuid) -> Result<(), ApiError> {
    let Some(row) = state.db.run(move |c| rollouts::get(c, id)).await? else {
        return Err(ApiError::not_found(format!("rollout {id} not found")));
    };
    if row.status == RolloutStatus::Pending {
        plan_targets(state, &row).await?;
        // The plan read the group's members just now: the first membership refresh is due
        // one period from here, not at the next tick (a second read of the whole group for
        // every deployment).
        if let Ok(mut last) = state.refreshed.lock() {
            last.insert(row.deployment_id.clone(), std::time::Instant::now());
        }
    }
    let gate_now = state.config.clock.now();
    let woken = state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            engine::step(c, id, gate_now)
        })
        .await?;
    state.mailbox.wake(&woken);
    Ok(())
}

fn live(h: &KnownHost) -> bool {
    !matches!(h.state, HostState::Lost | HostState::Deregistered)
}

/// Tiers the hosts: failed in the group's previous deployment (or in the one rolled back),
/// then unknown or other revision, then those already running this revision.
fn tiered(
    c: &mut AnyConnection,
    row: &RolloutRow,
    spec: &CreateRollout,
    hosts: &[KnownHost],
) -> Result<Vec<HostTarget>, ApiError> {
    let previous = match spec.rollback_of {
        Some(id) => Some(id.to_string()),
        None => rollouts::previous_in_group(
            c,
            &row.deployment_group_id,
            row.created_at,
            &row.deployment_id,
        )?,
    };
    let failed: HashSet<String> = match previous {
        Some(p) => targets::with_status(c, &p, &[HostTargetStatus::Failed])?
            .into_iter()
            .map(|t| t.host_id)
            .collect(),
        None => HashSet::new(),
    };
    let running = revisions::of_application(c, &row.team, &row.application)?;
    hosts
        .iter()
        .map(|h| {
            let id = &h.host_id;
            let tier = if failed.contains(id) {
                plan::TIER_FAILED_BEFORE
            } else if running.get(id) == Some(&row.revision_id) {
                plan::TIER_CURRENT
            } else {
                plan::TIER_NEEDS_UPDATE
            };
            Ok(HostTarget {
                host_id: uuid(id)?,
                zone: h.zone.clone(),
                tier,
            })
        })
        .collect()
}

fn target_rows(row: &RolloutRow, ordered: &[HostTarget], first: i32) -> Vec<TargetRow> {
    ordered
        .iter()
        .enumerate()
        .map(|(i, t)| TargetRow {
            deployment_id: row.deployment_id.clone(),
            host_id: t.host_id.to_string(),
            zone: t.zone.clone(),
            position: first + i as i32,
            status: HostTargetStatus::Pending,
            attempt: 1,
            command_id: None,
            error_code: None,
            message: None,
            started_at: None,
            completed_at: None,
            tier: t.tier,
            dispatched_at: None,
        })
        .collect()
}

/// Takes the hosts the group selects from the copy the registry pushes, then records them in
/// rollout order.
async fn plan_targets(state: &State, row: &RolloutRow) -> Result<(), ApiError> {
    let spec = spec_of(row)?;
    // Lost and deregistered hosts are not targets: they cannot take part (a lost host that
    // comes back joins the rollout like any new host).
    let hosts: Vec<KnownHost> = super::members::selected(state, &spec)
        .await?
        .into_iter()
        .filter(live)
        .collect();
    let id = uuid(&row.deployment_id)?;
    state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            let Some(row) = rollouts::get(c, id)? else {
                return Ok(());
            };
            if row.status != RolloutStatus::Pending {
                return Ok(());
            }
            let ordered = plan::order_targets(tiered(c, &row, &spec, &hosts)?, spec.zone_mode);
            let fleet = ordered.len() as u64;
            let canary = match spec.canary {
                Some(k) if fleet > 0 && k.hosts(fleet) < fleet => k.hosts(fleet) as i32,
                _ => 0,
            };
            let at = crate::store::db_now(c)?;
            if !rollouts::mark_started(c, &row.deployment_id, canary, at)? {
                return Ok(());
            }
            let rows = target_rows(&row, &ordered, 0);
            targets::insert(c, &rows)?;
            let mut ev = event_for(&row, EventType::DeploymentStarted)?;
            ev.data = serde_json::json!({
                "hosts": rows.len(),
                "zones": ordered.iter().map(|t| t.zone.clone()).collect::<std::collections::BTreeSet<_>>(),
                "failed_before": ordered.iter().filter(|t| t.tier == plan::TIER_FAILED_BEFORE).count(),
                "zone_mode": spec.zone_mode, "canary_hosts": canary, "rollback_of": spec.rollback_of,
            });
            outbox::enqueue(c, &ev)
        })
        .await
}

/// Brings a running rollout's membership up to date: hosts that joined the group since it
/// started are added (at the end, in zone order); pending hosts that left it are skipped.
pub async fn refresh_members(state: &State, id: Uuid) -> Result<(), ApiError> {
    let Some(row) = state.db.run(move |c| rollouts::get(c, id)).await? else {
        return Ok(());
    };
    if !matches!(
        row.status,
        RolloutStatus::InProgress | RolloutStatus::Paused | RolloutStatus::AwaitingApproval
    ) {
        return Ok(());
    }
    let spec = spec_of(&row)?;
    let all = super::members::selected(state, &spec).await?;
    let gate_now = state.config.clock.now();
    let woken = state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            let Some(row) = rollouts::get(c, id)? else {
                return Ok(Vec::new());
            };
            if !matches!(
                row.status,
                RolloutStatus::InProgress | RolloutStatus::Paused | RolloutStatus::AwaitingApproval
            ) {
                return Ok(Vec::new());
            }
            let known: HashSet<String> = targets::host_ids(c, &row.deployment_id)?
                .into_iter()
                .collect();
            let joined: Vec<KnownHost> = all
                .iter()
                .filter(|h| live(h) && !known.contains(&h.host_id))
                .cloned()
                .collect();
            let selected: HashSet<&String> = all.iter().map(|h| &h.host_id).collect();
            let at = crate::store::db_now(c)?;
            let mut left = Vec::new();
            for t in targets::with_status(c, &row.deployment_id, &[HostTargetStatus::Pending])? {
                if !selected.contains(&t.host_id)
                    && targets::transition(
                        c,
                        &row.deployment_id,
                        &t.host_id,
                        &[HostTargetStatus::Pending],
                        HostTargetStatus::Skipped,
                        targets::Change {
                            error: Some(("left-group", "the host left the deployment group")),
                            at: Some(at),
                            ..Default::default()
                        },
                    )?
                {
                    left.push(t.host_id);
                }
            }
            if !joined.is_empty() {
                let ordered = plan::order_targets(tiered(c, &row, &spec, &joined)?, spec.zone_mode);
                let first = targets::max_position(c, &row.deployment_id)? + 1;
                targets::insert(c, &target_rows(&row, &ordered, first))?;
            }
            if !joined.is_empty() || !left.is_empty() {
                let mut ev = event_for(&row, EventType::DeploymentHostsChanged)?;
                ev.data = serde_json::json!({
                    "joined": joined.iter().map(|h| &h.host_id).collect::<Vec<_>>(),
                    "left": left,
                });
                outbox::enqueue(c, &ev)?;
            }
            engine::step(c, id, gate_now)
        })
        .await?;
    state.mailbox.wake(&woken);
    Ok(())
}
