//! Unit and property tests of the planner. The property tests drive `decide` and `pick` with a
//! model rollout (hosts finishing and failing in random order) and check what must hold at
//! every instant: the window, the zone shares, the order, the canary gate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn counts(pending: u64, in_flight: u64, succeeded: u64, failed: u64) -> Counts {
    Counts {
        pending,
        in_flight,
        succeeded,
        failed,
        skipped: 0,
    }
}

#[test]
fn all_at_once_dispatches_everything() {
    assert_eq!(next_step(counts(6, 0, 0, 0), 0), Step::Dispatch(6));
}

#[test]
fn window_slides_as_hosts_finish() {
    // Half at a time on 6: minimum 3 healthy, so 3 offline at once.
    assert_eq!(next_step(counts(6, 0, 0, 0), 3), Step::Dispatch(3));
    assert_eq!(next_step(counts(3, 3, 0, 0), 3), Step::Wait);
    assert_eq!(next_step(counts(3, 2, 1, 0), 3), Step::Dispatch(1));
}

#[test]
fn one_at_a_time_tolerates_only_the_last_host_failing() {
    assert_eq!(next_step(counts(3, 0, 0, 0), 2), Step::Dispatch(1));
    assert!(matches!(
        next_step(counts(2, 0, 0, 1), 2),
        Step::Finish(Outcome::Failed { .. })
    ));
    // Last host failed after two successes: CodeDeploy still calls it a success.
    assert_eq!(
        next_step(counts(0, 0, 2, 1), 2),
        Step::Finish(Outcome::Succeeded)
    );
}

#[test]
fn halts_when_failures_cross_minimum_healthy_but_lets_in_flight_finish() {
    assert_eq!(next_step(counts(2, 1, 0, 3), 3), Step::Wait);
    assert!(matches!(
        next_step(counts(2, 0, 1, 3), 3),
        Step::Finish(Outcome::Failed {
            code: "HEALTH_CONSTRAINTS",
            ..
        })
    ));
}

#[test]
fn impossible_minimum_fails_without_touching_a_host() {
    assert!(matches!(
        next_step(counts(3, 0, 0, 0), 3),
        Step::Finish(Outcome::Failed {
            code: "HEALTH_CONSTRAINTS_INVALID",
            ..
        })
    ));
    assert!(matches!(
        next_step(counts(0, 0, 0, 0), 0),
        Step::Finish(Outcome::Failed {
            code: "NO_INSTANCES",
            ..
        })
    ));
}

#[test]
fn equal_zones_are_round_robin() {
    let t = |z: &str| HostTarget {
        host_id: Uuid::new_v4(),
        zone: z.into(),
        tier: TIER_NEEDS_UPDATE,
    };
    let out = interleave_zones(vec![t("a"), t("a"), t("b"), t("b"), t("c"), t("c")]);
    let zones: Vec<_> = out.iter().map(|h| h.zone.as_str()).collect();
    assert_eq!(zones, ["a", "b", "c", "a", "b", "c"]);
}

#[test]
fn failed_hosts_go_first_then_old_then_current() {
    let t = |z: &str, tier| HostTarget {
        host_id: Uuid::new_v4(),
        zone: z.into(),
        tier,
    };
    let out = order_targets(
        vec![
            t("a", TIER_CURRENT),
            t("b", TIER_NEEDS_UPDATE),
            t("b", TIER_FAILED_BEFORE),
            t("a", TIER_NEEDS_UPDATE),
        ],
        ZoneMode::Striped,
    );
    let tiers: Vec<_> = out.iter().map(|h| (h.tier, h.zone.as_str())).collect();
    assert_eq!(tiers, [(0, "b"), (1, "a"), (1, "b"), (2, "a")]);
    let out = order_targets(
        vec![
            t("a", TIER_NEEDS_UPDATE),
            t("b", TIER_NEEDS_UPDATE),
            t("b", TIER_FAILED_BEFORE),
            t("a", TIER_NEEDS_UPDATE),
        ],
        ZoneMode::ZoneAtATime,
    );
    let zones: Vec<_> = out.iter().map(|h| (h.zone.as_str(), h.tier)).collect();
    assert_eq!(zones, [("b", 0), ("b", 1), ("a", 1), ("a", 1)]);
}

