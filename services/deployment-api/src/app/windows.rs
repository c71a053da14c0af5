//! Deployment windows: a gate before a deployment starts. A group may name weekly windows (in
//! IANA time zones, see [`super::window_spec`]) in which its deployments start, or follow its
//! application's windows when it has none of its own; a deployment a
//! person or a promotion asks for outside them is, per the group's setting, refused (409
//! `outside_window`) or accepted `Queued` with `waiting_for: outside_window`. Rollbacks and
//! scale-out installs are not gated: they restore what runs.
//!
//! Crash safety: the decision is written before it is acted on. A waiting deployment is a row
//! (`Queued`, `waiting_for`), so a restart keeps it; when a tick finds its window open it clears
//! `waiting_for`, records `gate.opened` and moves it `Queued → Created` in one transaction, and
//! only then hands it off (the conditional transition admits one tick; the scheduler's `PUT` is
//! idempotent), so it starts exactly once. Every decision is an event in history and the audit
//! log (`gate.blocked` with gate `window`, reason `outside_window`; `gate.opened`), and so a
//! webhook notification.

use chrono::{DateTime, SecondsFormat, Utc};
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::{
    DeploymentReason, DeploymentWindows, OutsideWindow, SetDeploymentWindows, WindowSource,
};
use liftoff_types::events::EventType;
use liftoff_types::names::validate_name;
use liftoff_types::scheduler::GroupWindows;

use crate::State;
use crate::store::deployments::DeploymentRow;
use crate::store::windows::{self, WindowsRow};
use crate::store::{applications, groups};
use liftoff_types::window_spec::{self, Window};

/// Why a queued deployment waits for a window.
pub const OUTSIDE_WINDOW: &str = "outside_window";
/// At most this many windows per group.
const MAX_WINDOWS: usize = 32;

/// A group's windows as the gate reads them.
struct Gate {
    specs: Vec<String>,
    windows: Vec<Window>,
    outside: OutsideWindow,
}

fn parse_all(specs: &[String]) -> Result<Vec<Window>, String> {
    specs.iter().map(|s| Window::parse(s)).collect()
}

/// The windows in force for a group: its own, else its application's (rows are keyed by the
/// group's or the application's id, both UUIDs).
fn load_effective(
    c: &mut AnyConnection,
    group_id: &str,
    application_id: &str,
) -> Result<(Option<Gate>, WindowSource), ApiError> {
    if let Some(g) = load(c, group_id)? {
        return Ok((Some(g), WindowSource::Group));
    }
    Ok(match load(c, application_id)? {
        Some(g) => (Some(g), WindowSource::Application),
        None => (None, WindowSource::None),
    })
}

/// The specs in force for a group (its own, else its application's; empty: none): what a
/// rollout's spec carries at hand-off.
pub fn effective_specs(
    c: &mut AnyConnection,
    group_id: &str,
    application_id: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(load_effective(c, group_id, application_id)?
        .0
        .map(|g| g.specs)
        .unwrap_or_default())
}

/// Tells the scheduler a group's windows in force now (in the transaction of the change), so
/// a rollout running in it pauses and resumes by them (see the scheduler's `app/gates.rs`).
fn push_group(c: &mut AnyConnection, group_id: &str, application_id: &str) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, EventType::GateWindows);
    ev.data = serde_json::to_value(GroupWindows {
        deployment_group_id: uuid(group_id)?,
        windows: effective_specs(c, group_id, application_id)?,
    })?;
    outbox::enqueue_to(c, Destination::Scheduler, &ev)
}

