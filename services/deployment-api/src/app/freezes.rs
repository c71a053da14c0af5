//! Deployment freezes: a gate before a deployment starts. While a freeze of the team (or of
//! the application) is in force, a deployment a person or a promotion asks for is refused
//! (409 `frozen`, naming the reason); rollbacks and scale-out installs are not, since they
//! restore what runs. An admin may deploy anyway with a written reason, recorded in the audit
//! log (`freeze.overridden`) with the deployment it let through. Every change is an event in
//! the same transaction (`freeze.created`, `freeze.lifted`), so history and webhooks see them;
//! a refusal is recorded as `gate.blocked` (gate `freeze`).

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::{CreateFreeze, Freeze, FreezeList};
use liftoff_types::events::EventType;
use liftoff_types::names::validate_text;
use liftoff_types::scheduler::{FreezeState, FreezesOverridden};
use uuid::Uuid;

use crate::State;
use crate::store::applications;
use crate::store::freezes::{self, FreezeRow};

/// How far ahead a freeze may end.
const MAX_DAYS: i64 = 90;

fn view(r: &FreezeRow) -> Result<Freeze, ApiError> {
    Ok(Freeze {
        id: uuid(&r.id)?,
        application: r.application.clone(),
        reason: r.reason.clone(),
        until: to_utc(r.ends_at),
        created_by: r.created_by.clone(),
        created_at: to_utc(r.created_at),
        lifted_at: r.lifted_at.map(to_utc),
        lifted_by: r.lifted_by.clone(),
    })
}

/// Tells the scheduler the freeze's state (in the transaction of the change), so running
/// rollouts pause before their next batch while it is in force (the scheduler's
/// `app/gates.rs`).
fn push(c: &mut AnyConnection, r: &FreezeRow) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, EventType::GateFreeze);
    ev.team = Some(r.team.clone());
    ev.application = r.application.clone();
    ev.data = serde_json::to_value(FreezeState {
        freeze_id: uuid(&r.id)?,
        team: r.team.clone(),
        application: r.application.clone(),
        until: to_utc(r.ends_at),
        lifted_at: r.lifted_at.map(to_utc),
    })?;
    outbox::enqueue_to(c, Destination::Scheduler, &ev)
}

/// Pushes, once, the freezes the scheduler was never told of: those created before the push
/// existed, which would refuse new deployments here but not pause running ones there. Each
/// is marked and pushed in one transaction, so it goes once whatever the replicas; a lift
/// racing it is pushed after it. Returns how many were pushed.
pub async fn push_unpushed(state: &State) -> Result<usize, ApiError> {
    state
        .db
        .write(|c| {
            let mut pushed = 0;
            for r in freezes::unpushed(c)? {
                if !freezes::mark_pushed(c, &r.id, now())? {
                    continue;
                }
                // Read again under the row's lock: a lift may have committed meanwhile.
                if let Some(r) = freezes::get(c, &r.team, &r.id)? {
                    push(c, &r)?;
                    pushed += 1;
                }
            }
            Ok(pushed)
        })
        .await
}

fn event(
    c: &mut AnyConnection,
    event_type: EventType,
    actor: &str,
    r: &FreezeRow,
    deployment: Option<Uuid>,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, event_type);
    ev.team = Some(r.team.clone());
    ev.actor = Some(actor.to_string());
    ev.application = r.application.clone();
    ev.deployment_id = deployment;
    ev.data = data;
    outbox::enqueue(c, &ev)
}

pub async fn create(
    state: &State,
    team: String,
    actor: String,
    req: CreateFreeze,
) -> Result<Freeze, ApiError> {
    validate_text("reason", &req.reason, 1024).map_err(ApiError::invalid_field)?;
    if req.reason.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "reason: say why deployments are frozen",
        ));
    }
    let at = now();
    let ends_at = req.until.naive_utc();
    if ends_at <= at {
        return Err(ApiError::invalid_field("until: must be in the future"));
    }
    if ends_at > at + chrono::Duration::days(MAX_DAYS) {
        return Err(ApiError::invalid_field(format!(
            "until: at most {MAX_DAYS} days ahead"
        )));
    }
    let row = state
        .db
        .write(move |c| {
            if let Some(a) = &req.application {
                applications::require(c, &team, a)?;
            }
            let row = FreezeRow {
                id: Uuid::now_v7().to_string(),
                team,
                application: req.application,
                reason: req.reason,
                ends_at,
                created_by: actor.clone(),
                created_at: at,
                lifted_at: None,
                lifted_by: None,
                pushed_at: Some(at),
            };
            freezes::insert(c, &row)?;
            push(c, &row)?;
            let data = serde_json::json!({"freeze_id": row.id, "reason": row.reason, "until": to_utc(row.ends_at)});
            event(c, EventType::FreezeCreated, &actor, &row, None, data)?;
            Ok(row)
        })
        .await?;
    view(&row)
}

pub async fn list(state: &State, team: String) -> Result<FreezeList, ApiError> {
    let rows = state
        .db
        .run(move |c| freezes::in_force(c, &team, None, now()))
        .await?;
    Ok(FreezeList {
        freezes: rows.iter().map(view).collect::<Result<_, _>>()?,
    })
}

