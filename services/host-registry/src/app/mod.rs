//! The registry's logic: enrollment, heartbeats and liveness. No HTTP here.

pub mod enrollment;
pub mod hosts;
