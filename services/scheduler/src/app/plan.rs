//! Pure rollout arithmetic: the order hosts go in and what to do next. No I/O, so it is
//! unit- and property-tested (see `plan_tests`).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use liftoff_types::deployments::{MinimumHealthy, ZoneMode};
use uuid::Uuid;

/// Hosts that failed in the group's previous deployment.
pub const TIER_FAILED_BEFORE: i32 = 0;
/// Hosts whose revision is unknown or another one.
pub const TIER_NEEDS_UPDATE: i32 = 1;
/// Hosts that already run the revision being deployed.
pub const TIER_CURRENT: i32 = 2;

/// A host to roll out to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    pub host_id: Uuid,
    pub zone: String,
    pub tier: i32,
}

/// Orders targets: by tier (failed before, then unknown or old revision, then current), and
/// within a tier interleaved across zones (`striped`), or zone after zone (`zone-at-a-time`,
/// zones holding lower tiers first). The given order is kept within a zone and tier.
pub fn order_targets(targets: Vec<HostTarget>, mode: ZoneMode) -> Vec<HostTarget> {
    let mut by_tier: BTreeMap<i32, Vec<HostTarget>> = BTreeMap::new();
    for t in targets {
        by_tier.entry(t.tier).or_default().push(t);
    }
    match mode {
        ZoneMode::Striped => by_tier.into_values().flat_map(interleave_zones).collect(),
        ZoneMode::ZoneAtATime => {
            let mut zones: BTreeMap<String, Vec<HostTarget>> = BTreeMap::new();
            for t in by_tier.into_values().flatten() {
                zones.entry(t.zone.clone()).or_default().push(t);
            }
            let mut zones: Vec<(String, Vec<HostTarget>)> = zones.into_iter().collect();
            // Stable: zones with the same best tier stay in name order.
            zones.sort_by_key(|(_, hosts)| hosts.iter().map(|h| h.tier).min().unwrap_or(0));
            zones.into_iter().flat_map(|(_, hosts)| hosts).collect()
        }
    }
}

/// Interleaves targets across zones in proportion to each zone's size: after any number of
/// hosts, every zone has had its share of them, rounded up or down (the quota method). With
/// equal zones this is plain round-robin in zone-name order.
pub fn interleave_zones(targets: Vec<HostTarget>) -> Vec<HostTarget> {
    let total = targets.len() as u64;
    let mut by_zone: BTreeMap<String, std::collections::VecDeque<HostTarget>> = BTreeMap::new();
    for t in targets {
        by_zone.entry(t.zone.clone()).or_default().push_back(t);
    }
    let sizes: Vec<u64> = by_zone.values().map(|q| q.len() as u64).collect();
    let mut queues: Vec<_> = by_zone.into_values().collect();
    let mut taken = vec![0u64; queues.len()];
    let mut out = Vec::with_capacity(total as usize);
    for k in 1..=total {
        // Eligible: taking one more stays within the upper quota ceil(k·size/total); among
        // those, the zone furthest behind its share goes next (smallest (taken+1)/size).
        let mut best: Option<usize> = None;
        for z in 0..queues.len() {
            if queues[z].is_empty() || (taken[z] + 1) * total > k * sizes[z] + total - 1 {
                continue;
            }
            best = match best {
                Some(b) if (taken[b] + 1) * sizes[z] <= (taken[z] + 1) * sizes[b] => Some(b),
                _ => Some(z),
            };
        }
        // The quota method always finds one; fall back to any non-empty zone regardless.
        let z = best
            .or_else(|| (0..queues.len()).find(|&z| !queues[z].is_empty()))
            .unwrap_or(0);
        if let Some(t) = queues[z].pop_front() {
            taken[z] += 1;
            out.push(t);
        }
    }
    out
}

/// Host counts of a rollout, or of one zone of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: u64,
    /// Dispatched or running: offline for the availability budget.
    pub in_flight: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Not part of the fleet any more (excluded, left the group, or never started).
    pub skipped: u64,
}

