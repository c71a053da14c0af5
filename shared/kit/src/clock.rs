//! The time the deployment gates read (deployment-api before a deployment starts, the scheduler
//! between batches). In service it is the system clock; a test sets it to a
//! chosen instant (through the `Config` it starts the service with) so that gate decisions do
//! not depend on the real time of day. Nothing but tests ever sets it.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<RwLock<Option<DateTime<Utc>>>>);

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.0
            .read()
            .ok()
            .and_then(|fixed| *fixed)
            .unwrap_or_else(Utc::now)
    }

    /// Fixes the time at `at` (`None`: the system clock again). For tests.
    pub fn set(&self, at: Option<DateTime<Utc>>) {
        if let Ok(mut fixed) = self.0.write() {
            *fixed = at;
        }
    }
}
