//! Wire types shared by the Liftoff services, the agent and the CLI.
//!
//! Serde and schema derives only: a client depends on these, never on a server crate. The
//! `diesel` feature adds the status enums' TEXT-column mappings for the services (`sql`). The
//! one module with logic is `window_spec`, pure parsing and arithmetic of deployment windows,
//! which deployment-api (before a deployment starts) and the scheduler (between batches) both
//! judge.

pub mod analysis;
pub mod autoscaling;
pub mod deployments;
pub mod error;
pub mod events;
pub mod gates;
pub mod history;
pub mod names;
pub mod promotions;
pub mod registry;
pub mod scale_out;
pub mod scheduler;
#[cfg(feature = "diesel")]
mod sql;
pub mod tokens;
pub mod webhooks;
pub mod window_spec;

pub use error::{ErrorBody, ErrorDetail};

/// The `aud` claims of the three kinds of credential; they are never interchangeable.
pub mod audience {
    pub const TEAM: &str = "liftoff-api";
    pub const HOST: &str = "liftoff-agent";
    pub const SERVICE: &str = "liftoff-service";
}
