//! The history service's logic: ingest with deduplication and projections, the queries, hook
//! logs, the audit log, retention with pins, and webhooks.

pub mod audit;
pub mod ingest;
pub mod logs;
pub mod project;
pub mod query;
pub mod retention;
pub mod webhooks;
