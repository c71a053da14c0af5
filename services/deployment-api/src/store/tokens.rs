//! Teams, the records of minted team tokens, and the revocation feed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

diesel::table! {
    teams (name) {
        name -> Text,
        description -> Nullable<Text>,
        disabled_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    team_tokens (jti) {
        jti -> Text,
        team -> Text,
        role -> Text,
        subject -> Text,
        platform -> Bool,
        description -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
    }
}

diesel::table! {
    token_revocations (seq) {
        seq -> BigInt,
        kind -> Text,
        jti -> Nullable<Text>,
        team -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub name: String,
    pub description: Option<String>,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = team_tokens)]
pub struct TokenRow {
    pub jti: String,
    pub team: String,
    pub role: String,
    pub subject: String,
    pub platform: bool,
    pub description: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = token_revocations)]
pub struct RevocationRow {
    pub seq: i64,
    pub kind: String,
    pub jti: Option<String>,
    pub team: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_team(conn: &mut AnyConnection, row: &TeamRow) -> Result<(), ApiError> {
    diesel::insert_into(teams::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn team(conn: &mut AnyConnection, name: &str) -> Result<Option<TeamRow>, ApiError> {
    Ok(teams::table
        .filter(teams::name.eq(name))
        .select(TeamRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn teams(conn: &mut AnyConnection) -> Result<Vec<TeamRow>, ApiError> {
    Ok(teams::table
        .select(TeamRow::as_select())
        .order(teams::name.asc())
        .load(conn)?)
}

pub fn set_disabled(
    conn: &mut AnyConnection,
    name: &str,
    at: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    diesel::update(teams::table.filter(teams::name.eq(name)))
        .set(teams::disabled_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn insert_token(conn: &mut AnyConnection, row: &TokenRow) -> Result<(), ApiError> {
    diesel::insert_into(team_tokens::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn token(conn: &mut AnyConnection, jti: &str) -> Result<Option<TokenRow>, ApiError> {
    Ok(team_tokens::table
        .filter(team_tokens::jti.eq(jti))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn tokens_of(conn: &mut AnyConnection, team: &str) -> Result<Vec<TokenRow>, ApiError> {
    Ok(team_tokens::table
        .filter(team_tokens::team.eq(team))
        .select(TokenRow::as_select())
        .order((team_tokens::created_at.desc(), team_tokens::jti.asc()))
        .load(conn)?)
}

/// Marks a token revoked unless it already is; true if this call revoked it.
pub fn mark_revoked(
    conn: &mut AnyConnection,
    jti: &str,
    at: NaiveDateTime,
    by: &str,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        team_tokens::table
            .filter(team_tokens::jti.eq(jti))
            .filter(team_tokens::revoked_at.is_null()),
    )
    .set((
        team_tokens::revoked_at.eq(Some(at)),
        team_tokens::revoked_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The revocation entry of a token, if it was revoked.
pub fn revocation_of(
    conn: &mut AnyConnection,
    jti: &str,
) -> Result<Option<RevocationRow>, ApiError> {
    Ok(token_revocations::table
        .filter(token_revocations::jti.eq(jti))
        .filter(token_revocations::kind.eq("token"))
        .select(RevocationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Appends to the feed, numbering the entry after every committed one. Call inside the write
/// transaction: on PostgreSQL the table lock makes writers commit in `seq` order, so a reader
/// that has seen entry N never later finds an N-1 it skipped. SQLite writers are serial anyway.
pub fn append_revocation(
    conn: &mut AnyConnection,
    mut row: RevocationRow,
) -> Result<i64, ApiError> {
    if let AnyConnection::Postgresql(_) = conn {
        diesel::sql_query("LOCK TABLE token_revocations IN EXCLUSIVE MODE").execute(conn)?;
    }
    let last: Option<i64> = token_revocations::table
        .select(diesel::dsl::max(token_revocations::seq))
        .first(conn)?;
    row.seq = last.unwrap_or(0) + 1;
    diesel::insert_into(token_revocations::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(row.seq)
}

/// Feed entries after `after`, in order.
pub fn revocations_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<RevocationRow>, ApiError> {
    Ok(token_revocations::table
        .filter(token_revocations::seq.gt(after))
        .select(RevocationRow::as_select())
        .order(token_revocations::seq.asc())
        .limit(limit)
        .load(conn)?)
}
