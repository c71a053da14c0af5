//! The only code of this service that touches diesel.

pub mod actions;
pub mod commands;
pub mod hosts;
pub mod installs;
pub mod outcomes;
pub mod revisions;
pub mod tokens;
