//! The gates of a running rollout, judged between batches: no new host starts while the
//! group's deployment window is closed or a freeze of its team or application is in force.
//! Hosts already running finish; the rollout shows why it waits (`waiting_for`) and resumes by
//! itself when the gate opens. A group that refuses deployments outside its windows still only
//! pauses a rollout that is running: failing half a fleet's update would hurt more.
//!
//! The scheduler is told, never asks: the windows come in the rollout's spec (copied at
//! hand-off) and, when they change later, in a `gate.windows` push; freezes come in
//! `gate.freeze` pushes from deployment-api's outbox (in the transaction of the change,
//! retried, in order), kept in `gate_freezes` so a restart keeps them. Each push is applied
//! once (by event id), and the rollouts it may pause or resume are stepped at once. A window
//! that opens or a freeze that ends by the clock is seen by the next step: an agent's
//! completion, or the background tick of the replica leasing the rollout.
//!
//! The decision ([`judge`]) is pure; [`admit`] runs it inside the engine's step (under the
//! rollout's lock) and records each change of the waiting state, with `gate.blocked` or
//! `gate.opened` in history, in the same transaction.

use chrono::{DateTime, Utc};
use liftoff_kit::db::{now, to_utc};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, HistoryEvent, IngestResult};
use liftoff_types::scheduler::{
    CreateRollout, FreezeState, FreezesOverridden, GroupSelector, GroupWindows, RolloutStatus,
    WAITING_FROZEN, WAITING_OUTSIDE_WINDOW,
};
use liftoff_types::window_spec::{self, Window};
use uuid::Uuid;

use super::engine::event_for;
use crate::State;
use crate::store::gates::{self, FreezeRow};
use crate::store::known_groups::{self, KnownGroup};
use crate::store::rollouts::{self, RolloutRow};

/// Most events in one push.
pub const MAX_EVENTS: usize = 500;

/// A freeze in force, as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    pub id: Uuid,
    pub until: DateTime<Utc>,
}

/// Why no new host may start now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// A freeze not overridden for this deployment; the one that ends last.
    Frozen {
        freeze_id: Uuid,
        until: DateTime<Utc>,
    },
    /// Every window is closed; the next opens then (`None`: not within a week).
    OutsideWindow { next_open: Option<DateTime<Utc>> },
}

impl Blocked {
    /// The `waiting_for` it shows.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Frozen { .. } => WAITING_FROZEN,
            Self::OutsideWindow { .. } => WAITING_OUTSIDE_WINDOW,
        }
    }
}

/// The name of the gate behind a `waiting_for` reason, as `gate.*` events give it.
fn gate_name(reason: &str) -> &'static str {
    if reason == WAITING_FROZEN {
        "freeze"
    } else {
        "window"
    }
}

/// Whether a rollout may start a new host at `at`: `None` when it may. A freeze goes before
/// a window (it is the stronger word, and it says until when).
pub fn judge(
    windows: &[Window],
    freezes: &[Freeze],
    overridden: &[Uuid],
    at: DateTime<Utc>,
) -> Option<Blocked> {
    let frozen = freezes
        .iter()
        .filter(|f| f.until > at && !overridden.contains(&f.id))
        .max_by_key(|f| f.until);
    if let Some(f) = frozen {
        return Some(Blocked::Frozen {
            freeze_id: f.id,
            until: f.until,
        });
    }
    if window_spec::open(windows, at) {
        return None;
    }
    Some(Blocked::OutsideWindow {
        next_open: window_spec::next_open(windows, at),
    })
}

/// Statuses in which a rollout may still wait for a gate.
pub fn live(status: &RolloutStatus) -> bool {
    matches!(
        status,
        RolloutStatus::InProgress | RolloutStatus::Paused | RolloutStatus::AwaitingApproval
    )
}

