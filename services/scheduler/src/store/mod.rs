//! The only code of the scheduler that touches diesel.

pub mod commands;
pub mod inventory;
pub mod rollouts;
