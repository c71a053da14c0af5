//! The scheduler is told, not asked, which hosts a deployment group selects: every change to
//! a host's team, zone, tags or state queues a `host.membership` event with the host as it
//! stands after the change, in the change's own transaction, for the kit outbox to push to
//! the scheduler (`POST /v1/host-changes`). The scheduler plans rollouts from that copy and
//! adds hosts that join a group (or skips those that left it) while a rollout runs.

use liftoff_kit::db::uuid;
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::registry::HostMembership;

use crate::store::hosts::{self, HostRow};

/// Queues host `id`'s membership as this transaction leaves it; call after the change.
pub fn push(c: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    match hosts::get(c, id)? {
        Some(row) => push_row(c, &row),
        None => Ok(()),
    }
}

/// [`push`] for a row in hand (one just written in this transaction).
pub fn push_row(c: &mut AnyConnection, row: &HostRow) -> Result<(), ApiError> {
    let mut ev = outbox::event(crate::NAME, EventType::HostMembership);
    ev.team = Some(row.team.clone());
    ev.host_id = Some(uuid(&row.id)?);
    ev.data = serde_json::to_value(HostMembership {
        zone: row.zone.clone(),
        tags: serde_json::from_str(&row.tags)?,
        state: row.state,
    })?;
    outbox::enqueue_to(c, Destination::Scheduler, &ev)
}