impl Counts {
    /// The hosts the availability arithmetic is about.
    pub fn fleet(&self) -> u64 {
        self.pending + self.in_flight + self.succeeded + self.failed
    }
    pub fn add(&mut self, o: &Counts) {
        self.pending += o.pending;
        self.in_flight += o.in_flight;
        self.succeeded += o.succeeded;
        self.failed += o.failed;
        self.skipped += o.skipped;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed { code: &'static str, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Start this many more hosts.
    Dispatch(u64),
    /// Nothing to start now; in-flight hosts will report.
    Wait,
    Finish(Outcome),
}

/// What to do next, CodeDeploy's way: at most `fleet − minimum_healthy` hosts are unhealthy
/// (failed or in flight) at once; when failures make the minimum unreachable, stop
/// dispatching, let in-flight hosts finish, then fail. Success needs every host done and at
/// least `max(minimum_healthy, 1)` of them succeeded.
pub fn next_step(c: Counts, minimum_healthy: u64) -> Step {
    let fleet = c.fleet();
    if fleet == 0 {
        return Step::Finish(Outcome::Failed {
            code: "NO_INSTANCES",
            message: "the deployment group selects no hosts".into(),
        });
    }
    let budget = fleet.saturating_sub(minimum_healthy);
    if budget == 0 {
        return Step::Finish(Outcome::Failed {
            code: "HEALTH_CONSTRAINTS_INVALID",
            message: format!(
                "minimum healthy hosts ({minimum_healthy}) leaves no host of {fleet} that may go offline"
            ),
        });
    }
    let needed = minimum_healthy.max(1);
    let unhealthy = c.failed + c.in_flight;
    let halted = fleet - c.failed < needed || (c.pending > 0 && c.failed >= budget);
    if halted {
        return if c.in_flight == 0 {
            Step::Finish(Outcome::Failed {
                code: "HEALTH_CONSTRAINTS",
                message: format!(
                    "{} of {fleet} hosts failed; fewer than the minimum of {minimum_healthy} healthy hosts would remain",
                    c.failed
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
                    "{} of {fleet} hosts succeeded; {needed} needed",
                    c.succeeded
                ),
            })
        };
    }
    Step::Wait
}

/// Where a rollout is, as far as deciding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Paused by an operator, or waiting for the canary's approval: hold everything.
    Held,
}

/// The canary batch while it is not approved yet: the hosts at positions below `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canary {
    pub pending: u64,
    pub in_flight: u64,
}

/// Everything `decide` needs, gathered from the database with a few cheap reads.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub phase: Phase,
    pub minimum_healthy: MinimumHealthy,
    pub mode: ZoneMode,
    /// Per-zone counts, by zone name.
    pub zones: BTreeMap<String, Counts>,
    /// `Some` while a canary batch waits to be approved.
    pub canary: Option<Canary>,
    /// The zone of the first pending host in rollout order.
    pub first_pending_zone: Option<String>,
    /// `zone-at-a-time`: the zone being updated, the bake time between zones, the end of the
    /// current bake (if one started), and the database's clock.
    pub current_zone: Option<String>,
    pub bake_secs: u32,
    pub gate_until: Option<NaiveDateTime>,
    pub now: NaiveDateTime,
    /// With a health analysis: its bake time. The rollout then goes batch by batch: no host
    /// starts while another is in flight, and after each batch (the last one included) the
    /// analysis bakes this long (`gate_until`) before the next starts or the rollout succeeds.
    pub analysis_bake_secs: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start up to `total` hosts, at most `rooms[zone]` from each zone, the next ones in
    /// rollout order (only canary positions while `canary_only`). `enter_zone`: record it as
    /// the zone being updated (and end any bake).
    Dispatch {
        rooms: BTreeMap<String, u64>,
        total: u64,
        canary_only: bool,
        enter_zone: Option<String>,
    },
    Wait,
    /// The previous zone finished: wait until then before starting the next one.
    StartBake(NaiveDateTime),
    /// The canary batch finished: wait for an operator's approval.
    AwaitApproval,
    Finish(Outcome),
}