/// One host of the model rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum S {
    Pending,
    InFlight,
    Succeeded,
    Failed,
}

struct Model {
    order: Vec<HostTarget>,
    status: Vec<S>,
    mode: ZoneMode,
    minimum: MinimumHealthy,
    canary: u64,
    approved: bool,
    current_zone: Option<String>,
    dispatch_log: Vec<usize>,
}

impl Model {
    fn snapshot(&self) -> Snapshot {
        let mut zones: BTreeMap<String, Counts> = BTreeMap::new();
        for (t, s) in self.order.iter().zip(&self.status) {
            let z = zones.entry(t.zone.clone()).or_default();
            match s {
                S::Pending => z.pending += 1,
                S::InFlight => z.in_flight += 1,
                S::Succeeded => z.succeeded += 1,
                S::Failed => z.failed += 1,
            }
        }
        let canary = (self.canary > 0 && !self.approved).then(|| Canary {
            pending: self.status[..self.canary as usize]
                .iter()
                .filter(|s| **s == S::Pending)
                .count() as u64,
            in_flight: self.status[..self.canary as usize]
                .iter()
                .filter(|s| **s == S::InFlight)
                .count() as u64,
        });
        let first_pending_zone = self
            .status
            .iter()
            .position(|s| *s == S::Pending)
            .map(|i| self.order[i].zone.clone());
        Snapshot {
            phase: Phase::Running,
            minimum_healthy: self.minimum,
            mode: self.mode,
            zones,
            canary,
            first_pending_zone,
            current_zone: self.current_zone.clone(),
            bake_secs: 0,
            gate_until: None,
            now: chrono::NaiveDateTime::default(),
            analysis_bake_secs: None,
        }
    }

    /// Applies one decision; returns false once the rollout finished.
    fn apply(&mut self, d: Decision) -> bool {
        match d {
            Decision::Dispatch {
                rooms,
                total,
                canary_only,
                enter_zone,
            } => {
                if enter_zone.is_some() {
                    self.current_zone = enter_zone;
                }
                let mut candidates = Vec::new();
                for (zone, room) in &rooms {
                    let mut n = 0;
                    for (i, t) in self.order.iter().enumerate() {
                        if t.zone == *zone
                            && self.status[i] == S::Pending
                            && (!canary_only || (i as u64) < self.canary)
                            && n < *room
                        {
                            candidates.push(Candidate {
                                zone: zone.clone(),
                                position: i as i32,
                                item: i,
                            });
                            n += 1;
                        }
                    }
                }
                let picked = pick(candidates, &rooms, total);
                // Nothing to pick only while the zones with room have no canary host left,
                // and then some host is in flight, so the rollout still moves.
                assert!(
                    !picked.is_empty() || self.status.contains(&S::InFlight),
                    "a dispatch decision with nothing in flight picks a host"
                );
                for i in picked {
                    self.status[i] = S::InFlight;
                    self.dispatch_log.push(i);
                }
                true
            }
            Decision::AwaitApproval => {
                self.approved = true;
                true
            }
            Decision::Finish(_) => false,
            Decision::Wait | Decision::StartBake(_) => true,
        }
    }

    fn check_window(&self) {
        let s = self.snapshot();
        let mut c = Counts::default();
        for z in s.zones.values() {
            c.add(z);
        }
        let budget = c.fleet() - self.minimum.hosts(c.fleet());
        assert!(
            c.in_flight <= budget,
            "{} in flight with a window of {budget}",
            c.in_flight
        );
        match self.mode {
            ZoneMode::Striped => {
                for (zone, z) in &s.zones {
                    let cap = (budget * z.fleet()).div_ceil(c.fleet()).max(1);
                    assert!(
                        z.in_flight <= cap,
                        "zone {zone}: {} in flight, share {cap}",
                        z.in_flight
                    );
                }
            }
            ZoneMode::ZoneAtATime => {
                let busy = s.zones.values().filter(|z| z.in_flight > 0).count();
                assert!(busy <= 1, "{busy} zones in flight at once");
            }
        }
        if self.canary > 0 && !self.approved {
            for (i, st) in self.status.iter().enumerate() {
                if i as u64 >= self.canary {
                    assert_eq!(
                        *st,
                        S::Pending,
                        "host {i} started before the canary's approval"
                    );
                }
            }
        }
    }
}

