//! Bundle bytes, content-addressed and chunked, so every replica serves every bundle.

use std::io::Read;

use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{bundle_chunks, bundles};

pub const CHUNK_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bundles)]
pub struct BundleRow {
    pub sha256: String,
    pub size_bytes: i64,
    pub format: String,
    pub chunk_count: i32,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = bundle_chunks)]
struct ChunkRow<'a> {
    sha256: &'a str,
    seq: i32,
    data: &'a [u8],
}

pub fn get(conn: &mut AnyConnection, sha256: &str) -> Result<Option<BundleRow>, ApiError> {
    Ok(bundles::table
        .find(sha256)
        .select(BundleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the bytes of `file` under its digest, unless they are stored already.
pub fn store(
    conn: &mut AnyConnection,
    sha256: &str,
    format: &str,
    file: &mut std::fs::File,
) -> Result<BundleRow, ApiError> {
    if let Some(existing) = get(conn, sha256)? {
        return Ok(existing);
    }
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut seq = 0i32;
    let mut size = 0i64;
    loop {
        let n = read_full(file, &mut buf)
            .map_err(|e| ApiError::internal(format!("spool read: {e}")))?;
        if n == 0 {
            break;
        }
        diesel::insert_into(bundle_chunks::table)
            .values(ChunkRow {
                sha256,
                seq,
                data: &buf[..n],
            })
            .execute(conn)?;
        seq += 1;
        size += n as i64;
    }
    let row = BundleRow {
        sha256: sha256.to_string(),
        size_bytes: size,
        format: format.to_string(),
        chunk_count: seq,
        created_at: liftoff_kit::db::now(),
    };
    diesel::insert_into(bundles::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(row)
}

fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

pub fn chunk(conn: &mut AnyConnection, sha256: &str, seq: i32) -> Result<Vec<u8>, ApiError> {
    Ok(bundle_chunks::table
        .find((sha256, seq))
        .select(bundle_chunks::data)
        .first(conn)?)
}

/// Deletes a bundle's bytes (the caller checked that no revision refers to them).
pub fn delete(conn: &mut AnyConnection, sha256: &str) -> Result<(), ApiError> {
    diesel::delete(bundle_chunks::table.filter(bundle_chunks::sha256.eq(sha256))).execute(conn)?;
    diesel::delete(bundles::table.find(sha256)).execute(conn)?;
    Ok(())
}