fn load(c: &mut AnyConnection, owner_id: &str) -> Result<Option<Gate>, ApiError> {
    let Some(row) = windows::get(c, owner_id)? else {
        return Ok(None);
    };
    let specs: Vec<String> = serde_json::from_str(&row.windows)?;
    // Specs were checked when they were set; one that no longer parses (a zone dropped from
    // the tz database) is a fault to see, not a reason to deploy at any hour.
    let windows = parse_all(&specs).map_err(ApiError::internal)?;
    let outside = OutsideWindow::parse(&row.outside_window).unwrap_or_default();
    Ok(Some(Gate {
        specs,
        windows,
        outside,
    }))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn view(
    app: &str,
    group: &str,
    gate: Option<Gate>,
    source: WindowSource,
    at: DateTime<Utc>,
) -> DeploymentWindows {
    let (specs, windows, outside) = gate
        .map(|g| (g.specs, g.windows, g.outside))
        .unwrap_or_default();
    let open_now = window_spec::open(&windows, at);
    DeploymentWindows {
        application: app.to_string(),
        deployment_group: group.to_string(),
        source,
        windows: specs,
        outside_window: outside,
        now: at,
        open_now,
        next_open: if open_now {
            None
        } else {
            window_spec::next_open(&windows, at)
        },
    }
}

/// The group's windows and whether one is open now.
pub async fn get(
    state: &State,
    team: String,
    app: String,
    group: String,
) -> Result<DeploymentWindows, ApiError> {
    validate_name("application", &app).map_err(ApiError::invalid_field)?;
    validate_name("deployment_group", &group).map_err(ApiError::invalid_field)?;
    let at = state.config.clock.now();
    state
        .db
        .run(move |c| {
            let a = applications::require(c, &team, &app)?;
            let g = groups::by_name(c, &a.id, &group)?.ok_or_else(|| {
                ApiError::not_found(format!("deployment group {group:?} not found"))
            })?;
            let (gate, source) = load_effective(c, &g.id, &a.id)?;
            Ok(view(&app, &group, gate, source, at))
        })
        .await
}

/// Replaces the group's windows (an empty list removes the gate). Every spec is checked first:
/// one bad spec refuses the whole request (400) and changes nothing.
pub async fn set(
    state: &State,
    team: String,
    actor: String,
    app: String,
    group: String,
    req: SetDeploymentWindows,
) -> Result<DeploymentWindows, ApiError> {
    validate_name("application", &app).map_err(ApiError::invalid_field)?;
    validate_name("deployment_group", &group).map_err(ApiError::invalid_field)?;
    if req.windows.len() > MAX_WINDOWS {
        return Err(ApiError::invalid_field(format!(
            "windows: at most {MAX_WINDOWS}"
        )));
    }
    let parsed =
        parse_all(&req.windows).map_err(|e| ApiError::invalid_field(format!("windows: {e}")))?;
    let at = state.config.clock.now();
    state
        .db
        .write(move |c| {
            let a = applications::require(c, &team, &app)?;
            let g = groups::by_name(c, &a.id, &group)?.ok_or_else(|| {
                ApiError::not_found(format!("deployment group {group:?} not found"))
            })?;
            let row = WindowsRow {
                group_id: g.id.clone(),
                windows: serde_json::to_string(&req.windows)?,
                outside_window: req.outside_window.as_str().into(),
                updated_by: actor.clone(),
                updated_at: now(),
            };
            windows::put(c, &g.id, (!req.windows.is_empty()).then_some(&row))?;
            push_group(c, &g.id, &a.id)?;
            let mut ev = outbox::event(crate::NAME, EventType::DeploymentGroupWindowsChanged);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(app.clone());
            ev.deployment_group = Some(group.clone());
            ev.data =
                serde_json::json!({"windows": req.windows, "outside_window": req.outside_window});
            outbox::enqueue(c, &ev)?;
            let gate = Gate {
                specs: req.windows,
                windows: parsed,
                outside: req.outside_window,
            };
            // Cleared, the group follows its application's windows again.
            if gate.specs.is_empty() {
                let (gate, source) = load_effective(c, &g.id, &a.id)?;
                return Ok(view(&app, &group, gate, source, at));
            }
            Ok(view(&app, &group, Some(gate), WindowSource::Group, at))
        })
        .await
}

/// The application's own windows (those of every group without its own).
pub async fn get_app(
    state: &State,
    team: String,
    app: String,
) -> Result<DeploymentWindows, ApiError> {
    validate_name("application", &app).map_err(ApiError::invalid_field)?;
    let at = state.config.clock.now();
    state
        .db
        .run(move |c| {
            let a = applications::require(c, &team, &app)?;
            let gate = load(c, &a.id)?;
            let source = if gate.is_some() {
                WindowSource::Application
            } else {
                WindowSource::None
            };
            Ok(view(&app, APP_SCOPE, gate, source, at))
        })
        .await
}

/// Replaces the application's windows (an empty list removes them); a group with windows of
/// its own keeps them. Checked like a group's.
pub async fn set_app(
    state: &State,
    team: String,
    actor: String,
    app: String,
    req: SetDeploymentWindows,
) -> Result<DeploymentWindows, ApiError> {
    validate_name("application", &app).map_err(ApiError::invalid_field)?;
    if req.windows.len() > MAX_WINDOWS {
        return Err(ApiError::invalid_field(format!(
            "windows: at most {MAX_WINDOWS}"
        )));
    }
    let parsed =
        parse_all(&req.windows).map_err(|e| ApiError::invalid_field(format!("windows: {e}")))?;
    let at = state.config.clock.now();
    state
        .db
        .write(move |c| {
            let a = applications::require(c, &team, &app)?;
            let row = WindowsRow {
                group_id: a.id.clone(),
                windows: serde_json::to_string(&req.windows)?,
                outside_window: req.outside_window.as_str().into(),
                updated_by: actor.clone(),
                updated_at: now(),
            };
            windows::put(c, &a.id, (!req.windows.is_empty()).then_some(&row))?;
            // Groups with windows of their own keep them; the others follow these.
            for g in groups::all(c, &a.id)? {
                if windows::get(c, &g.id)?.is_none() {
                    push_group(c, &g.id, &a.id)?;
                }
            }
            let mut ev = outbox::event(crate::NAME, EventType::ApplicationWindowsChanged);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(app.clone());
            ev.data =
                serde_json::json!({"windows": req.windows, "outside_window": req.outside_window});
            outbox::enqueue(c, &ev)?;
            let (gate, source) = if req.windows.is_empty() {
                (None, WindowSource::None)
            } else {
                (
                    Some(Gate {
                        specs: req.windows,
                        windows: parsed,
                        outside: req.outside_window,
                    }),
                    WindowSource::Application,
                )
            };
            Ok(view(&app, APP_SCOPE, gate, source, at))
        })
        .await
}

/// How the application's own windows name their group.
const APP_SCOPE: &str = "*";

/// Whether the window gate applies to deployments made for `reason`.
fn gated(reason: &str) -> bool {
    reason == DeploymentReason::User.as_str() || reason == DeploymentReason::Promotion.as_str()
}

/// The gate on a new deployment, inside the transaction that would create it: `Ok(None)` when
/// it may start as usual, `Ok(Some(next_open))` when it must wait, 409 `outside_window` when
/// the group refuses deployments outside its windows.
pub fn gate_new(
    c: &mut AnyConnection,
    group_id: &str,
    application_id: &str,
    group: &str,
    reason: DeploymentReason,
    at: DateTime<Utc>,
) -> Result<Option<Option<DateTime<Utc>>>, ApiError> {
    if !gated(reason.as_str()) {
        return Ok(None);
    }
    let (Some(gate), source) = load_effective(c, group_id, application_id)? else {
        return Ok(None);
    };
    let whose = match source {
        WindowSource::Application => "its application's windows",
        _ => "its windows",
    };
    if window_spec::open(&gate.windows, at) {
        return Ok(None);
    }
    let next = window_spec::next_open(&gate.windows, at);
    match gate.outside {
        OutsideWindow::Wait => Ok(Some(next)),
        OutsideWindow::Refuse => Err(ApiError::conflict(
            OUTSIDE_WINDOW,
            format!(
                "group {group:?} takes deployments only inside {whose} ({}); it is {} now{}",
                gate.specs.join("; "),
                rfc3339(at),
                next.map(|n| format!(", the next opens at {}", rfc3339(n)))
                    .unwrap_or_default()
            ),
        )),
    }
}

fn gate_event(
    c: &mut AnyConnection,
    event_type: EventType,
    row: &DeploymentRow,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, event_type);
    ev.team = Some(row.team.clone());
    ev.actor = Some("liftoff".into());
    ev.application = Some(row.application.clone());
    ev.deployment_group = Some(row.deployment_group.clone());
    ev.deployment_id = Some(uuid(&row.id)?);
    ev.revision_id = Some(uuid(&row.revision_id)?);
    ev.data = data;
    outbox::enqueue(c, &ev)
}

