//! Hosts.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::{HostCommandKind, HostCommandStatus, HostState};

use crate::schema::{host_commands, hosts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = hosts)]
pub struct HostRow {
    pub id: String,
    pub team: String,
    pub name: String,
    pub zone: String,
    pub tags: String,
    pub state: HostState,
    pub agent_version: Option<String>,
    pub credential_id: String,
    pub enrollment_token_id: String,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub enrolled_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deregistered_at: Option<NaiveDateTime>,
    pub state_reason: Option<String>,
    pub state_changed_at: Option<NaiveDateTime>,
    /// Numbers the host's group-membership evaluations.
    pub epoch: i64,
    /// Tags before the change being evaluated (JSON); `None`: evaluate every group.
    pub previous_tags: Option<String>,
    /// The state a `Lost` host returns to when it heartbeats again.
    pub resume_state: Option<HostState>,
}

pub fn insert(conn: &mut AnyConnection, row: &HostRow) -> Result<(), ApiError> {
    diesel::insert_into(hosts::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<HostRow>, ApiError> {
    Ok(hosts::table
        .find(id)
        .select(HostRow::as_select())
        .first(conn)
        .optional()?)
}

/// What a heartbeat needs to know of its host to be answered without a write.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hosts)]
pub struct Standing {
    pub state: HostState,
    pub agent_version: Option<String>,
    pub credential_id: String,
}

/// The host's [`Standing`]: a quarter of the row's columns and none of its timestamps (which
/// SQLite keeps as text, parsed at each read), for the heartbeat every host sends; and whether
/// a command of `kind` waits to be delivered to it, in the same statement.
pub fn standing(
    conn: &mut AnyConnection,
    id: &str,
    kind: HostCommandKind,
) -> Result<Option<(Standing, bool)>, ApiError> {
    let waiting = diesel::dsl::exists(
        host_commands::table
            .filter(host_commands::host_id.eq(hosts::id))
            .filter(host_commands::status.eq(HostCommandStatus::Pending))
            .filter(host_commands::kind.eq(kind)),
    );
    Ok(hosts::table
        .find(id)
        .select((Standing::as_select(), waiting))
        .first(conn)
        .optional()?)
}

/// Takes the host's row lock for the rest of the transaction (PostgreSQL; SQLite's
/// `BEGIN IMMEDIATE` already serializes writers), so writers of one host's rows take turns.
pub fn lock(conn: &mut AnyConnection, id: uuid::Uuid) -> Result<(), ApiError> {
    if let AnyConnection::Postgresql(c) = conn {
        // `id` is a parsed UUID, so formatting it into SQL is safe.
        c.batch_execute(&format!(
            "SELECT id FROM hosts WHERE id = '{id}' FOR UPDATE"
        ))?;
    }
    Ok(())
}

/// Locks the rows of hosts `ids` (sorted) in id order on PostgreSQL, for a transaction that
/// changes several hosts: all such transactions lock in the same order, so none deadlocks
/// another. SQLite's single writer needs nothing.
pub fn lock_all<S: AsRef<str>>(conn: &mut AnyConnection, ids: &[S]) -> Result<(), ApiError> {
    if let AnyConnection::Postgresql(c) = conn {
        let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
        hosts::table
            .filter(hosts::id.eq_any(ids))
            .order(hosts::id)
            .select(hosts::id)
            .for_update()
            .load::<String>(c)?;
    }
    Ok(())
}

/// The states of hosts expected to heartbeat (neither `Lost` nor `Deregistered`).
const HEARTBEATING: [HostState; 4] = [
    HostState::Pending,
    HostState::Installing,
    HostState::InService,
    HostState::Failed,
];

/// Hosts of a team (or of every team), not deregistered, ordered by enrollment; only those
/// in `state` if given (the scheduler asks for `Lost` ones every second).
/// Hosts in enrollment order; with `after` (a host's enrollment time and id), those after it.
pub fn list(
    conn: &mut AnyConnection,
    team: Option<&str>,
    state: Option<HostState>,
    after: Option<(NaiveDateTime, String)>,
    limit: Option<usize>,
) -> Result<Vec<HostRow>, ApiError> {
    let mut q = hosts::table
        .filter(hosts::state.ne(HostState::Deregistered))
        .select(HostRow::as_select())
        .order((hosts::enrolled_at.asc(), hosts::id.asc()))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            hosts::enrolled_at
                .gt(at)
                .or(hosts::enrolled_at.eq(at).and(hosts::id.gt(id))),
        );
    }
    if let Some(t) = team {
        q = q.filter(hosts::team.eq(t.to_string()));
    }
    if let Some(s) = state {
        q = q.filter(hosts::state.eq(s));
    }
    if let Some(n) = limit {
        q = q.limit(i64::try_from(n).unwrap_or(i64::MAX));
    }
    Ok(q.load(conn)?)
}

