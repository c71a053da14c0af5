//! Which revision runs where: time spans per host and application, and the current row that
//! mirrors each open span. Facts are placed by their time, not their arrival: a host's installs
//! all come from the scheduler's outbox (in order), but its retirement comes from the
//! registry's, which may drain before or after them; and an install that arrives late for a
//! time already covered splits the span it falls in. A host that keeps running one revision
//! keeps one span, so "since" is when it started running it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{host_revision_spans, host_revisions, retired_hosts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_revisions)]
pub struct HostRevisionRow {
    pub host_id: String,
    pub application: String,
    pub team: String,
    pub deployment_group: Option<String>,
    pub revision_id: String,
    pub deployment_id: String,
    pub since: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = host_revision_spans)]
pub struct SpanRow {
    pub id: i64,
    pub host_id: String,
    pub application: String,
    pub team: String,
    pub deployment_group: Option<String>,
    pub revision_id: String,
    pub deployment_id: String,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = host_revision_spans)]
struct NewSpan<'a> {
    host_id: &'a str,
    application: &'a str,
    team: &'a str,
    deployment_group: Option<&'a str>,
    revision_id: &'a str,
    deployment_id: &'a str,
    started_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
}

/// A host finished installing a revision of an application at `at`.
#[derive(Debug, Clone)]
pub struct Install {
    pub host_id: String,
    pub application: String,
    pub team: String,
    pub deployment_group: Option<String>,
    pub revision_id: String,
    pub deployment_id: String,
    pub at: NaiveDateTime,
}

fn spans_of(
    conn: &mut AnyConnection,
    host_id: &str,
    application: &str,
) -> Result<Vec<SpanRow>, ApiError> {
    Ok(host_revision_spans::table
        .filter(host_revision_spans::host_id.eq(host_id))
        .filter(host_revision_spans::application.eq(application))
        .order((
            host_revision_spans::started_at.asc(),
            host_revision_spans::id.asc(),
        ))
        .select(SpanRow::as_select())
        .load(conn)?)
}

fn insert_span(
    conn: &mut AnyConnection,
    f: &Install,
    from: NaiveDateTime,
    to: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    diesel::insert_into(host_revision_spans::table)
        .values(NewSpan {
            host_id: &f.host_id,
            application: &f.application,
            team: &f.team,
            deployment_group: f.deployment_group.as_deref(),
            revision_id: &f.revision_id,
            deployment_id: &f.deployment_id,
            started_at: from,
            ended_at: to,
        })
        .execute(conn)?;
    Ok(())
}

fn set_end(conn: &mut AnyConnection, id: i64, end: Option<NaiveDateTime>) -> Result<(), ApiError> {
    diesel::update(host_revision_spans::table.find(id))
        .set(host_revision_spans::ended_at.eq(end))
        .execute(conn)?;
    Ok(())
}

pub fn retired_at(
    conn: &mut AnyConnection,
    host_id: &str,
) -> Result<Option<NaiveDateTime>, ApiError> {
    Ok(retired_hosts::table
        .find(host_id)
        .select(retired_hosts::retired_at)
        .first(conn)
        .optional()?)
}

/// Places an install fact on the host's timeline. A host that keeps running the same revision
/// keeps one span: "since" is when it started running it, not its latest redeploy.
pub fn record_install(conn: &mut AnyConnection, f: &Install) -> Result<(), ApiError> {
    // A host that left the fleet runs nothing after it left, whatever arrives late.
    let retired = retired_at(conn, &f.host_id)?;
    if retired.is_some_and(|r| r <= f.at) {
        return Ok(());
    }
    let spans = spans_of(conn, &f.host_id, &f.application)?;
    let covering = spans
        .iter()
        .find(|s| s.started_at <= f.at && s.ended_at.is_none_or(|e| f.at < e));
    match covering {
        Some(s) if s.revision_id == f.revision_id => {}
        Some(s) if s.started_at == f.at => {
            // Two facts at the same instant: the later-recorded one wins.
            diesel::update(host_revision_spans::table.find(s.id))
                .set((
                    host_revision_spans::revision_id.eq(&f.revision_id),
                    host_revision_spans::deployment_id.eq(&f.deployment_id),
                    host_revision_spans::deployment_group.eq(&f.deployment_group),
                    host_revision_spans::team.eq(&f.team),
                ))
                .execute(conn)?;
        }
        Some(s) => {
            let mut end = s.ended_at;
            set_end(conn, s.id, Some(f.at))?;
            // A late fact lands inside history: it runs until whatever came next, and merges
            // with a following span of the same revision.
            if let Some(e) = end
                && let Some(next) = spans
                    .iter()
                    .find(|n| n.id != s.id && n.started_at == e && n.revision_id == f.revision_id)
            {
                end = next.ended_at;
                diesel::delete(host_revision_spans::table.find(next.id)).execute(conn)?;
            }
            insert_span(conn, f, f.at, end)?;
        }
        None => match spans.iter().find(|n| n.started_at > f.at) {
            Some(next) if next.revision_id == f.revision_id => {
                diesel::update(host_revision_spans::table.find(next.id))
                    .set((
                        host_revision_spans::started_at.eq(f.at),
                        host_revision_spans::deployment_id.eq(&f.deployment_id),
                        host_revision_spans::deployment_group.eq(&f.deployment_group),
                    ))
                    .execute(conn)?;
            }
            Some(next) => insert_span(conn, f, f.at, Some(next.started_at))?,
            None => insert_span(conn, f, f.at, retired)?,
        },
    }
    sync_current(conn, &f.host_id, &f.application)
}

