//! Deployment freezes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::freezes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = freezes)]
pub struct FreezeRow {
    pub id: String,
    pub team: String,
    pub application: Option<String>,
    pub reason: String,
    pub ends_at: NaiveDateTime,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub lifted_at: Option<NaiveDateTime>,
    pub lifted_by: Option<String>,
    /// When its state was first pushed to the scheduler; `None`: never (created before the
    /// push existed).
    pub pushed_at: Option<NaiveDateTime>,
}

pub fn insert(c: &mut AnyConnection, row: &FreezeRow) -> Result<(), ApiError> {
    diesel::insert_into(freezes::table)
        .values(row.clone())
        .execute(c)?;
    Ok(())
}

/// The team's freezes in force at `at` (not lifted, not ended), soonest ending first;
/// with `application`, only those that cover it (team-wide ones and its own).
pub fn in_force(
    c: &mut AnyConnection,
    team: &str,
    application: Option<&str>,
    at: NaiveDateTime,
) -> Result<Vec<FreezeRow>, ApiError> {
    let mut q = freezes::table
        .filter(freezes::team.eq(team))
        .filter(freezes::lifted_at.is_null())
        .filter(freezes::ends_at.gt(at))
        .select(FreezeRow::as_select())
        .into_boxed();
    if let Some(a) = application {
        q = q.filter(
            freezes::application
                .is_null()
                .or(freezes::application.eq(a.to_string())),
        );
    }
    Ok(q.order((freezes::ends_at.asc(), freezes::id.asc()))
        .load(c)?)
}

pub fn get(c: &mut AnyConnection, team: &str, id: &str) -> Result<Option<FreezeRow>, ApiError> {
    Ok(freezes::table
        .filter(freezes::id.eq(id))
        .filter(freezes::team.eq(team))
        .select(FreezeRow::as_select())
        .first(c)
        .optional()?)
}

pub fn lift(c: &mut AnyConnection, id: &str, by: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(freezes::table.find(id))
        .set((
            freezes::lifted_at.eq(Some(at)),
            freezes::lifted_by.eq(Some(by)),
        ))
        .execute(c)?;
    Ok(())
}

/// Freezes not lifted whose state the scheduler was never told (created before the push
/// existed), oldest first.
pub fn unpushed(c: &mut AnyConnection) -> Result<Vec<FreezeRow>, ApiError> {
    Ok(freezes::table
        .filter(freezes::pushed_at.is_null())
        .filter(freezes::lifted_at.is_null())
        .select(FreezeRow::as_select())
        .order(freezes::created_at.asc())
        .load(c)?)
}

/// Marks the freeze pushed; false if it already was (another replica took it). The update
/// locks the row, so a lift running at the same time is ordered before or after the push.
pub fn mark_pushed(c: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(diesel::update(
        freezes::table
            .filter(freezes::id.eq(id))
            .filter(freezes::pushed_at.is_null()),
    )
    .set(freezes::pushed_at.eq(Some(at)))
    .execute(c)?
        == 1)
}