/// Records a heartbeat (and the agent's version when it sent one).
pub fn record_heartbeat(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
    agent_version: Option<&str>,
) -> Result<(), ApiError> {
    let target = hosts::table.filter(hosts::id.eq(id));
    match agent_version {
        Some(v) => diesel::update(target)
            .set((
                hosts::last_heartbeat_at.eq(Some(at)),
                hosts::agent_version.eq(Some(v)),
                hosts::updated_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                hosts::last_heartbeat_at.eq(Some(at)),
                hosts::updated_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Records that `ids` were heard at `at` (not deregistered ones; never moving a later
/// heartbeat back).
pub fn record_heard(
    conn: &mut AnyConnection,
    ids: &[String],
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        hosts::table
            .filter(hosts::id.eq_any(ids))
            .filter(hosts::state.ne(HostState::Deregistered))
            .filter(
                hosts::last_heartbeat_at
                    .lt(at)
                    .or(hosts::last_heartbeat_at.is_null()),
            ),
    )
    .set((
        hosts::last_heartbeat_at.eq(Some(at)),
        hosts::updated_at.eq(at),
    ))
    .execute(conn)?)
}

/// The `Lost` hosts among `ids`.
pub fn lost_among(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<HostRow>, ApiError> {
    Ok(hosts::table
        .filter(hosts::id.eq_any(ids))
        .filter(hosts::state.eq(HostState::Lost))
        .select(HostRow::as_select())
        .load(conn)?)
}

/// Hosts not deregistered.
pub fn count_live(conn: &mut AnyConnection) -> Result<i64, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.ne(HostState::Deregistered))
        .count()
        .get_result(conn)?)
}

/// Moves a host from `from` to `to` (fenced on `from` and the evaluation `epoch`); false if
/// it was no longer there. `resume` is kept for a host going `Lost`.
#[allow(clippy::too_many_arguments)]
pub fn transition(
    conn: &mut AnyConnection,
    id: &str,
    from: HostState,
    epoch: i64,
    to: HostState,
    reason: Option<&str>,
    resume: Option<HostState>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        hosts::table
            .filter(hosts::id.eq(id))
            .filter(hosts::state.eq(from))
            .filter(hosts::epoch.eq(epoch)),
    )
    .set((
        hosts::state.eq(to),
        hosts::state_reason.eq(reason),
        hosts::state_changed_at.eq(Some(at)),
        hosts::resume_state.eq(resume),
        hosts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Starts a new group-membership evaluation: the host is `Pending` (out of service) until it
/// is done. `previous_tags` (JSON) are the tags whose groups need nothing new.
pub fn begin_evaluation(
    conn: &mut AnyConnection,
    row: &HostRow,
    tags: &str,
    previous_tags: Option<&str>,
    reason: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        hosts::table
            .filter(hosts::id.eq(&row.id))
            .filter(hosts::state.eq(row.state))
            .filter(hosts::epoch.eq(row.epoch)),
    )
    .set((
        hosts::state.eq(HostState::Pending),
        hosts::state_reason.eq(Some(reason)),
        hosts::state_changed_at.eq(Some(at)),
        hosts::tags.eq(tags),
        hosts::previous_tags.eq(previous_tags),
        hosts::epoch.eq(row.epoch + 1),
        hosts::resume_state.eq(None::<HostState>),
        hosts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Changes tags without a new evaluation (the host entered no group).
pub fn set_tags(
    conn: &mut AnyConnection,
    id: &str,
    tags: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(hosts::table.filter(hosts::id.eq(id)))
        .set((hosts::tags.eq(tags), hosts::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Ids of hosts in `state` (for the background evaluation of Pending and Installing hosts).
pub fn ids_in_state(conn: &mut AnyConnection, state: HostState) -> Result<Vec<String>, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.eq(state))
        .select(hosts::id)
        .order(hosts::updated_at.asc())
        .limit(500)
        .load(conn)?)
}

/// Every host in `state` (the registry's start-up pass over `Pending` and `Installing` hosts).
pub fn all_in_state(conn: &mut AnyConnection, state: HostState) -> Result<Vec<HostRow>, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.eq(state))
        .order(hosts::updated_at.asc())
        .select(HostRow::as_select())
        .load(conn)?)
}

/// Live hosts carrying `instance-id=<instance>` are found by the app (tags are JSON); this
/// narrows the scan to rows whose tags mention the instance at all.
pub fn live_mentioning(conn: &mut AnyConnection, text: &str) -> Result<Vec<HostRow>, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.ne(HostState::Deregistered))
        // `%` and `_` in `text` only widen the match; the caller filters exactly.
        .filter(hosts::tags.like(format!("%{text}%")))
        .select(HostRow::as_select())
        .load(conn)?)
}

