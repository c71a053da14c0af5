//! The only code of this service that touches diesel.

pub mod hosts;
pub mod tokens;
