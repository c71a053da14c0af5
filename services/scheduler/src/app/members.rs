//! Which hosts there are, as host-registry tells it: its outbox pushes a `host.membership`
//! event (the host's team, zone, tags and state after the change) in the transaction of every
//! change (`host-registry/src/app/membership.rs` `push`). From this copy the scheduler plans a
//! rollout's hosts, adds the hosts that join a running rollout's group as the push arrives
//! (and skips pending ones that left it), and fails commands in flight on lost hosts, without
//! asking the registry on a timer.
//!
//! The copy is seeded from one read of the registry when a process first needs it (a fresh
//! database, or one written before this push existed); seeded rows are older than any push.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::Ordering;

use chrono::NaiveDateTime;
use liftoff_kit::ApiError;
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, IngestResult};
use liftoff_types::names::selector_matches;
use liftoff_types::registry::{Host, HostLiveness, HostMembership};
use liftoff_types::scheduler::CreateRollout;

use crate::State;
use crate::store::known_hosts::{self, KnownHost};

/// Most events in one push.
pub const MAX_EVENTS: usize = 500;

/// One pushed change.
enum Change {
    Member(KnownHost),
    /// From a registry before the membership push: only whether the host is lost.
    Lost(String, bool, NaiveDateTime),
}

/// Applies pushed host changes, in order (an older change than the one recorded for a host, a
/// redelivery, changes nothing), then brings the running rollouts of the teams concerned up to
/// date with them.
pub async fn record(state: &State, batch: EventBatch) -> Result<IngestResult, ApiError> {
    if batch.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid_field(format!(
            "events: at most {MAX_EVENTS}"
        )));
    }
    let mut changes = Vec::with_capacity(batch.events.len());
    for (i, ev) in batch.events.iter().enumerate() {
        let host = ev
            .host_id
            .ok_or_else(|| ApiError::invalid_field(format!("events[{i}].host_id: required")))?
            .to_string();
        let at = ev.occurred_at.naive_utc();
        changes.push(match EventType::parse(&ev.event_type) {
            Some(EventType::HostMembership) => {
                let team = ev.team.clone().ok_or_else(|| {
                    ApiError::invalid_field(format!("events[{i}].team: required"))
                })?;
                let m: HostMembership = serde_json::from_value(ev.data.clone()).map_err(|e| {
                    ApiError::invalid_field(format!("events[{i}].data: not a host membership: {e}"))
                })?;
                Change::Member(KnownHost {
                    host_id: host,
                    team,
                    zone: m.zone,
                    tags: serde_json::to_string(&m.tags)?,
                    state: m.state,
                    changed_at: at,
                })
            }
            Some(EventType::HostLiveness) => {
                let l: HostLiveness = serde_json::from_value(ev.data.clone()).map_err(|e| {
                    ApiError::invalid_field(format!("events[{i}].data: not a host liveness: {e}"))
                })?;
                Change::Lost(host, l.lost, at)
            }
            _ => {
                return Err(ApiError::invalid_field(format!(
                    "events[{i}].event_type: {:?} is neither {} nor {}",
                    ev.event_type,
                    EventType::HostMembership,
                    EventType::HostLiveness
                )));
            }
        });
    }
    let (result, teams) = state
        .db
        .write(move |c| {
            let mut result = IngestResult {
                accepted: 0,
                duplicates: 0,
            };
            // Membership changes may add or skip hosts of these teams' running rollouts.
            let mut teams = BTreeSet::new();
            for change in &changes {
                let applied = match change {
                    Change::Member(h) => {
                        let applied = known_hosts::record(c, h)?;
                        if applied {
                            teams.insert(h.team.clone());
                        }
                        applied
                    }
                    Change::Lost(host, lost, at) => known_hosts::record_lost(c, host, *lost, *at)?,
                };
                if applied {
                    result.accepted += 1;
                } else {
                    result.duplicates += 1;
                }
            }
            let mut running = Vec::new();
            for t in &teams {
                running.extend(crate::store::gates::running_of(c, Some(t), None, None)?);
            }
            Ok((result, running))
        })
        .await?;
    for id in teams {
        let id = liftoff_kit::db::uuid(&id)?;
        // The copy is written; a rollout missed here is brought up to date by the upkeep.
        if let Err(e) = super::rollouts::refresh_members(state, id).await {
            tracing::warn!(deployment_id = %id, error = %e, "membership change not yet applied to the rollout; the upkeep will");
        }
    }
    Ok(result)
}

