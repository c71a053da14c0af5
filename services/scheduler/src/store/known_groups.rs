//! The scheduler's copy of every deployment group's host selector, pushed by deployment-api
//! (`group.selector`; see `app::gates`), counted against `known_hosts` for the
//! `liftoff_hosts_by_group` gauge.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::known_groups;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = known_groups)]
pub struct KnownGroup {
    pub deployment_group_id: String,
    pub team: String,
    pub application: String,
    pub name: String,
    /// The selector (a JSON object of tag key to values).
    pub selector: String,
    pub received_at: NaiveDateTime,
}

/// Records the group as pushed (pushes arrive in outbox order, so the last one wins).
pub fn put(c: &mut AnyConnection, group: &KnownGroup) -> Result<(), ApiError> {
    let updated = diesel::update(known_groups::table.find(&group.deployment_group_id))
        .set(group)
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(known_groups::table)
            .values(group)
            .execute(c)?;
    }
    Ok(())
}

pub fn remove(c: &mut AnyConnection, deployment_group_id: &str) -> Result<(), ApiError> {
    diesel::delete(known_groups::table.find(deployment_group_id)).execute(c)?;
    Ok(())
}

/// Every known group, by team, application and name.
pub fn all(c: &mut AnyConnection) -> Result<Vec<KnownGroup>, ApiError> {
    Ok(known_groups::table
        .select(KnownGroup::as_select())
        .order((
            known_groups::team,
            known_groups::application,
            known_groups::name,
        ))
        .load(c)?)
}
