//! What each host runs. The scheduler reports every deployment that succeeded on a host
//! (through its outbox, so none is lost); the registry keeps, per host and application, the
//! one that finished last. Reports repeated or out of order change nothing, so the relay may
//! deliver at least once, from any number of scheduler replicas.

use std::collections::BTreeMap;

use chrono::SubsecRound;

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::names::validate_name;
use liftoff_types::registry::{HostRevision, HostRevisionReport, HostRevisionsRecorded};

use crate::State;
use crate::store::hosts;
use crate::store::revisions::{self, RevisionRow};

/// Most reports in one request.
pub const MAX_REPORTS: usize = 500;

pub fn to_revision(row: &RevisionRow) -> Result<HostRevision, ApiError> {
    Ok(HostRevision {
        application: row.application.clone(),
        revision_id: uuid(&row.revision_id)?,
        deployment_id: uuid(&row.deployment_id)?,
        deployment_group: row.deployment_group.clone(),
        installed_at: to_utc(row.installed_at),
    })
}

/// Entries grouped by host id.
pub fn by_host(rows: Vec<RevisionRow>) -> BTreeMap<String, Vec<RevisionRow>> {
    let mut out: BTreeMap<String, Vec<RevisionRow>> = BTreeMap::new();
    for r in rows {
        out.entry(r.host_id.clone()).or_default().push(r);
    }
    out
}

fn validate(r: &HostRevisionReport) -> Result<(), ApiError> {
    validate_name("application", &r.application).map_err(ApiError::invalid_field)?;
    validate_name("deployment_group", &r.deployment_group).map_err(ApiError::invalid_field)?;
    validate_name("team", &r.team).map_err(ApiError::invalid_field)?;
    Ok(())
}

/// Applies one report; true when it changed the host's current revision.
fn apply(c: &mut AnyConnection, r: &HostRevisionReport) -> Result<bool, ApiError> {
    let host = r.host_id.to_string();
    hosts::lock(c, r.host_id)?;
    match hosts::get(c, &host)? {
        Some(h) if h.team == r.team => {}
        _ => {
            tracing::warn!(host_id = %r.host_id, team = %r.team, deployment_id = %r.deployment_id, "revision report for a host this registry does not hold for that team; ignored");
            return Ok(false);
        }
    }
    let row = RevisionRow {
        host_id: host.clone(),
        application: r.application.clone(),
        team: r.team.clone(),
        deployment_group: r.deployment_group.clone(),
        deployment_group_id: r.deployment_group_id.to_string(),
        deployment_id: r.deployment_id.to_string(),
        revision_id: r.revision_id.to_string(),
        // Both backends keep microseconds: compare what is stored.
        installed_at: r.succeeded_at.trunc_subsecs(6).naive_utc(),
        updated_at: now(),
    };
    match revisions::get(c, &host, &r.application)? {
        None => {
            revisions::insert(c, &row)?;
            Ok(true)
        }
        // The same report again (a deployment succeeds on a host once): nothing to change.
        Some(cur) if cur.deployment_id == row.deployment_id => Ok(false),
        Some(_) => revisions::replace_if_newer(c, &row),
    }
}

/// Records a batch of reports in one transaction (host rows locked in id order, so
/// concurrent batches cannot deadlock).
pub async fn record(
    state: &State,
    mut reports: Vec<HostRevisionReport>,
) -> Result<HostRevisionsRecorded, ApiError> {
    if reports.len() > MAX_REPORTS {
        return Err(ApiError::invalid_field(format!(
            "reports: at most {MAX_REPORTS} per request"
        )));
    }
    for r in &reports {
        validate(r)?;
    }
    reports.sort_by_key(|r| (r.host_id, r.succeeded_at));
    let total = reports.len();
    let applied = state
        .db
        .write(move |c| {
            let mut applied = 0;
            for r in &reports {
                if apply(c, r)? {
                    applied += 1;
                }
            }
            Ok(applied)
        })
        .await?;
    Ok(HostRevisionsRecorded {
        applied,
        ignored: total - applied,
    })
}
