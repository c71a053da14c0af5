//! The registry's logic: enrollment, heartbeats, liveness, the host lifecycle, autoscaling.
//! No HTTP here beyond the typed peer clients.

pub mod actions;
pub mod autoscaling;
pub mod cadence;
pub mod enrollment;
pub mod feed;
pub mod fleet;
pub mod heard;
pub mod hosts;
pub mod inventory;
pub mod lifecycle;
pub mod liveness;
pub mod membership;
pub mod outcomes;
pub mod revocations;
pub mod scale_in;
