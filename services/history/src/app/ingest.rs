//! Accepting events from the services' outboxes.

use liftoff_kit::ApiError;
use liftoff_kit::db::{now, write_tx};
use liftoff_types::history::{HistoryEvent, IngestResult};
use liftoff_types::names::validate_text;

use crate::State;
use crate::store::events::{self, NewEvent};
use crate::store::revisions::{self, HostRevisionRow};

pub const MAX_BATCH: usize = 1000;

fn validate(ev: &HistoryEvent) -> Result<(), ApiError> {
    for (field, value, max) in [
        ("source", Some(&ev.source), 64),
        ("event_type", Some(&ev.event_type), 128),
        ("team", ev.team.as_ref(), 64),
        ("actor", ev.actor.as_ref(), 256),
        ("application", ev.application.as_ref(), 64),
        ("deployment_group", ev.deployment_group.as_ref(), 64),
    ] {
        if let Some(v) = value {
            validate_text(field, v, max).map_err(ApiError::invalid_field)?;
        }
    }
    Ok(())
}

/// Stores each new event once (by `event_id`) and updates the projections it affects.
pub async fn ingest(state: &State, batch: Vec<HistoryEvent>) -> Result<IngestResult, ApiError> {
    if batch.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(format!(
            "events: at most {MAX_BATCH} per batch"
        )));
    }
    for ev in &batch {
        validate(ev)?;
    }
    state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let mut res = IngestResult {
                    accepted: 0,
                    duplicates: 0,
                };
                for ev in &batch {
                    let id = ev.event_id.to_string();
                    if events::exists(c, &id)? {
                        res.duplicates += 1;
                        continue;
                    }
                    events::insert(
                        c,
                        &NewEvent {
                            event_id: id,
                            source: ev.source.clone(),
                            event_type: ev.event_type.clone(),
                            occurred_at: ev.occurred_at.naive_utc(),
                            recorded_at: now(),
                            team: ev.team.clone(),
                            actor: ev.actor.clone(),
                            application: ev.application.clone(),
                            deployment_group: ev.deployment_group.clone(),
                            deployment_id: ev.deployment_id.map(|d| d.to_string()),
                            host_id: ev.host_id.map(|h| h.to_string()),
                            revision_id: ev.revision_id.map(|r| r.to_string()),
                            data: serde_json::to_string(&ev.data)?,
                        },
                    )?;
                    project(c, ev)?;
                    res.accepted += 1;
                }
                Ok(res)
            })
        })
        .await
}

/// Keeps "which revision runs where" current as host outcomes arrive.
fn project(c: &mut liftoff_kit::AnyConnection, ev: &HistoryEvent) -> Result<(), ApiError> {
    match ev.event_type.as_str() {
        "host.deployment_succeeded" => {
            let (Some(host), Some(app), Some(rev), Some(dep), Some(team)) = (
                ev.host_id,
                &ev.application,
                ev.revision_id,
                ev.deployment_id,
                &ev.team,
            ) else {
                return Err(ApiError::invalid_field(
                    "host.deployment_succeeded needs host_id, application, revision_id, deployment_id and team",
                ));
            };
            revisions::set_current(
                c,
                &HostRevisionRow {
                    host_id: host.to_string(),
                    application: app.clone(),
                    team: team.clone(),
                    deployment_group: ev.deployment_group.clone(),
                    revision_id: rev.to_string(),
                    deployment_id: dep.to_string(),
                    since: ev.occurred_at.naive_utc(),
                },
            )
        }
        "host.deregistered" => match ev.host_id {
            Some(host) => revisions::remove_host(c, &host.to_string(), ev.occurred_at.naive_utc()),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}
