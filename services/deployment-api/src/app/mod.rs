//! deployment-api's logic. No HTTP here beyond the typed peer clients.

pub mod applications;
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
pub mod rollout_spec;
pub mod scale_out;
pub mod stages;
pub mod teams;
pub mod tokens;
pub mod watch;
pub mod windows;

/// The clock the gates read (system time unless a test sets it), shared with the scheduler.
pub mod clock {
    pub use liftoff_kit::clock::Clock;
}
pub use liftoff_types::window_spec;
