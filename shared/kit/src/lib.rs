//! What every Liftoff service is built from: database access over SQLite and PostgreSQL, the
//! one error type and its HTTP mapping, token verification, web glue (JSON errors, health,
//! metrics), admission (rate limits and body caps), telemetry, the SSRF rules of outgoing calls
//! to URLs users give (egress), and the transactional outbox
//! that feeds the history service.

pub mod admission;
pub mod auth;
pub mod clock;
pub mod contract;
pub mod db;
pub mod egress;
pub mod error;
pub mod outbox;
pub mod pg_database;
pub mod request_span;
pub mod service;
pub mod telemetry;
pub mod web;

#[cfg(test)]
mod status_columns_tests;

pub use auth::{Authority, Caller, Role, TokenKind};
pub use db::{AnyConnection, Db, DbUrl};
pub use error::ApiError;
pub use service::{PeerUrls, Peers, ServiceApp};