/// Seeds the copy from the registry, once per process, if not yet done: every host it holds,
/// stamped older than any push, so a push that came meanwhile wins.
pub async fn ensure_seeded(state: &State) -> Result<(), ApiError> {
    if state.hosts_seeded.load(Ordering::SeqCst) {
        return Ok(());
    }
    let listed = state
        .peers
        .registry()
        .list_hosts_query(&[])
        .await
        .map_err(|e| ApiError::from_peer("host-registry", e))?;
    let rows = listed
        .hosts
        .iter()
        .map(seed_row)
        .collect::<Result<Vec<_>, _>>()?;
    state
        .db
        .write(move |c| {
            for r in &rows {
                known_hosts::record(c, r)?;
            }
            Ok(())
        })
        .await?;
    state.hosts_seeded.store(true, Ordering::SeqCst);
    Ok(())
}

fn seed_row(h: &Host) -> Result<KnownHost, ApiError> {
    Ok(KnownHost {
        host_id: h.host_id.to_string(),
        team: h.team.clone(),
        zone: h.zone.clone(),
        tags: serde_json::to_string(&h.tags)?,
        state: h.state,
        changed_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
    })
}

/// The hosts lost now, from the copy; `None` if the copy cannot be seeded yet (the upkeep then
/// fails no command as lost this tick).
pub async fn lost_hosts(state: &State) -> Option<Vec<String>> {
    if let Err(e) = ensure_seeded(state).await {
        tracing::debug!(error = %e, "could not ask the registry for its hosts to seed the copy");
        return None;
    }
    state.db.run(known_hosts::lost).await.ok()
}

/// The hosts a rollout's spec selects now (not deregistered; lost ones included): the listed
/// ones of a scale-out install, else the team's hosts the group's selector matches.
pub async fn selected(state: &State, spec: &CreateRollout) -> Result<Vec<KnownHost>, ApiError> {
    ensure_seeded(state).await?;
    let team = spec.team.clone();
    match &spec.hosts {
        Some(ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            let wanted = ids.clone();
            let held: HashSet<String> = state
                .db
                .run(move |c| known_hosts::held(c, &wanted))
                .await?
                .into_iter()
                .collect();
            let missing: Vec<uuid::Uuid> = spec
                .hosts
                .iter()
                .flatten()
                .filter(|h| !held.contains(&h.to_string()))
                .copied()
                .collect();
            if !missing.is_empty() {
                // A host enrolled a moment ago whose push is still on its way: read it once.
                let listed = state
                    .peers
                    .registry()
                    .list_hosts_by_id(&missing, Some(&spec.team))
                    .await
                    .map_err(|e| ApiError::from_peer("host-registry", e))?;
                let rows = listed
                    .hosts
                    .iter()
                    .map(seed_row)
                    .collect::<Result<Vec<_>, _>>()?;
                state
                    .db
                    .write(move |c| {
                        for r in &rows {
                            known_hosts::record(c, r)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
            state
                .db
                .run(move |c| known_hosts::among(c, &team, &ids))
                .await
        }
        None => {
            let selector = spec.selector.clone();
            state
                .db
                .run(move |c| Ok(matching(known_hosts::of_team(c, &team)?, &selector)))
                .await
        }
    }
}

/// Those of `hosts` whose tags the selector matches.
pub fn matching(hosts: Vec<KnownHost>, selector: &BTreeMap<String, Vec<String>>) -> Vec<KnownHost> {
    hosts
        .into_iter()
        .filter(|h| {
            serde_json::from_str::<BTreeMap<String, String>>(&h.tags)
                .is_ok_and(|tags| selector_matches(selector, &tags))
        })
        .collect()
}
