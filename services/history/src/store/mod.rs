//! The only code of this service that touches diesel.

pub mod events;
pub mod revisions;