pub fn deregister(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        hosts::table
            .filter(hosts::id.eq(id))
            .filter(hosts::state.ne(HostState::Deregistered)),
    )
    .set((
        hosts::state.eq(HostState::Deregistered),
        hosts::state_reason.eq(Some(reason)),
        hosts::state_changed_at.eq(Some(at)),
        hosts::deregistered_at.eq(Some(at)),
        hosts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Hosts in a live state whose last heartbeat is older than `cutoff`.
pub fn silent_since(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<HostRow>, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.eq_any(HEARTBEATING))
        .filter(hosts::last_heartbeat_at.lt(cutoff))
        .order(hosts::id)
        .select(HostRow::as_select())
        .load(conn)?)
}

/// Enrolled hosts (not deregistered) counted by state and zone, for the fleet gauges.
pub fn count_by_state_and_zone(
    conn: &mut AnyConnection,
) -> Result<Vec<(HostState, String, i64)>, ApiError> {
    Ok(hosts::table
        .filter(hosts::deregistered_at.is_null())
        .group_by((hosts::state, hosts::zone))
        .select((hosts::state, hosts::zone, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The oldest last heartbeat of the hosts that are expected to heartbeat (live states).
pub fn oldest_live_heartbeat(conn: &mut AnyConnection) -> Result<Option<NaiveDateTime>, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.eq_any(HEARTBEATING))
        .select(diesel::dsl::min(hosts::last_heartbeat_at))
        .first(conn)?)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::InstrumentationEvent;
    use diesel_migrations::MigrationHarness;

    use super::*;

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }

    /// A page of `GET /v1/hosts` must read its own rows in index order and stop, not read and
    /// sort all of the fleet's hosts (3 ms of CPU a page at 10,000 hosts; the user reads' p99
    /// in `liftoff bench fleet`).
    #[test]
    fn a_page_of_hosts_is_read_in_index_order_without_sorting_the_fleet() {
        let mut c = AnyConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let s = seen.clone();
        c.set_instrumentation(move |ev: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = ev {
                s.lock().unwrap().push(query.to_string());
            }
        });
        let after = Some((now_for_test(), "h".to_string()));
        for (team, state, after) in [
            (Some("default"), None, None),
            (Some("default"), Some(HostState::InService), None),
            (Some("default"), None, after.clone()),
            (Some("default"), Some(HostState::Lost), after.clone()),
            (None, None, None),
            (None, Some(HostState::Lost), after),
        ] {
            list(&mut c, team, state, after, Some(100)).unwrap();
        }
        c.set_instrumentation(|_: InstrumentationEvent<'_>| {});
        let queries = seen.lock().unwrap().clone();
        assert_eq!(queries.len(), 6, "{queries:#?}");
        for q in queries {
            // The statement alone; its parameters stay unbound (NULL) for planning.
            let sql = q.split(" -- binds").next().unwrap();
            let plan: Vec<PlanStep> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                .load(&mut c)
                .unwrap();
            let plan: Vec<String> = plan.into_iter().map(|p| p.detail).collect();
            assert!(
                !plan.iter().any(|d| d.contains("TEMP B-TREE")),
                "{sql}\nsorts the fleet: {plan:?}"
            );
            assert!(
                plan.iter().any(|d| d.contains("USING INDEX hosts_")),
                "{sql}\nreads no index in page order: {plan:?}"
            );
        }
    }

    fn now_for_test() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }
}
