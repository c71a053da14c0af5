//! deployment-api's logic. No HTTP here beyond the typed peer clients.

pub mod applications;
pub mod clock;
pub mod configs;
pub mod deployments;
pub mod freezes;
pub mod groups;
pub mod idempotency;
pub mod intake;
pub mod metrics;
pub mod operations;
pub mod paging;
pub mod progress;
pub mod promotions;
pub mod revisions;
pub mod rollbacks;
pub mod scale_out;
pub mod stages;
pub mod teams;
pub mod tokens;
pub mod watch;
pub mod window_spec;
pub mod windows;
