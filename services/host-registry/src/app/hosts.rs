//! Host inventory, operator edits, heartbeats and liveness.

use std::collections::BTreeMap;
use std::sync::Arc;

use liftoff_kit::auth::Caller;
use liftoff_kit::db::{now, to_utc, uuid, write_tx};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::events::EventType;
use liftoff_types::names::selector_matches;
use liftoff_types::registry::{
    Heartbeat, HeartbeatResponse, Host, HostInstall, HostState, UpdateHost,
};
use uuid::Uuid;

use super::lifecycle::{self, change_state};
use crate::State;
use crate::store::hosts::{self, HostRow};
use crate::store::installs::{self, InstallRow};
use crate::store::revisions::{self, RevisionRow};

pub fn to_host(
    row: &HostRow,
    installs: &[InstallRow],
    revisions: &[RevisionRow],
) -> Result<Host, ApiError> {
    Ok(Host {
        host_id: uuid(&row.id)?,
        name: row.name.clone(),
        team: row.team.clone(),
        zone: row.zone.clone(),
        tags: serde_json::from_str(&row.tags)?,
        state: row.state,
        agent_version: row.agent_version.clone(),
        last_heartbeat_at: row.last_heartbeat_at.map(to_utc),
        enrolled_at: to_utc(row.enrolled_at),
        state_reason: row.state_reason.clone(),
        state_changed_at: row.state_changed_at.map(to_utc),
        installs: installs
            .iter()
            .map(|i| {
                Ok(HostInstall {
                    application: i.application.clone(),
                    deployment_group: i.deployment_group.clone(),
                    deployment_id: uuid(&i.deployment_id)?,
                    revision_id: uuid(&i.revision_id)?,
                    mode: i.mode,
                    status: i.status,
                    error: i.error.clone(),
                    created_at: to_utc(i.created_at),
                    updated_at: to_utc(i.updated_at),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        revisions: revisions
            .iter()
            .map(super::inventory::to_revision)
            .collect::<Result<_, ApiError>>()?,
    })
}

/// Filters for listing hosts.
#[derive(Debug, Default)]
pub struct HostFilter {
    /// key → accepted values (AND across keys, OR within).
    pub selector: BTreeMap<String, Vec<String>>,
    pub zone: Option<String>,
    pub state: Option<HostState>,
    /// Only these hosts (when not empty).
    pub ids: Vec<Uuid>,
    /// At most this many, the first in enrollment order.
    pub limit: Option<usize>,
    /// After this host (a `next_cursor`) in enrollment order.
    pub after: Option<Uuid>,
}

/// The hosts the filter asks for, in enrollment order, and the cursor of the next page when
/// a `limit` cut the list short.
pub async fn list(
    state: &State,
    team: Option<String>,
    filter: HostFilter,
) -> Result<(Vec<Host>, Option<String>), ApiError> {
    let wanted = filter.state;
    // Without filters applied here, the database stops at the limit (a user paging a large
    // fleet must not make the registry read all of it); one more row tells whether a next
    // page exists.
    let sql_limit = filter
        .limit
        .filter(|_| filter.selector.is_empty() && filter.zone.is_none() && filter.ids.is_empty())
        .map(|l| l + 1);
    let after = filter.after;
    let (rows, mut current) = state
        .db
        .run(move |c| {
            // The cursor is a host of the caller's; its enrollment time places the page.
            let after = match after {
                None => None,
                Some(id) => match hosts::get(c, &id.to_string())? {
                    Some(h) if team.as_deref().is_none_or(|t| t == h.team) => {
                        Some((h.enrolled_at, h.id))
                    }
                    _ => {
                        return Err(ApiError::invalid_field(
                            "cursor: not a cursor from this API",
                        ));
                    }
                },
            };
            let rows = hosts::list(c, team.as_deref(), wanted, after, sql_limit)?;
            // The scheduler asks for lost hosts every second: usually none, so nothing more.
            let current = if rows.is_empty() {
                Default::default()
            } else {
                super::inventory::by_host(revisions::of_team(c, team.as_deref())?)
            };
            Ok((rows, current))
        })
        .await?;
    let mut out = Vec::new();
    for row in &rows {
        let host = to_host(row, &[], &current.remove(&row.id).unwrap_or_default())?;
        if !selector_matches(&filter.selector, &host.tags)
            || filter.zone.as_ref().is_some_and(|z| *z != host.zone)
            || filter.state.is_some_and(|s| s != host.state)
            || (!filter.ids.is_empty() && !filter.ids.contains(&host.host_id))
        {
            continue;
        }
        if filter.limit.is_some_and(|l| out.len() >= l) {
            // A host past the page: there is a next one, after the page's last host.
            let next = out.last().map(|h: &Host| h.host_id.to_string());
            return Ok((out, next));
        }
        out.push(host);
    }
    Ok((out, None))
}

/// A host visible to the caller, with its latest installs: another team's host is 404.
pub async fn get(state: &State, team: Option<String>, id: Uuid) -> Result<Host, ApiError> {
    state
        .db
        .run(move |c| {
            let row = hosts::get(c, &id.to_string())?
                .filter(|r| team.as_ref().is_none_or(|t| *t == r.team))
                .ok_or_else(|| ApiError::not_found(format!("host {id} not found")))?;
            let list = installs::of_epoch(c, &row.id, row.epoch)?;
            to_host(&row, &list, &revisions::of_host(c, &row.id)?)
        })
        .await
}

fn team_host(
    c: &mut liftoff_kit::AnyConnection,
    team: &str,
    id: Uuid,
) -> Result<HostRow, ApiError> {
    hosts::get(c, &id.to_string())?
        .filter(|r| r.team == team && r.state != HostState::Deregistered)
        .ok_or_else(|| ApiError::not_found(format!("host {id} not found")))
}

/// Operator edits. New tags are re-evaluated: groups the host enters get their revision
/// installed (the host is held out of service meanwhile); groups it stays in are left alone.
pub async fn update(
    state: Arc<State>,
    team: String,
    actor: String,
    id: Uuid,
    req: UpdateHost,
) -> Result<Host, ApiError> {
    let Some(tags) = req.tags else {
        return get(&state, Some(team), id).await;
    };
    super::enrollment::validate_tags("tags", &tags)?;
    let new_tags = serde_json::to_string(&tags)?;
    let evaluate = state
        .db
        .write(move |c| {
            let row = team_host(c, &team, id)?;
            if row.tags == new_tags {
                return Ok(false);
            }
            let old: std::collections::BTreeMap<String, String> = serde_json::from_str(&row.tags)?;
            let instance = super::autoscaling::INSTANCE_TAG;
            if old.get(instance) != tags.get(instance) {
                return Err(ApiError::conflict(
                    "instance_id_bound",
                    format!("the {instance} tag is bound at enrollment and cannot change; enroll the host again"),
                ));
            }
            let at = now();
            let mut ev = outbox::event(crate::NAME, EventType::HostTagsChanged);
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.host_id = Some(id);
            ev.data = serde_json::json!({"from": serde_json::from_str::<serde_json::Value>(&row.tags)?, "to": tags});
            outbox::enqueue(c, &ev)?;
            // A host already being evaluated keeps its baseline: it still needs those groups.
            let baseline = match row.state {
                HostState::Installing => {
                    return Err(ApiError::conflict(
                        "host_busy",
                        "the host is installing its groups' revisions; change its tags when it is done",
                    ));
                }
                HostState::Pending => row.previous_tags.clone(),
                HostState::Lost => {
                    hosts::set_tags(c, &row.id, &new_tags, at)?;
                    super::membership::push(c, &row.id)?;
                    return Ok(false);
                }
                _ => Some(row.tags.clone()),
            };
            if !hosts::begin_evaluation(c, &row, &new_tags, baseline.as_deref(), "tags changed", at)? {
                return Err(ApiError::conflict("state_changed", "the host changed concurrently; retry"));
            }
            let mut ev = outbox::event(crate::NAME, EventType::HostStateChanged);
            ev.team = Some(team.clone());
            ev.host_id = Some(id);
            ev.data = serde_json::json!({"from": row.state, "to": HostState::Pending, "reason": "tags changed", "epoch": row.epoch + 1});
            outbox::enqueue(c, &ev)?;
            super::membership::push(c, &row.id)?;
            let evaluated = evaluated(c, &row.id)?;
            lifecycle::request_installs(c, &evaluated, Vec::new())?;
            Ok(true)
        })
        .await?;
    if evaluate {
        // Answer settled when the plan comes soon (no new group: back in service at once).
        wait_planned(&state, id).await;
    }
    get(&state, Some(team_of(&state, id).await?), id).await
}

/// The host as `begin_evaluation` left it (new epoch and tags), for its request.
fn evaluated(c: &mut liftoff_kit::AnyConnection, id: &str) -> Result<HostRow, ApiError> {
    hosts::get(c, id)?.ok_or_else(|| ApiError::not_found(format!("host {id} not found")))
}

/// How long an operator's edit waits for deployment-api's plan before answering `Pending`.
const PLAN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Waits (at most [`PLAN_WAIT`]) until host `id` is no longer `Pending`: its plan came back
/// through the outboxes (a few milliseconds when deployment-api is up). Reads the row, so
/// a plan applied by another replica counts too.
async fn wait_planned(state: &State, id: Uuid) {
    let deadline = tokio::time::Instant::now() + PLAN_WAIT;
    let mut pause = std::time::Duration::from_millis(2);
    loop {
        let h = id.to_string();
        match state.db.run(move |c| hosts::get(c, &h)).await {
            Ok(Some(row)) if row.state == HostState::Pending => {}
            _ => return,
        }
        if tokio::time::Instant::now() + pause > deadline {
            return;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(50));
    }
}

async fn team_of(state: &State, id: Uuid) -> Result<String, ApiError> {
    state
        .db
        .run(move |c| {
            hosts::get(c, &id.to_string())?
                .map(|r| r.team)
                .ok_or_else(|| ApiError::not_found(format!("host {id} not found")))
        })
        .await
}

/// Installs every group's revision on the host again (after a failed install).
pub async fn reinstall(
    state: Arc<State>,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Host, ApiError> {
    let t = team.clone();
    state
        .db
        .write(move |c| {
            let row = team_host(c, &t, id)?;
            if !matches!(row.state, HostState::Failed | HostState::InService) {
                return Err(ApiError::conflict(
                    "host_busy",
                    format!("host is {}; only Failed or InService hosts are reinstalled", row.state.as_str()),
                ));
            }
            let at = now();
            if !hosts::begin_evaluation(c, &row, &row.tags, None, "reinstall requested", at)? {
                return Err(ApiError::conflict("state_changed", "the host changed concurrently; retry"));
            }
            let mut ev = outbox::event(crate::NAME, EventType::HostStateChanged);
            ev.team = Some(t.clone());
            ev.actor = Some(actor.clone());
            ev.host_id = Some(id);
            ev.data = serde_json::json!({"from": row.state, "to": HostState::Pending, "reason": "reinstall requested", "epoch": row.epoch + 1});
            outbox::enqueue(c, &ev)?;
            super::membership::push(c, &row.id)?;
            let evaluated = evaluated(c, &row.id)?;
            lifecycle::request_installs(c, &evaluated, Vec::new())
        })
        .await?;
    wait_planned(&state, id).await;
    get(&state, Some(team), id).await
}

/// Records a heartbeat. The credential must be the host's current one; a deregistered host's
/// credential is refused at once. A `Lost` host that comes back returns to where it was.
/// Commands waiting for the host (scale-in) ride on the answer. A host in good standing costs
/// a read (see [`super::heard`]); anything to change goes through a write transaction.
pub async fn heartbeat(
    state: Arc<State>,
    caller: &Caller,
    id: Uuid,
    req: Heartbeat,
) -> Result<HeartbeatResponse, ApiError> {
    caller.host(id)?;
    let _arriving = state.heard.arriving(&id.to_string());
    let jti = caller.claims.jti.clone();
    let interval = state.cadence.interval().as_secs();
    let poll_wait = super::feed::poll_wait(state.cadence.grace()).map(|w| w.as_secs());
    let (h, sent) = (id.to_string(), req.agent_version.clone());
    let looked = state
        .db
        .run_short(move |c| {
            let (row, waiting) =
                hosts::standing(c, &h, super::scale_in::STOP)?.ok_or_else(unknown_host)?;
            vouch(&row.credential_id, row.state, &jti)?;
            let quiet =
                super::heard::quiet(row.state, row.agent_version.as_deref(), sent.as_deref())
                    && !waiting;
            Ok(quiet.then_some(row.state))
        })
        .await;
    let res = match looked {
        Ok(Some(host_state)) => {
            // Heard when the registry has checked it: under load the read comes back seconds
            // after the heartbeat arrived (the host is held meanwhile, see `arriving`), and
            // the agent waits its interval after the answer, so counting from the arrival
            // would charge the hosts with the control plane's own delay.
            state.heard.note(id.to_string(), now());
            HeartbeatResponse {
                state: host_state,
                heartbeat_interval_secs: interval,
                poll_wait_secs: poll_wait,
                commands: Vec::new(),
            }
        }
        Ok(None) => record(&state, caller, id, req, (interval, poll_wait)).await?,
        Err(e) => {
            if e.status.is_server_error() {
                // The registry cannot tell whether it heard the host: it is deaf.
                state.hearing.deaf(std::time::Instant::now());
            }
            return Err(e);
        }
    };
    Ok(res)
}

/// The host's row, if `credential_id` is its current credential (401 otherwise).
fn current_host(
    c: &mut liftoff_kit::AnyConnection,
    id: &str,
    credential_id: &str,
) -> Result<HostRow, ApiError> {
    let row = hosts::get(c, id)?.ok_or_else(unknown_host)?;
    vouch(&row.credential_id, row.state, credential_id)?;
    Ok(row)
}

fn unknown_host() -> ApiError {
    ApiError::unauthorized("unknown host")
}

/// 401 unless `credential_id` is the host's current credential and the host is enrolled.
fn vouch(current: &str, state: HostState, credential_id: &str) -> Result<(), ApiError> {
    if current != credential_id || state == HostState::Deregistered {
        return Err(ApiError::unauthorized("host credential revoked"));
    }
    Ok(())
}

/// A heartbeat that changes something (a `Lost` host back, a command to deliver, a new agent
/// version), written in its own transaction before it is answered.
async fn record(
    state: &State,
    caller: &Caller,
    id: Uuid,
    req: Heartbeat,
    (interval, poll_wait): (u64, Option<u64>),
) -> Result<HeartbeatResponse, ApiError> {
    let jti = caller.claims.jti.clone();
    let recorded = state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let row = current_host(c, &id.to_string(), &jti)?;
                let at = now();
                hosts::record_heartbeat(c, &row.id, at, req.agent_version.as_deref())?;
                let current = resume(c, &row)?.unwrap_or(row.state);
                let commands = super::scale_in::deliver(c, &row.id, at)?;
                Ok(HeartbeatResponse {
                    state: current,
                    heartbeat_interval_secs: interval,
                    poll_wait_secs: poll_wait,
                    commands,
                })
            })
        })
        .await;
    if recorded.as_ref().is_err_and(|e| e.status.is_server_error()) {
        // A heartbeat the registry could not record: it is deaf, not the host silent.
        state.hearing.deaf(std::time::Instant::now());
    }
    recorded
}

/// A `Lost` host that was heard returns to where it was; answers its new state if it moved.
pub fn resume(
    c: &mut liftoff_kit::AnyConnection,
    row: &HostRow,
) -> Result<Option<HostState>, ApiError> {
    if row.state != HostState::Lost {
        return Ok(None);
    }
    let back = row
        .resume_state
        .filter(|s| !matches!(s, HostState::Lost | HostState::Deregistered))
        .unwrap_or(HostState::InService);
    if !change_state(c, row, back, Some("heartbeat resumed"))? {
        return Ok(None);
    }
    if back == HostState::Pending {
        // deployment-api's plan for this evaluation may have come while the host was `Lost`,
        // and a plan applies only to a `Pending` host: ask again at the same epoch (the same
        // key is answered with the same installs; a second plan changes nothing). Without
        // this, a host lost while it was being evaluated stayed `Pending` for good.
        let pending = HostRow {
            state: HostState::Pending,
            ..row.clone()
        };
        super::lifecycle::request_installs(c, &pending, Vec::new())?;
    }
    Ok(Some(back))
}

/// Deregisters a host: its credential stops working at once, in every service.
pub async fn deregister(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Host, ApiError> {
    let host = state
        .db
        .write(move |c| {
            let row = hosts::get(c, &id.to_string())?
                .filter(|r| r.team == team)
                .ok_or_else(|| ApiError::not_found(format!("host {id} not found")))?;
            super::scale_in::deregister_now(c, &row, Some(&actor), "deregistered by an operator")?;
            let row = hosts::get(c, &row.id)?.ok_or_else(|| ApiError::not_found("host"))?;
            to_host(&row, &[], &revisions::of_host(c, &row.id)?)
        })
        .await?;
    super::revocations::after_deregistration(state).await;
    Ok(host)
}

/// Marks hosts that missed their heartbeat grace as `Lost`, but only once the registry has
/// itself been listening for a whole grace (see [`super::liveness`]): after a restart of the
/// control plane, or a span in which it could not record heartbeats, every host gets a fresh
/// grace first.
pub async fn sweep_lost(state: &State) -> Result<usize, ApiError> {
    // What was heard is written before anyone's silence is judged.
    super::heard::write(state).await?;
    let at = std::time::Instant::now();
    if state.cadence.recount_due(at) {
        let live = state.db.run(hosts::count_live).await?;
        state
            .cadence
            .set_fleet(u64::try_from(live).unwrap_or(0), at);
    }
    let grace = state.cadence.grace();
    // A scheduler replica whose feed of polls stopped leaves the hosts it vouched for
    // unheard: deaf since its last feed, so they have a grace to heartbeat instead.
    if let Some(last) = state.feeds.stopped_since(at, grace) {
        state.hearing.deaf(last);
    }
    if !state
        .hearing
        .may_declare_lost(std::time::Instant::now(), grace)
    {
        return Ok(0);
    }
    let grace = chrono::Duration::from_std(grace).map_err(|e| ApiError::internal(e.to_string()))?;
    let heard = state.heard.clone();
    let swept = state
        .db
        .write(move |c| {
            // In id order (see `hosts::lock_all`); a host heard since the write above is not
            // silent, whatever its row says.
            let silent = hosts::silent_since(c, now() - grace)?;
            let mut n = 0;
            for row in silent {
                if heard.holds(&row.id) {
                    continue;
                }
                if change_state(c, &row, HostState::Lost, Some("missed its heartbeat grace"))? {
                    n += 1;
                }
            }
            Ok(n)
        })
        .await;
    if swept.as_ref().is_err_and(|e| e.status.is_server_error()) {
        state.hearing.deaf(std::time::Instant::now());
    }
    swept
}