/// The current row is the open span, or nothing.
fn sync_current(
    conn: &mut AnyConnection,
    host_id: &str,
    application: &str,
) -> Result<(), ApiError> {
    let open: Option<SpanRow> = host_revision_spans::table
        .filter(host_revision_spans::host_id.eq(host_id))
        .filter(host_revision_spans::application.eq(application))
        .filter(host_revision_spans::ended_at.is_null())
        .order(host_revision_spans::started_at.desc())
        .select(SpanRow::as_select())
        .first(conn)
        .optional()?;
    diesel::delete(host_revisions::table.find((host_id, application))).execute(conn)?;
    if let Some(s) = open {
        diesel::insert_into(host_revisions::table)
            .values(HostRevisionRow {
                host_id: s.host_id,
                application: s.application,
                team: s.team,
                deployment_group: s.deployment_group,
                revision_id: s.revision_id,
                deployment_id: s.deployment_id,
                since: s.started_at,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// A host left the fleet at `at`: its spans end there and it runs nothing any more.
pub fn record_retirement(
    conn: &mut AnyConnection,
    host_id: &str,
    team: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let at = match retired_at(conn, host_id)? {
        Some(earlier) if earlier <= at => return Ok(()),
        Some(_) => {
            diesel::update(retired_hosts::table.find(host_id))
                .set(retired_hosts::retired_at.eq(at))
                .execute(conn)?;
            at
        }
        None => {
            diesel::insert_into(retired_hosts::table)
                .values((
                    retired_hosts::host_id.eq(host_id),
                    retired_hosts::team.eq(team),
                    retired_hosts::retired_at.eq(at),
                ))
                .execute(conn)?;
            at
        }
    };
    diesel::delete(
        host_revision_spans::table
            .filter(host_revision_spans::host_id.eq(host_id))
            .filter(host_revision_spans::started_at.ge(at)),
    )
    .execute(conn)?;
    diesel::update(
        host_revision_spans::table
            .filter(host_revision_spans::host_id.eq(host_id))
            .filter(
                host_revision_spans::ended_at
                    .is_null()
                    .or(host_revision_spans::ended_at.gt(at)),
            ),
    )
    .set(host_revision_spans::ended_at.eq(Some(at)))
    .execute(conn)?;
    diesel::delete(host_revisions::table.filter(host_revisions::host_id.eq(host_id)))
        .execute(conn)?;
    Ok(())
}

/// Filters of the current-revision lists; the order is (application, host_id).
#[derive(Debug, Default, Clone)]
pub struct CurrentFilter {
    pub team: Option<String>,
    pub application: Option<String>,
    pub revision_id: Option<String>,
    pub host_id: Option<String>,
    /// Exclusive: rows after this (application, host_id).
    pub after: Option<(String, String)>,
    pub limit: i64,
}

pub fn list_current(
    conn: &mut AnyConnection,
    f: &CurrentFilter,
) -> Result<Vec<HostRevisionRow>, ApiError> {
    let mut q = host_revisions::table
        .select(HostRevisionRow::as_select())
        .into_boxed();
    if let Some(t) = &f.team {
        q = q.filter(host_revisions::team.eq(t.clone()));
    }
    if let Some(a) = &f.application {
        q = q.filter(host_revisions::application.eq(a.clone()));
    }
    if let Some(r) = &f.revision_id {
        q = q.filter(host_revisions::revision_id.eq(r.clone()));
    }
    if let Some(h) = &f.host_id {
        q = q.filter(host_revisions::host_id.eq(h.clone()));
    }
    if let Some((app, host)) = &f.after {
        q = q.filter(
            host_revisions::application
                .gt(app.clone())
                .or(host_revisions::application
                    .eq(app.clone())
                    .and(host_revisions::host_id.gt(host.clone()))),
        );
    }
    Ok(q.order((
        host_revisions::application.asc(),
        host_revisions::host_id.asc(),
    ))
    .limit(f.limit)
    .load(conn)?)
}

/// The spans of a group's hosts that cover `at`, ordered by host.
pub fn group_at(
    conn: &mut AnyConnection,
    team: Option<&str>,
    application: &str,
    group: &str,
    at: NaiveDateTime,
    after_host: Option<&str>,
    limit: i64,
) -> Result<Vec<SpanRow>, ApiError> {
    let mut q = host_revision_spans::table
        .filter(host_revision_spans::application.eq(application.to_string()))
        .filter(host_revision_spans::deployment_group.eq(group.to_string()))
        .filter(host_revision_spans::started_at.le(at))
        .filter(
            host_revision_spans::ended_at
                .is_null()
                .or(host_revision_spans::ended_at.gt(at)),
        )
        .select(SpanRow::as_select())
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(host_revision_spans::team.eq(t.to_string()));
    }
    if let Some(h) = after_host {
        q = q.filter(host_revision_spans::host_id.gt(h.to_string()));
    }
    Ok(q.order((
        host_revision_spans::host_id.asc(),
        host_revision_spans::started_at.desc(),
    ))
    .limit(limit)
    .load(conn)?)
}