fn fleet_strategy() -> impl Strategy<Value = Vec<(u8, i32)>> {
    prop::collection::vec((0u8..4, 0i32..3), 1..60)
}

fn minimum_strategy() -> impl Strategy<Value = MinimumHealthy> {
    prop_oneof![
        (0u32..8).prop_map(MinimumHealthy::HostCount),
        (0u32..100).prop_map(MinimumHealthy::FleetPercent),
        Just(MinimumHealthy::AllButOne),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every prefix of the order gives every zone its share of the hosts, within one host.
    #[test]
    fn zone_shares_stay_within_one_host(fleet in fleet_strategy()) {
        let targets: Vec<HostTarget> = fleet
            .iter()
            .map(|(z, _)| HostTarget { host_id: Uuid::new_v4(), zone: format!("z{z}"), tier: 1 })
            .collect();
        let total = targets.len() as f64;
        let mut size: BTreeMap<String, f64> = BTreeMap::new();
        for t in &targets {
            *size.entry(t.zone.clone()).or_default() += 1.0;
        }
        let out = interleave_zones(targets);
        let mut taken: BTreeMap<String, f64> = BTreeMap::new();
        for (k, t) in out.iter().enumerate() {
            *taken.entry(t.zone.clone()).or_default() += 1.0;
            for (zone, s) in &size {
                let share = (k as f64 + 1.0) * s / total;
                let got = taken.get(zone).copied().unwrap_or(0.0);
                prop_assert!((got - share).abs() < 1.0 + 1e-9,
                    "after {} hosts zone {zone} had {got}, share {share:.2}", k + 1);
            }
        }
    }

    /// Tiers come in order: failed before, then unknown or old revision, then current.
    #[test]
    fn failed_hosts_are_ordered_first(fleet in fleet_strategy(), zone_at_a_time in any::<bool>()) {
        let targets: Vec<HostTarget> = fleet
            .iter()
            .map(|(z, tier)| HostTarget { host_id: Uuid::new_v4(), zone: format!("z{z}"), tier: *tier })
            .collect();
        let mode = if zone_at_a_time { ZoneMode::ZoneAtATime } else { ZoneMode::Striped };
        let out = order_targets(targets.clone(), mode);
        prop_assert_eq!(out.len(), targets.len());
        if mode == ZoneMode::Striped {
            prop_assert!(out.windows(2).all(|w| w[0].tier <= w[1].tier));
        } else {
            // Zone after zone, each zone's hosts together and in tier order.
            let mut seen = std::collections::BTreeSet::new();
            let mut last: Option<&str> = None;
            for (i, t) in out.iter().enumerate() {
                if last != Some(t.zone.as_str()) {
                    prop_assert!(seen.insert(t.zone.clone()), "zone {} comes back", t.zone);
                    last = Some(t.zone.as_str());
                } else {
                    prop_assert!(out[i - 1].tier <= t.tier);
                }
            }
            let first_tier = out.iter().map(|t| t.tier).min();
            prop_assert_eq!(Some(out[0].tier), first_tier);
        }
    }

    /// A model rollout: hosts finish and fail in random order. The window, the zone shares,
    /// the canary gate hold at every instant; within a zone hosts start in rollout order; the
    /// rollout always ends.
    #[test]
    fn rollouts_respect_the_window_and_end(
        fleet in fleet_strategy(),
        minimum in minimum_strategy(),
        zone_at_a_time in any::<bool>(),
        canary in 0u64..4,
        outcomes in prop::collection::vec((any::<prop::sample::Index>(), 0u8..10), 0..400),
    ) {
        let targets: Vec<HostTarget> = fleet
            .iter()
            .map(|(z, tier)| HostTarget { host_id: Uuid::new_v4(), zone: format!("z{z}"), tier: *tier })
            .collect();
        let mode = if zone_at_a_time { ZoneMode::ZoneAtATime } else { ZoneMode::Striped };
        let order = order_targets(targets, mode);
        let n = order.len();
        let mut m = Model {
            status: vec![S::Pending; n],
            order,
            mode,
            minimum,
            canary: canary.min(n as u64),
            approved: false,
            current_zone: None,
            dispatch_log: Vec::new(),
        };
        let mut finished = false;
        let mut outcomes = outcomes.into_iter();
        for _ in 0..(4 * n + 400) {
            if !m.apply(decide(&m.snapshot())) {
                finished = true;
                break;
            }
            m.check_window();
            let in_flight: Vec<usize> = (0..n).filter(|i| m.status[*i] == S::InFlight).collect();
            if in_flight.is_empty() {
                continue;
            }
            let (pick_host, fail) = outcomes.next().map(|(i, f)| (i.index(in_flight.len()), f)).unwrap_or((0, 5));
            let h = in_flight[pick_host];
            m.status[h] = if fail == 0 { S::Failed } else { S::Succeeded };
        }
        prop_assert!(finished, "the rollout did not end: {:?}", m.status);
        // Within a zone, hosts started in rollout order.
        let mut last: BTreeMap<&str, usize> = BTreeMap::new();
        for &i in &m.dispatch_log {
            let z = m.order[i].zone.as_str();
            if let Some(prev) = last.insert(z, i) {
                prop_assert!(prev < i, "zone {z}: host {i} started after {prev}");
            }
        }
    }
}

mod analysis_batches {
    use super::*;
    use chrono::NaiveDateTime;

    fn snap(c: Counts, gate: Option<NaiveDateTime>, now: NaiveDateTime) -> Snapshot {
        Snapshot {
            phase: Phase::Running,
            minimum_healthy: MinimumHealthy::HostCount(2),
            mode: ZoneMode::Striped,
            zones: BTreeMap::from([("a".to_string(), c)]),
            canary: None,
            first_pending_zone: Some("a".into()),
            current_zone: None,
            bake_secs: 0,
            gate_until: gate,
            now,
            analysis_bake_secs: Some(10),
        }
    }

    fn t(s: i64) -> NaiveDateTime {
        NaiveDateTime::default() + chrono::Duration::seconds(s)
    }

    #[test]
    fn no_host_starts_while_a_batch_is_in_flight() {
        let c = Counts {
            pending: 2,
            in_flight: 1,
            succeeded: 1,
            ..Counts::default()
        };
        assert_eq!(decide(&snap(c, None, t(0))), Decision::Wait);
    }

    #[test]
    fn a_finished_batch_bakes_before_the_next_starts() {
        let c = Counts {
            pending: 2,
            succeeded: 2,
            ..Counts::default()
        };
        assert_eq!(decide(&snap(c, None, t(0))), Decision::StartBake(t(10)));
        assert_eq!(decide(&snap(c, Some(t(10)), t(5))), Decision::Wait);
        assert!(matches!(
            decide(&snap(c, Some(t(10)), t(10))),
            Decision::Dispatch { .. }
        ));
    }

    #[test]
    fn the_last_batch_bakes_before_success() {
        let c = Counts {
            succeeded: 4,
            ..Counts::default()
        };
        assert_eq!(decide(&snap(c, None, t(0))), Decision::StartBake(t(10)));
        assert_eq!(decide(&snap(c, Some(t(10)), t(9))), Decision::Wait);
        assert_eq!(
            decide(&snap(c, Some(t(10)), t(11))),
            Decision::Finish(Outcome::Succeeded)
        );
    }

    #[test]
    fn the_first_batch_starts_at_once() {
        let c = Counts {
            pending: 4,
            ..Counts::default()
        };
        assert!(matches!(
            decide(&snap(c, None, t(0))),
            Decision::Dispatch { total: 2, .. }
        ));
    }
}
