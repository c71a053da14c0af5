//! The autoscaling intake: signed lifecycle-hook events from an autoscaler. A scale-out event
//! waits for the instance's host (its `instance-id` tag) to be installed: `InService` answers
//! CONTINUE, `Failed` ABANDON. A scale-in event stops the application on the host and
//! deregisters it. Each answer is recorded; an action nobody answers within its heartbeat
//! timeout gets its default result. The same event id twice does nothing the second time.

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::autoscaling::{
    AutoscalingEventAccepted, LifecycleAction, LifecycleActionStatus, LifecycleResult,
    ScaleDirection,
};
use liftoff_types::events::EventType;
use liftoff_types::registry::HostState;
use uuid::Uuid;

use super::actions::complete_action;
use crate::store::actions::{self, ActionRow};
use crate::store::hosts::{self, HostRow};
use crate::{AutoscalingConfig, State};

pub mod shapes;
pub mod signature;

/// The tag that names the autoscaler's instance a host runs on.
pub const INSTANCE_TAG: &str = "instance-id";

fn to_action(row: &ActionRow) -> Result<LifecycleAction, ApiError> {
    Ok(LifecycleAction {
        action_id: uuid(&row.id)?,
        event_id: row.event_id.clone(),
        direction: ScaleDirection::parse(&row.direction)
            .ok_or_else(|| ApiError::internal("unknown scale direction"))?,
        instance_id: row.instance_id.clone(),
        group: row.asg_name.clone(),
        lifecycle_hook_name: row.hook_name.clone(),
        lifecycle_action_token: row.action_token.clone(),
        host_id: row.host_id.as_deref().map(uuid).transpose()?,
        status: row.status,
        result: row.result.as_deref().and_then(LifecycleResult::parse),
        default_result: LifecycleResult::parse(&row.default_result)
            .unwrap_or(LifecycleResult::Abandon),
        message: row.message.clone(),
        deadline: to_utc(row.deadline),
        created_at: to_utc(row.created_at),
        completed_at: row.completed_at.map(to_utc),
    })
}

/// The secrets that verify events now: the configured ones, then the file's lines.
async fn secrets(cfg: &AutoscalingConfig) -> Result<Vec<Vec<u8>>, ApiError> {
    let mut out: Vec<Vec<u8>> = cfg.secrets.iter().map(|s| s.as_bytes().to_vec()).collect();
    if let Some(path) = &cfg.secret_file {
        let text = tokio::fs::read_to_string(path).await.map_err(|e| {
            ApiError::unavailable(format!("autoscaling secret file {}: {e}", path.display()))
        })?;
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.as_bytes().to_vec()),
        );
    }
    Ok(out)
}

/// Live hosts whose `instance-id` tag is `instance`.
fn hosts_of_instance(c: &mut AnyConnection, instance: &str) -> Result<Vec<HostRow>, ApiError> {
    let mut out = Vec::new();
    for row in hosts::live_mentioning(c, instance)? {
        let tags: std::collections::BTreeMap<String, String> = serde_json::from_str(&row.tags)?;
        if tags.get(INSTANCE_TAG).is_some_and(|v| v == instance) {
            out.push(row);
        }
    }
    Ok(out)
}

/// The instance id a host is bound to is set once, at enrollment, and names one live host per
/// team: a second host of the team claiming it is refused (409 `instance_id_taken`), so an
/// autoscaling action reaches the host that enrolled on that instance, not whichever claimed it.
pub fn check_instance_claim(
    c: &mut AnyConnection,
    team: &str,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let Some(instance) = tags.get(INSTANCE_TAG) else {
        return Ok(());
    };
    if hosts_of_instance(c, instance)?
        .iter()
        .any(|h| h.team == team)
    {
        return Err(ApiError::conflict(
            "instance_id_taken",
            format!(
                "another live host of this team is bound to {INSTANCE_TAG} {instance}; deregister it first"
            ),
        ));
    }
    Ok(())
}

/// A host just enrolled: it is the instance an open scale-out action waits for.
pub fn attach_launch(c: &mut AnyConnection, host: &HostRow) -> Result<(), ApiError> {
    let tags: std::collections::BTreeMap<String, String> = serde_json::from_str(&host.tags)?;
    let Some(instance) = tags.get(INSTANCE_TAG) else {
        return Ok(());
    };
    for a in actions::open_for_instance(c, instance, ScaleDirection::ScaleOut.as_str())? {
        actions::attach_host(c, &a.id, &host.id, &host.team)?;
    }
    Ok(())
}

/// A host reached `InService` (CONTINUE) or `Failed` (ABANDON): answer its launch action.
pub fn answer_launch(
    c: &mut AnyConnection,
    host: &HostRow,
    in_service: bool,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    let tags: std::collections::BTreeMap<String, String> = serde_json::from_str(&host.tags)?;
    let Some(instance) = tags.get(INSTANCE_TAG) else {
        return Ok(());
    };
    for a in actions::open_for_instance(c, instance, ScaleDirection::ScaleOut.as_str())? {
        if a.host_id.is_none() {
            actions::attach_host(c, &a.id, &host.id, &host.team)?;
        }
        let (result, message) = if in_service {
            (
                LifecycleResult::Continue,
                "the host is installed and in service".to_string(),
            )
        } else {
            (
                LifecycleResult::Abandon,
                format!("the install failed: {}", reason.unwrap_or("failed")),
            )
        };
        complete_action(c, &a.id, LifecycleActionStatus::Completed, result, &message)?;
    }
    Ok(())
}

