//! Answers to autoscaling lifecycle actions: an action is answered once (the first answer
//! wins, fenced in the store) and history is told. The autoscaling intake answers scale-outs
//! and timed-out actions, scale-in answers when the host has stopped (or could not); both
//! come here, so neither depends on the other for it.

use liftoff_kit::db::{now, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::autoscaling::{LifecycleActionStatus, LifecycleResult};
use liftoff_types::events::EventType;

use crate::store::actions;

/// Records the answer to an action (once) and tells history.
pub fn complete_action(
    c: &mut AnyConnection,
    id: &str,
    status: LifecycleActionStatus,
    result: LifecycleResult,
    message: &str,
) -> Result<bool, ApiError> {
    if !actions::complete(c, id, status, result.as_str(), message, now())? {
        return Ok(false);
    }
    if let Some(row) = actions::get(c, id)? {
        let mut ev = outbox::event(crate::NAME, EventType::AutoscalingLifecycleActionCompleted);
        ev.team = row.team.clone();
        ev.host_id = row.host_id.as_deref().map(uuid).transpose()?;
        ev.data = serde_json::json!({
            "action_id": row.id, "event_id": row.event_id, "direction": row.direction,
            "instance_id": row.instance_id, "group": row.asg_name,
            "lifecycle_hook_name": row.hook_name, "lifecycle_action_token": row.action_token,
            "status": status.as_str(), "result": result.as_str(), "message": message,
        });
        outbox::enqueue(c, &ev)?;
    }
    Ok(true)
}