/// The group's windows in force: the last pushed ones, else the copy made at hand-off. A spec
/// that does not parse (a zone dropped from the tz database) keeps the gate closed: it is a
/// fault to see, not a reason to deploy at any hour.
fn windows_for(
    c: &mut AnyConnection,
    row: &RolloutRow,
    handed_off: &[String],
) -> Result<Result<Vec<Window>, String>, ApiError> {
    let specs: Vec<String> = match gates::windows_of(c, &row.deployment_group_id)? {
        Some(pushed) => serde_json::from_str(&pushed)?,
        None => handed_off.to_vec(),
    };
    Ok(specs.iter().map(|s| Window::parse(s)).collect())
}

/// The gate, in the engine's step for a rollout about to start hosts: true when they may
/// start. Records a change of the rollout's waiting state (and its event) when there is one.
pub fn admit(
    c: &mut AnyConnection,
    row: &RolloutRow,
    spec: &CreateRollout,
    at: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let blocked = match &spec.gates {
        None => None,
        Some(g) => {
            let freezes = gates::freezes_in_force(c, &row.team, &row.application, at.naive_utc())?
                .into_iter()
                .map(|f| {
                    Ok(Freeze {
                        id: liftoff_kit::db::uuid(&f.freeze_id)?,
                        until: to_utc(f.ends_at),
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            // Overridden when it was created (the spec), or later by an admin (pushed).
            let mut overridden = g.overridden_freezes.clone();
            for f in gates::overrides_of(c, &row.deployment_id)? {
                overridden.push(liftoff_kit::db::uuid(&f)?);
            }
            match windows_for(c, row, &g.windows)? {
                Ok(windows) => judge(&windows, &freezes, &overridden, at),
                Err(e) => {
                    tracing::warn!(deployment_id = %row.deployment_id, error = %e, "a deployment window does not parse; no new host starts");
                    judge(&[], &freezes, &overridden, at)
                        .or(Some(Blocked::OutsideWindow { next_open: None }))
                }
            }
        }
    };
    let was = row.waiting_for.as_deref();
    match blocked {
        Some(b) => {
            if was != Some(b.reason()) {
                gates::set_waiting(c, &row.deployment_id, Some(b.reason()))?;
                let mut data = serde_json::json!({
                    "gate": gate_name(b.reason()), "reason": b.reason(), "outcome": "paused",
                    "at": at,
                });
                match &b {
                    Blocked::Frozen { freeze_id, until } => {
                        data["freeze_id"] = serde_json::json!(freeze_id);
                        data["until"] = serde_json::json!(until);
                    }
                    Blocked::OutsideWindow { next_open } => {
                        data["next_open"] = serde_json::json!(next_open);
                    }
                }
                let mut ev = event_for(row, EventType::GateBlocked)?;
                ev.data = data;
                outbox::enqueue(c, &ev)?;
                metrics::counter!("liftoff_rollouts_gate_paused_total", "reason" => b.reason())
                    .increment(1);
            }
            Ok(false)
        }
        None => {
            if let Some(reason) = was {
                gates::set_waiting(c, &row.deployment_id, None)?;
                let mut ev = event_for(row, EventType::GateOpened)?;
                ev.data = serde_json::json!({
                    "gate": gate_name(reason), "reason": reason, "outcome": "resumed", "opened_at": at,
                });
                outbox::enqueue(c, &ev)?;
            }
            Ok(true)
        }
    }
}

/// Which rollouts a push may pause or resume.
enum Affected {
    Team(String, Option<String>),
    Group(String),
    Rollout(String),
    /// None: the push changed no gate (a group's selector, for the gauges).
    None,
}

fn unreadable(ev: &HistoryEvent, e: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_field(format!("events: {} {}: {e}", ev.event_type, ev.event_id))
}

/// Applies one push (the caller checked it is new); returns the rollouts it concerns.
fn apply(c: &mut AnyConnection, ev: &HistoryEvent) -> Result<Affected, ApiError> {
    let at = now();
    match EventType::parse(&ev.event_type) {
        Some(EventType::GateFreeze) => {
            let f: FreezeState =
                serde_json::from_value(ev.data.clone()).map_err(|e| unreadable(ev, e))?;
            gates::put_freeze(
                c,
                &FreezeRow {
                    freeze_id: f.freeze_id.to_string(),
                    team: f.team.clone(),
                    application: f.application.clone(),
                    ends_at: f.until.naive_utc(),
                    lifted_at: f.lifted_at.map(|t| t.naive_utc()),
                    received_at: at,
                },
            )?;
            Ok(Affected::Team(f.team, f.application))
        }
        Some(EventType::GateWindows) => {
            let w: GroupWindows =
                serde_json::from_value(ev.data.clone()).map_err(|e| unreadable(ev, e))?;
            let group = w.deployment_group_id.to_string();
            gates::put_windows(c, &group, &serde_json::to_string(&w.windows)?, at)?;
            Ok(Affected::Group(group))
        }
        Some(EventType::GroupSelector) => {
            let g: GroupSelector =
                serde_json::from_value(ev.data.clone()).map_err(|e| unreadable(ev, e))?;
            let id = g.deployment_group_id.to_string();
            match &g.selector {
                Some(selector) => known_groups::put(
                    c,
                    &KnownGroup {
                        deployment_group_id: id,
                        team: g.team,
                        application: g.application,
                        name: g.deployment_group,
                        selector: serde_json::to_string(selector)?,
                        received_at: at,
                    },
                )?,
                None => known_groups::remove(c, &id)?,
            }
            Ok(Affected::None)
        }
        Some(EventType::GateOverride) => {
            let o: FreezesOverridden =
                serde_json::from_value(ev.data.clone()).map_err(|e| unreadable(ev, e))?;
            let id = o.deployment_id.to_string();
            for f in &o.freeze_ids {
                gates::add_override(c, &id, &f.to_string())?;
            }
            Ok(Affected::Rollout(id))
        }
        _ => Err(ApiError::invalid_field(format!(
            "events: {:?} is not a gate change ({}, {}, {}, {})",
            ev.event_type,
            EventType::GateFreeze,
            EventType::GateWindows,
            EventType::GateOverride,
            EventType::GroupSelector
        ))),
    }
}

/// Takes deployment-api's pushes (`gate.freeze`, `gate.windows`, `gate.override`, and
/// `group.selector` for the gauges), each once, in order, then
/// steps the running rollouts they concern, so a lifted freeze resumes them at once and a new
/// one pauses them before their next batch.
pub async fn record(state: &State, batch: EventBatch) -> Result<IngestResult, ApiError> {
    if batch.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid_field(format!(
            "events: at most {MAX_EVENTS}"
        )));
    }
    let (result, affected) = state
        .db
        .write(move |c| {
            let mut result = IngestResult {
                accepted: 0,
                duplicates: 0,
            };
            let mut affected = Vec::new();
            for ev in &batch.events {
                if !gates::first_time(c, &ev.event_id.to_string(), now())? {
                    result.duplicates += 1;
                    continue;
                }
                affected.push(apply(c, ev)?);
                result.accepted += 1;
            }
            let mut ids = Vec::new();
            for a in &affected {
                ids.extend(match a {
                    Affected::Team(team, app) => {
                        gates::running_of(c, Some(team), app.as_deref(), None)?
                    }
                    Affected::Group(g) => gates::running_of(c, None, None, Some(g))?,
                    Affected::Rollout(id) => vec![id.clone()],
                    Affected::None => Vec::new(),
                });
            }
            ids.sort();
            ids.dedup();
            Ok((result, ids))
        })
        .await?;
    for id in affected {
        if let Err(e) = step_now(state, &id).await {
            tracing::warn!(deployment_id = %id, error = %e, "stepping a rollout after a gate change failed; its next tick will");
        }
    }
    Ok(result)
}

/// One engine step of a rollout, under its lock.
async fn step_now(state: &State, id: &str) -> Result<(), ApiError> {
    let id = liftoff_kit::db::uuid(id)?;
    let at = state.config.clock.now();
    let woken = state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            super::engine::step(c, id, at)
        })
        .await?;
    state.mailbox.wake(&woken);
    Ok(())
}

#[cfg(test)]
#[path = "gates_tests.rs"]
mod tests;