/// Records that a new deployment waits for a window (in its creating transaction).
pub fn record_waiting(
    c: &mut AnyConnection,
    row: &DeploymentRow,
    next_open: Option<DateTime<Utc>>,
) -> Result<(), ApiError> {
    gate_event(
        c,
        EventType::GateBlocked,
        row,
        serde_json::json!({"gate": "window", "reason": OUTSIDE_WINDOW, "outcome": "waiting", "next_open": next_open}),
    )
}

/// The gate on a queued deployment about to start (in the transaction that would start it):
/// true when it may start now. Records each change of its waiting state: `gate.blocked` when
/// it starts waiting for a window, `gate.opened` when the window it waited for opened.
pub fn gate_queued(
    c: &mut AnyConnection,
    row: &DeploymentRow,
    at: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let waiting = row.waiting_for.as_deref() == Some(OUTSIDE_WINDOW);
    let gate = if gated(&row.reason) {
        load_effective(c, &row.group_id, &row.application_id)?.0
    } else {
        None
    };
    let open = gate
        .as_ref()
        .is_none_or(|g| window_spec::open(&g.windows, at));
    if open {
        if waiting && windows::set_waiting(c, &row.id, None, now())? {
            let data = serde_json::json!({"gate": "window", "reason": OUTSIDE_WINDOW, "waited_since": to_utc(row.created_at), "opened_at": at});
            gate_event(c, EventType::GateOpened, row, data)?;
        }
        return Ok(true);
    }
    if !waiting && windows::set_waiting(c, &row.id, Some(OUTSIDE_WINDOW), now())? {
        let next = gate.and_then(|g| window_spec::next_open(&g.windows, at));
        record_waiting(c, row, next)?;
    }
    Ok(false)
}
