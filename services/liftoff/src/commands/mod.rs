//! The client commands for deployment-api's resources, one module per resource: the clap
//! definition and what it does, printing a human line or (`--json`) one JSON document.

pub mod app;
pub mod config;
pub mod deployments;
pub mod freeze;
pub mod group;
pub mod local;
pub mod promote;
pub mod promotion;
pub mod revision;
pub mod webhook;
pub mod window;

/// An optional time, or `never`.
pub fn time_or_never(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "never".to_string())
}