/// Ends a freeze now (it stays on record, lifted).
pub async fn lift(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Freeze, ApiError> {
    let row = state
        .db
        .write(move |c| {
            let mut row = freezes::get(c, &team, &id.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("freeze {id} not found")))?;
            if row.lifted_at.is_some() {
                return Ok(row);
            }
            let at = now();
            freezes::lift(c, &row.id, &actor, at)?;
            row.lifted_at = Some(at);
            row.lifted_by = Some(actor.clone());
            push(c, &row)?;
            let data = serde_json::json!({"freeze_id": row.id, "reason": row.reason});
            event(c, EventType::FreezeLifted, &actor, &row, None, data)?;
            Ok(row)
        })
        .await?;
    view(&row)
}

/// The gate, inside the transaction that would create a deployment of `application`: refuses
/// it while a freeze is in force, unless `override_reason` (an admin's, checked by the handler)
/// is given; then returns the freezes it overrides, for [`record_override`].
pub fn gate(
    c: &mut AnyConnection,
    team: &str,
    application: &str,
    override_reason: Option<&str>,
) -> Result<Vec<FreezeRow>, ApiError> {
    let active = freezes::in_force(c, team, Some(application), now())?;
    let Some(first) = active.first() else {
        return Ok(Vec::new());
    };
    match override_reason {
        Some(_) => Ok(active),
        None => Err(ApiError::conflict(
            "frozen",
            format!(
                "deployments of {application} are frozen until {}: {} (freeze {}, by {}); an admin may deploy anyway with a written reason",
                to_utc(first.ends_at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                first.reason,
                first.id,
                first.created_by
            ),
        )),
    }
}

/// Records that `deployment` went out despite `overridden`, with the admin's reason.
pub fn record_override(
    c: &mut AnyConnection,
    actor: &str,
    overridden: &[FreezeRow],
    deployment: Uuid,
    reason: &str,
) -> Result<(), ApiError> {
    for f in overridden {
        let data =
            serde_json::json!({"freeze_id": f.id, "freeze_reason": f.reason, "reason": reason});
        event(
            c,
            EventType::FreezeOverridden,
            actor,
            f,
            Some(deployment),
            data,
        )?;
    }
    Ok(())
}

/// A deployment a freeze refused: what was asked, by whom.
pub struct Refused {
    pub team: String,
    pub actor: String,
    pub application: String,
    pub deployment_group: String,
    pub revision_id: Uuid,
}

/// Records a refusal by a gate (`gate.blocked`, gate `freeze` or `window`, with the error
/// code as its reason) in the audit log, and so for webhooks. A failure to record it is
/// logged; the refusal stands either way.
pub async fn record_refusal(state: &State, r: Refused, gate: &str, code: &str, message: &str) {
    let (gate, code, message) = (gate.to_string(), code.to_string(), message.to_string());
    let written = state
        .db
        .write(move |c| {
            let mut ev = outbox::event(crate::NAME, EventType::GateBlocked);
            ev.team = Some(r.team);
            ev.actor = Some(r.actor);
            ev.application = Some(r.application);
            ev.deployment_group = Some(r.deployment_group);
            ev.revision_id = Some(r.revision_id);
            ev.data = serde_json::json!({"gate": gate, "reason": code, "outcome": "refused", "message": message});
            outbox::enqueue(c, &ev)
        })
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not record a deployment refused by a gate");
    }
}

/// An override reason as given: printable, at most 1 KiB, not blank.
pub fn check_override(reason: &str) -> Result<(), ApiError> {
    validate_text("override reason", reason, 1024).map_err(ApiError::invalid_field)?;
    if reason.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "override reason: say why this deployment may go despite the freeze",
        ));
    }
    Ok(())
}

/// The freezes a deployment went out despite: those in force when it was created (it passed
/// the gate, so an admin overrode them). Its rollout does not pause for them.
pub fn overridden_by(
    c: &mut AnyConnection,
    team: &str,
    application: &str,
    created_at: chrono::NaiveDateTime,
) -> Result<Vec<Uuid>, ApiError> {
    freezes::in_force(c, team, Some(application), created_at)?
        .iter()
        .filter(|f| f.created_at <= created_at)
        .map(|f| uuid(&f.id))
        .collect()
}

/// An admin lets a running deployment go on despite the freezes in force now (it was handed
/// off, and a freeze paused it between batches): recorded like an override at creation
/// (`freeze.overridden`, with the reason, in the audit log), and pushed to the scheduler, which
/// resumes its rollout. 409 `not_running` unless it runs, `not_frozen` when no freeze covers it.
pub async fn override_running(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
    reason: String,
) -> Result<(), ApiError> {
    check_override(&reason)?;
    state
        .db
        .write(move |c| {
            let row = crate::store::deployments::get(c, &id.to_string())?
                .filter(|r| r.team == team)
                .ok_or_else(|| ApiError::not_found(format!("deployment {id} not found")))?;
            if row.status != liftoff_types::deployments::DeploymentStatus::InProgress {
                return Err(ApiError::conflict(
                    "not_running",
                    format!("deployment {id} is {}, not running", row.status.as_str()),
                ));
            }
            let active = freezes::in_force(c, &team, Some(&row.application), now())?;
            if active.is_empty() {
                return Err(ApiError::conflict(
                    "not_frozen",
                    format!("no freeze covers {} now", row.application),
                ));
            }
            record_override(c, &actor, &active, id, &reason)?;
            let mut ev = outbox::event(crate::NAME, EventType::GateOverride);
            ev.team = Some(team.clone());
            ev.deployment_id = Some(id);
            ev.data = serde_json::to_value(FreezesOverridden {
                deployment_id: id,
                freeze_ids: active
                    .iter()
                    .map(|f| uuid(&f.id))
                    .collect::<Result<_, _>>()?,
            })?;
            outbox::enqueue_to(c, Destination::Scheduler, &ev)
        })
        .await
}