/// The whole decision: the sliding window, the failure threshold, the canary batch, and the
/// zone constraints (a striped rollout keeps every zone within its share of the window; a
/// zone-at-a-time rollout finishes one zone, bakes, then starts the next).
pub fn decide(s: &Snapshot) -> Decision {
    let mut c = Counts::default();
    for z in s.zones.values() {
        c.add(z);
    }
    let minimum = s.minimum_healthy.hosts(c.fleet());
    let step = next_step(c, minimum);
    if s.phase == Phase::Held {
        return Decision::Wait;
    }
    let n = match step {
        Step::Finish(Outcome::Succeeded) => {
            if let Some(bake) = s.analysis_bake_secs
                && let Some(hold) = batch_bake(s, bake)
            {
                return hold;
            }
            return Decision::Finish(Outcome::Succeeded);
        }
        Step::Finish(o) => return Decision::Finish(o),
        Step::Wait => return Decision::Wait,
        Step::Dispatch(n) => n,
    };
    if let Some(bake) = s.analysis_bake_secs {
        if c.in_flight > 0 {
            return Decision::Wait;
        }
        if c.succeeded + c.failed > 0
            && let Some(hold) = batch_bake(s, bake)
        {
            return hold;
        }
    }
    let (n, canary_only) = match s.canary {
        Some(k) if k.pending == 0 && k.in_flight == 0 => return Decision::AwaitApproval,
        Some(k) if k.pending == 0 => return Decision::Wait,
        Some(k) => (n.min(k.pending), true),
        None => (n, false),
    };
    match s.mode {
        ZoneMode::Striped => {
            let budget = c.fleet().saturating_sub(minimum);
            let fleet = c.fleet().max(1);
            let rooms: BTreeMap<String, u64> = s
                .zones
                .iter()
                .map(|(zone, z)| {
                    let cap = (budget * z.fleet()).div_ceil(fleet).max(1);
                    (zone.clone(), cap.saturating_sub(z.in_flight).min(z.pending))
                })
                .filter(|(_, room)| *room > 0)
                .collect();
            let total = n.min(rooms.values().sum());
            if total == 0 {
                return Decision::Wait;
            }
            Decision::Dispatch {
                rooms,
                total,
                canary_only,
                enter_zone: None,
            }
        }
        ZoneMode::ZoneAtATime => {
            let Some(zone) = s.first_pending_zone.clone() else {
                return Decision::Wait;
            };
            let others_busy = s
                .zones
                .iter()
                .any(|(name, z)| *name != zone && z.in_flight > 0);
            if others_busy {
                return Decision::Wait;
            }
            let entering = s.current_zone.as_deref() != Some(zone.as_str());
            if entering && s.current_zone.is_some() && s.bake_secs > 0 {
                match s.gate_until {
                    None => {
                        return Decision::StartBake(
                            s.now + chrono::Duration::seconds(i64::from(s.bake_secs)),
                        );
                    }
                    Some(until) if s.now < until => return Decision::Wait,
                    Some(_) => {}
                }
            }
            let pending = s.zones.get(&zone).map(|z| z.pending).unwrap_or(0);
            let total = n.min(pending);
            if total == 0 {
                return Decision::Wait;
            }
            Decision::Dispatch {
                rooms: BTreeMap::from([(zone.clone(), total)]),
                total,
                canary_only,
                enter_zone: entering.then_some(zone),
            }
        }
    }
}

/// Between two batches of an analysed rollout (and after the last): start the bake, or wait
/// for its end; `None` once it is over (the next dispatch clears the gate).
fn batch_bake(s: &Snapshot, bake: u32) -> Option<Decision> {
    match s.gate_until {
        None if bake > 0 => Some(Decision::StartBake(
            s.now + chrono::Duration::seconds(i64::from(bake)),
        )),
        Some(until) if s.now < until => Some(Decision::Wait),
        _ => None,
    }
}

/// A pending host offered for dispatch: its zone and position in rollout order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<T> {
    pub zone: String,
    pub position: i32,
    pub item: T,
}

/// Picks the hosts to start: the next ones in rollout order, at most `rooms[zone]` per zone
/// and `total` in all. `candidates` holds, per zone, that zone's next pending hosts.
pub fn pick<T>(
    mut candidates: Vec<Candidate<T>>,
    rooms: &BTreeMap<String, u64>,
    total: u64,
) -> Vec<T> {
    candidates.sort_by_key(|c| c.position);
    let mut used: BTreeMap<&str, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for c in &candidates {
        if out.len() as u64 >= total {
            break;
        }
        let room = rooms.get(&c.zone).copied().unwrap_or(0);
        let n = used.entry(c.zone.as_str()).or_default();
        if *n < room {
            *n += 1;
            out.push(c.position);
        }
    }
    let chosen: std::collections::BTreeSet<i32> = out.into_iter().collect();
    candidates
        .into_iter()
        .filter(|c| chosen.contains(&c.position))
        .map(|c| c.item)
        .collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
