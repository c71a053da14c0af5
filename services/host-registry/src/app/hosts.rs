//! Host inventory, heartbeats and liveness.

use std::collections::BTreeMap;

use liftoff_kit::auth::Caller;
use liftoff_kit::db::{now, to_utc, uuid, write_tx};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::names::selector_matches;
use liftoff_types::registry::{Heartbeat, HeartbeatResponse, Host, HostState};
use uuid::Uuid;

use crate::State;
use crate::store::hosts::{self, HostRow};

pub fn to_host(row: &HostRow) -> Result<Host, ApiError> {
    Ok(Host {
        host_id: uuid(&row.id)?,
        name: row.name.clone(),
        team: row.team.clone(),
        zone: row.zone.clone(),
        tags: serde_json::from_str(&row.tags)?,
        state: HostState::parse(&row.state)
            .ok_or_else(|| ApiError::internal(format!("unknown host state {}", row.state)))?,
        agent_version: row.agent_version.clone(),
        last_heartbeat_at: row.last_heartbeat_at.map(to_utc),
        enrolled_at: to_utc(row.enrolled_at),
    })
}

/// Filters for listing hosts.
#[derive(Debug, Default)]
pub struct HostFilter {
    /// key → accepted values (AND across keys, OR within).
    pub selector: BTreeMap<String, Vec<String>>,
    pub zone: Option<String>,
    pub state: Option<HostState>,
}

pub async fn list(
    state: &State,
    team: Option<String>,
    filter: HostFilter,
) -> Result<Vec<Host>, ApiError> {
    let wanted = filter.state.map(|s| s.as_str());
    let rows = state
        .db
        .run(move |c| hosts::list(c, team.as_deref(), wanted))
        .await?;
    let mut out = Vec::new();
    for row in &rows {
        let host = to_host(row)?;
        if !selector_matches(&filter.selector, &host.tags)
            || filter.zone.as_ref().is_some_and(|z| *z != host.zone)
            || filter.state.is_some_and(|s| s != host.state)
        {
            continue;
        }
        out.push(host);
    }
    Ok(out)
}

/// A host visible to the caller: another team's host is 404, as if it did not exist.
pub async fn get(state: &State, team: Option<String>, id: Uuid) -> Result<Host, ApiError> {
    let row = state
        .db
        .run(move |c| hosts::get(c, &id.to_string()))
        .await?
        .filter(|r| team.as_ref().is_none_or(|t| *t == r.team))
        .ok_or_else(|| ApiError::not_found(format!("host {id} not found")))?;
    to_host(&row)
}

/// Records a heartbeat. The credential must be the host's current one; a deregistered host's
/// credential is refused at once. A `Lost` host that comes back is back in service.
pub async fn heartbeat(
    state: &State,
    caller: &Caller,
    id: Uuid,
    req: Heartbeat,
) -> Result<HeartbeatResponse, ApiError> {
    caller.host(id)?;
    let jti = caller.claims.jti.clone();
    let interval = state.config.heartbeat_interval.as_secs();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let row = hosts::get(c, &id.to_string())?
                    .ok_or_else(|| ApiError::unauthorized("unknown host"))?;
                if row.credential_id != jti || row.state == "Deregistered" {
                    return Err(ApiError::unauthorized("host credential revoked"));
                }
                let at = now();
                let next = if row.state == "Lost" { "InService" } else { row.state.as_str() };
                hosts::record_heartbeat(c, &row.id, at, req.agent_version.as_deref(), next)?;
                if next != row.state {
                    let mut ev = outbox::event(crate::NAME, "host.state_changed");
                    ev.team = Some(row.team.clone());
                    ev.host_id = Some(id);
                    ev.data = serde_json::json!({"from": row.state, "to": next, "reason": "heartbeat resumed"});
                    outbox::enqueue(c, &ev)?;
                }
                Ok(HeartbeatResponse {
                    state: HostState::parse(next).unwrap_or(HostState::InService),
                    heartbeat_interval_secs: interval,
                })
            })
        })
        .await
}

pub async fn deregister(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Host, ApiError> {
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let row = hosts::get(c, &id.to_string())?
                    .filter(|r| r.team == team)
                    .ok_or_else(|| ApiError::not_found(format!("host {id} not found")))?;
                if row.state != "Deregistered" {
                    hosts::deregister(c, &row.id, now())?;
                    let mut ev = outbox::event(crate::NAME, "host.deregistered");
                    ev.team = Some(team.clone());
                    ev.actor = Some(actor.clone());
                    ev.host_id = Some(id);
                    ev.data = serde_json::json!({"from": row.state});
                    outbox::enqueue(c, &ev)?;
                }
                let row = hosts::get(c, &row.id)?.ok_or_else(|| ApiError::not_found("host"))?;
                to_host(&row)
            })
        })
        .await
}

/// Marks hosts that missed their heartbeat grace as `Lost`.
pub async fn sweep_lost(state: &State) -> Result<usize, ApiError> {
    let grace = chrono::Duration::from_std(state.config.heartbeat_grace)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let at = now();
                let silent = hosts::silent_since(c, at - grace)?;
                let mut n = 0;
                for row in silent {
                    if hosts::transition(c, &row.id, &row.state, "Lost", at)? {
                        n += 1;
                        let mut ev = outbox::event(crate::NAME, "host.lost");
                        ev.team = Some(row.team.clone());
                        ev.host_id = Some(uuid(&row.id)?);
                        ev.data = serde_json::json!({"from": row.state, "last_heartbeat_at": row.last_heartbeat_at.map(to_utc)});
                        outbox::enqueue(c, &ev)?;
                    }
                }
                Ok(n)
            })
        })
        .await
}
