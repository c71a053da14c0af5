//! The only code of this service that touches diesel.

pub mod deployments;
pub mod events;
pub mod logs;
pub mod pins;
pub mod revisions;
pub mod webhooks;
