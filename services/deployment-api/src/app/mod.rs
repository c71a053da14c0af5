//! deployment-api's logic. No HTTP here beyond the typed peer clients.

pub mod applications;
pub mod configs;
pub mod deployments;
pub mod groups;
pub mod revisions;
pub mod scale_out;
