//! The history service's logic: ingest with deduplication and projections, and queries.

pub mod ingest;
pub mod query;