/// Accepts one signed event. Answers the recorded action (and whether it was a replay).
pub async fn intake(
    state: &State,
    timestamp: Option<String>,
    signature: Option<String>,
    body: Vec<u8>,
) -> Result<AutoscalingEventAccepted, ApiError> {
    let cfg = &state.config.autoscaling;
    let secrets = secrets(cfg).await?;
    if secrets.is_empty() {
        return Err(ApiError::forbidden(
            "the autoscaling intake is off: no signing secret is configured",
        ));
    }
    signature::verify(
        &secrets,
        timestamp.as_deref(),
        signature.as_deref(),
        &body,
        chrono::Utc::now().timestamp(),
        cfg.tolerance.as_secs() as i64,
    )?;
    let ev = shapes::parse(&body)?;
    // The grace the fleet is judged by now (stretched with a large fleet's interval).
    let grace = chrono::Duration::from_std(state.cadence.grace())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let default_timeout = cfg.heartbeat_timeout.as_secs();
    let event_id = ev.id.clone();
    let res = state
        .db
        .write(move |c| record(c, &ev, grace, default_timeout))
        .await;
    // A scale-in of an unreachable host deregistered it.
    if res.is_ok() {
        super::revocations::after_deregistration(state).await;
    }
    match res {
        // The same event delivered twice at once: the first one won.
        Err(e) if e.code == "conflict" => {
            let row = state
                .db
                .run(move |c| actions::by_event_id(c, &event_id))
                .await?
                .ok_or(e)?;
            Ok(AutoscalingEventAccepted {
                event_id: row.event_id.clone(),
                duplicate: true,
                action: to_action(&row)?,
            })
        }
        other => other,
    }
}

fn record(
    c: &mut AnyConnection,
    ev: &shapes::ParsedEvent,
    grace: chrono::Duration,
    default_timeout: u64,
) -> Result<AutoscalingEventAccepted, ApiError> {
    if let Some(existing) = actions::by_event_id(c, &ev.id)? {
        return Ok(AutoscalingEventAccepted {
            event_id: ev.id.clone(),
            duplicate: true,
            action: to_action(&existing)?,
        });
    }
    let at = now();
    let timeout = ev.heartbeat_timeout_secs.unwrap_or(default_timeout);
    let mut hosts = hosts_of_instance(c, &ev.instance_id)?;
    // One host per team is bound to an instance id; hosts of several teams naming the same
    // instance cannot all be it, and none is trusted with the action.
    if hosts.iter().any(|h| h.team != hosts[0].team) {
        tracing::warn!(instance_id = %ev.instance_id, "hosts of several teams claim this instance id; the action is left to its default");
        hosts.clear();
    }
    let host = hosts.first();
    let row = ActionRow {
        id: Uuid::now_v7().to_string(),
        event_id: ev.id.clone(),
        direction: ev.direction.as_str().into(),
        instance_id: ev.instance_id.clone(),
        asg_name: ev.group.clone(),
        hook_name: ev.hook_name.clone(),
        action_token: ev.action_token.clone(),
        host_id: host.map(|h| h.id.clone()),
        team: host.map(|h| h.team.clone()),
        status: LifecycleActionStatus::InProgress,
        result: None,
        default_result: ev
            .default_result
            .unwrap_or(LifecycleResult::Abandon)
            .as_str()
            .into(),
        message: None,
        deadline: at + chrono::Duration::seconds(timeout as i64),
        created_at: at,
        completed_at: None,
    };
    actions::insert(c, &row)?;
    let mut hist = outbox::event(crate::NAME, EventType::AutoscalingLifecycleActionStarted);
    hist.team = row.team.clone();
    hist.host_id = host.map(|h| uuid(&h.id)).transpose()?;
    hist.data = serde_json::json!({
        "action_id": row.id, "event_id": row.event_id, "direction": row.direction,
        "instance_id": row.instance_id, "group": row.asg_name, "deadline": to_utc(row.deadline),
    });
    outbox::enqueue(c, &hist)?;
    match (ev.direction, host) {
        (ScaleDirection::ScaleOut, Some(h)) if h.state == HostState::InService => {
            answer_launch(c, h, true, None)?;
        }
        (ScaleDirection::ScaleOut, Some(h)) if h.state == HostState::Failed => {
            answer_launch(c, h, false, h.state_reason.as_deref())?;
        }
        // Not enrolled yet, or still installing: answered when its state settles.
        (ScaleDirection::ScaleOut, _) => {}
        (ScaleDirection::ScaleIn, None) => {
            complete_action(
                c,
                &row.id,
                LifecycleActionStatus::Completed,
                LifecycleResult::Continue,
                "no host runs on this instance",
            )?;
        }
        (ScaleDirection::ScaleIn, Some(_)) => {
            for h in &hosts {
                super::scale_in::begin(c, h, &row.id, grace)?;
            }
        }
    }
    let row = actions::get(c, &row.id)?.ok_or_else(|| ApiError::internal("action vanished"))?;
    Ok(AutoscalingEventAccepted {
        event_id: ev.id.clone(),
        duplicate: false,
        action: to_action(&row)?,
    })
}

/// The lifecycle actions a team's hosts took part in (every action for platform admins).
pub async fn list(state: &State, team: Option<String>) -> Result<Vec<LifecycleAction>, ApiError> {
    let rows = state
        .db
        .run(move |c| actions::list(c, team.as_deref()))
        .await?;
    rows.iter().map(to_action).collect()
}

/// Background work: actions past their heartbeat timeout get their default result.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    state
        .db
        .write(|c| {
            for a in actions::overdue(c, now())? {
                let result =
                    LifecycleResult::parse(&a.default_result).unwrap_or(LifecycleResult::Abandon);
                complete_action(
                    c,
                    &a.id,
                    LifecycleActionStatus::TimedOut,
                    result,
                    "no answer within the lifecycle hook's heartbeat timeout; the default result applies",
                )?;
            }
            Ok(())
        })
        .await
}
