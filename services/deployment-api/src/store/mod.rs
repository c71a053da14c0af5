//! The only code of deployment-api that touches diesel.

pub mod applications;
pub mod bundles;
pub mod configs;
pub mod deployments;
pub mod freezes;
pub mod groups;
pub mod progress;
pub mod promotions;
pub mod revisions;
pub mod scale_out;
pub mod tokens;
pub mod windows;
