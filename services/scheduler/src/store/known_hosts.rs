//! The scheduler's copy of every host's membership, pushed by host-registry (see
//! `app::members`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::HostState;

use crate::schema::known_hosts;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = known_hosts)]
pub struct KnownHost {
    pub host_id: String,
    pub team: String,
    pub zone: String,
    /// The host's tags (a JSON object).
    pub tags: String,
    pub state: HostState,
    /// The registry's time of the change this row reflects.
    pub changed_at: NaiveDateTime,
}

/// Records `host` as it stood at its `changed_at`, unless a newer change is already recorded.
/// True if it changed the copy.
pub fn record(c: &mut AnyConnection, host: &KnownHost) -> Result<bool, ApiError> {
    let known: Option<NaiveDateTime> = known_hosts::table
        .find(&host.host_id)
        .select(known_hosts::changed_at)
        .first(c)
        .optional()?;
    Ok(match known {
        Some(t) if t > host.changed_at => false,
        Some(_) => {
            diesel::update(known_hosts::table.find(&host.host_id))
                .set(host)
                .execute(c)?
                > 0
        }
        None => {
            diesel::insert_into(known_hosts::table)
                .values(host)
                .execute(c)?
                > 0
        }
    })
}

/// Records that `host` was declared lost (or came back) at `at` (an event from a registry
/// before the membership push), unless a newer change is recorded; a host not in the copy is
/// left to the push or seed that brings it. True if it changed the copy.
pub fn record_lost(
    c: &mut AnyConnection,
    host: &str,
    lost: bool,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let state = if lost {
        HostState::Lost
    } else {
        HostState::InService
    };
    Ok(diesel::update(
        known_hosts::table
            .find(host)
            .filter(known_hosts::changed_at.le(at)),
    )
    .set((known_hosts::state.eq(state), known_hosts::changed_at.eq(at)))
    .execute(c)?
        > 0)
}

/// The hosts of `team` that are not deregistered.
pub fn of_team(c: &mut AnyConnection, team: &str) -> Result<Vec<KnownHost>, ApiError> {
    Ok(known_hosts::table
        .filter(known_hosts::team.eq(team))
        .filter(known_hosts::state.ne(HostState::Deregistered))
        .select(KnownHost::as_select())
        .order(known_hosts::host_id)
        .load(c)?)
}

/// Those of `ids` in the copy, of `team`, not deregistered.
pub fn among(
    c: &mut AnyConnection,
    team: &str,
    ids: &[String],
) -> Result<Vec<KnownHost>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            known_hosts::table
                .filter(known_hosts::host_id.eq_any(chunk))
                .filter(known_hosts::team.eq(team))
                .filter(known_hosts::state.ne(HostState::Deregistered))
                .select(KnownHost::as_select())
                .load(c)?,
        );
    }
    Ok(out)
}

/// Which of `ids` the copy holds at all (in any state, of any team).
pub fn held(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            known_hosts::table
                .filter(known_hosts::host_id.eq_any(chunk))
                .select(known_hosts::host_id)
                .load::<String>(c)?,
        );
    }
    Ok(out)
}

/// The hosts lost now.
pub fn lost(c: &mut AnyConnection) -> Result<Vec<String>, ApiError> {
    Ok(known_hosts::table
        .filter(known_hosts::state.eq(HostState::Lost))
        .select(known_hosts::host_id)
        .load(c)?)
}

/// Every host not deregistered, as (team, tags JSON, state): what the per-group gauge counts.
pub fn live_tags(c: &mut AnyConnection) -> Result<Vec<(String, String, HostState)>, ApiError> {
    Ok(known_hosts::table
        .filter(known_hosts::state.ne(HostState::Deregistered))
        .select((known_hosts::team, known_hosts::tags, known_hosts::state))
        .load(c)?)
}
