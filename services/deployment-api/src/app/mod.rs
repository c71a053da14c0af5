//! deployment-api's logic. No HTTP here beyond the typed peer clients.

pub mod applications;
pub mod configs;
pub mod deployments;
pub mod groups;
pub mod intake;
pub mod operations;
pub mod revisions;
