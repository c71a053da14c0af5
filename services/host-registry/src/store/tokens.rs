//! Enrollment tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::enrollment_tokens;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrollment_tokens)]
pub struct TokenRow {
    pub id: String,
    pub team: String,
    pub token_hash: String,
    pub tags: String,
    pub description: Option<String>,
    pub expires_at: NaiveDateTime,
    pub uses_left: Option<i64>,
    pub uses: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, row: &TokenRow) -> Result<(), ApiError> {
    diesel::insert_into(enrollment_tokens::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut AnyConnection, hash: &str) -> Result<Option<TokenRow>, ApiError> {
    Ok(enrollment_tokens::table
        .filter(enrollment_tokens::token_hash.eq(hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes one use, but only if the token still has uses left (a guarded decrement).
pub fn take_use(conn: &mut AnyConnection, row: &TokenRow) -> Result<bool, ApiError> {
    let target = enrollment_tokens::table.filter(enrollment_tokens::id.eq(&row.id));
    let updated = match row.uses_left {
        // Decrement in the database, not to a value read before: concurrent enrollments with
        // one token (a fleet booting at once) each take a use while any is left, instead of
        // all but one losing a compare-and-set on PostgreSQL.
        Some(_) => diesel::update(target.filter(enrollment_tokens::uses_left.gt(0)))
            .set((
                enrollment_tokens::uses_left.eq(enrollment_tokens::uses_left - 1),
                enrollment_tokens::uses.eq(enrollment_tokens::uses + 1),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(enrollment_tokens::uses.eq(enrollment_tokens::uses + 1))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<TokenRow>, ApiError> {
    Ok(enrollment_tokens::table
        .find(id)
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// A team's tokens, newest first.
pub fn list(conn: &mut AnyConnection, team: &str) -> Result<Vec<TokenRow>, ApiError> {
    Ok(enrollment_tokens::table
        .filter(enrollment_tokens::team.eq(team))
        .select(TokenRow::as_select())
        .order(enrollment_tokens::created_at.desc())
        .limit(1000)
        .load(conn)?)
}

/// Revokes a token (once; revoking again keeps the first time).
pub fn revoke(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<bool, ApiError> {
    let n = diesel::update(
        enrollment_tokens::table
            .filter(enrollment_tokens::id.eq(id))
            .filter(enrollment_tokens::revoked_at.is_null()),
    )
    .set(enrollment_tokens::revoked_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}
