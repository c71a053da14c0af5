//! Pure rollout arithmetic: the order hosts go in and what to do next. No I/O, so it is
//! unit-tested exhaustively.

use std::collections::BTreeMap;

use uuid::Uuid;

/// A host to roll out to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    pub host_id: Uuid,
    pub zone: String,
}

/// Orders targets so consecutive hosts come from different zones (round-robin over zones in
/// name order), keeping the given order within a zone. Every prefix of the result takes an
/// equal share (±1) of every zone, so the fleet stays balanced while a window is offline.
pub fn interleave_zones(targets: Vec<HostTarget>) -> Vec<HostTarget> {
    let mut by_zone: BTreeMap<String, std::collections::VecDeque<HostTarget>> = BTreeMap::new();
    for t in targets {
        by_zone.entry(t.zone.clone()).or_default().push_back(t);
    }
    let mut out = Vec::new();
    loop {
        let mut took = false;
        for queue in by_zone.values_mut() {
            if let Some(t) = queue.pop_front() {
                out.push(t);
                took = true;
            }
        }
        if !took {
            return out;
        }
    }
}

/// Host counts of a rollout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub pending: u64,
    /// Dispatched or running: offline for the availability budget.
    pub in_flight: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed { code: &'static str, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Start this many more hosts (the next pending ones in order).
    Dispatch(u64),
    /// Nothing to start now; in-flight hosts will report.
    Wait,
    Finish(Outcome),
}

/// What to do next, CodeDeploy's way: at most `total − minimum_healthy` hosts are unhealthy
/// (failed or in flight) at once; when failures make the minimum unreachable, stop
/// dispatching, let in-flight hosts finish, then fail. Success needs every host done and at
/// least `max(minimum_healthy, 1)` of them succeeded.
pub fn next_step(c: Counts, minimum_healthy: u64) -> Step {
    if c.total == 0 {
        return Step::Finish(Outcome::Failed {
            code: "NO_INSTANCES",
            message: "the deployment group selects no hosts".into(),
        });
    }
    let budget = c.total.saturating_sub(minimum_healthy);
    if budget == 0 {
        return Step::Finish(Outcome::Failed {
            code: "HEALTH_CONSTRAINTS_INVALID",
            message: format!(
                "minimum healthy hosts ({minimum_healthy}) leaves no host of {} that may go offline",
                c.total
            ),
        });
    }
    let needed = minimum_healthy.max(1);
    let unhealthy = c.failed + c.in_flight;
    let halted = c.total - c.failed < needed || (c.pending > 0 && c.failed >= budget);
    if halted {
        return if c.in_flight == 0 {
            Step::Finish(Outcome::Failed {
                code: "HEALTH_CONSTRAINTS",
                message: format!(
                    "{} of {} hosts failed; fewer than the minimum of {minimum_healthy} healthy hosts would remain",
                    c.failed, c.total
                ),
            })
        } else {
            Step::Wait
        };
    }
    if c.pending > 0 && unhealthy < budget {
        return Step::Dispatch((budget - unhealthy).min(c.pending));
    }
    if c.pending == 0 && c.in_flight == 0 {
        return if c.succeeded >= needed {
            Step::Finish(Outcome::Succeeded)
        } else {
            Step::Finish(Outcome::Failed {
                code: "HEALTH_CONSTRAINTS",
                message: format!(
                    "{} of {} hosts succeeded; {needed} needed",
                    c.succeeded, c.total
                ),
            })
        };
    }
    Step::Wait
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn counts(total: u64, pending: u64, in_flight: u64, succeeded: u64, failed: u64) -> Counts {
        Counts {
            total,
            pending,
            in_flight,
            succeeded,
            failed,
            skipped: 0,
        }
    }

    #[test]
    fn all_at_once_dispatches_everything() {
        assert_eq!(next_step(counts(6, 6, 0, 0, 0), 0), Step::Dispatch(6));
    }

    #[test]
    fn window_slides_as_hosts_finish() {
        // Half at a time on 6: minimum 3 healthy, so 3 offline at once.
        assert_eq!(next_step(counts(6, 6, 0, 0, 0), 3), Step::Dispatch(3));
        assert_eq!(next_step(counts(6, 3, 3, 0, 0), 3), Step::Wait);
        assert_eq!(next_step(counts(6, 3, 2, 1, 0), 3), Step::Dispatch(1));
    }

    #[test]
    fn one_at_a_time_tolerates_only_the_last_host_failing() {
        // AllButOne on 3: minimum 2, one offline at a time.
        assert_eq!(next_step(counts(3, 3, 0, 0, 0), 2), Step::Dispatch(1));
        // First host failed: halt.
        assert!(matches!(
            next_step(counts(3, 2, 0, 0, 1), 2),
            Step::Finish(Outcome::Failed { .. })
        ));
        // Last host failed after two successes: CodeDeploy still calls it a success.
        assert_eq!(
            next_step(counts(3, 0, 0, 2, 1), 2),
            Step::Finish(Outcome::Succeeded)
        );
    }

    #[test]
    fn halts_when_failures_cross_minimum_healthy_but_lets_in_flight_finish() {
        assert_eq!(next_step(counts(6, 2, 1, 0, 3), 3), Step::Wait);
        assert!(matches!(
            next_step(counts(6, 2, 0, 1, 3), 3),
            Step::Finish(Outcome::Failed {
                code: "HEALTH_CONSTRAINTS",
                ..
            })
        ));
    }

    #[test]
    fn all_at_once_needs_one_success() {
        assert_eq!(
            next_step(counts(4, 0, 0, 1, 3), 0),
            Step::Finish(Outcome::Succeeded)
        );
        assert!(matches!(
            next_step(counts(4, 0, 0, 0, 4), 0),
            Step::Finish(Outcome::Failed { .. })
        ));
    }

    #[test]
    fn impossible_minimum_fails_without_touching_a_host() {
        assert!(matches!(
            next_step(counts(3, 3, 0, 0, 0), 3),
            Step::Finish(Outcome::Failed {
                code: "HEALTH_CONSTRAINTS_INVALID",
                ..
            })
        ));
        assert!(matches!(
            next_step(counts(0, 0, 0, 0, 0), 0),
            Step::Finish(Outcome::Failed {
                code: "NO_INSTANCES",
                ..
            })
        ));
    }

    #[test]
    fn window_never_exceeds_budget_for_any_state() {
        for total in 1..8u64 {
            for min in 0..total {
                for failed in 0..=total {
                    for in_flight in 0..=(total - failed) {
                        for succeeded in 0..=(total - failed - in_flight) {
                            let pending = total - failed - in_flight - succeeded;
                            let c = counts(total, pending, in_flight, succeeded, failed);
                            if let Step::Dispatch(n) = next_step(c, min) {
                                assert!(n >= 1 && n <= pending);
                                assert!(
                                    failed + in_flight + n <= total - min,
                                    "{c:?} min {min} dispatch {n}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn zones_are_interleaved() {
        let t = |z: &str| HostTarget {
            host_id: Uuid::new_v4(),
            zone: z.into(),
        };
        let out = interleave_zones(vec![t("a"), t("a"), t("b"), t("b"), t("c"), t("a")]);
        let zones: Vec<_> = out.iter().map(|h| h.zone.as_str()).collect();
        assert_eq!(zones, ["a", "b", "c", "a", "b", "a"]);
    }
}
