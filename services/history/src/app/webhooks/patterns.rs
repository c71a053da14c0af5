//! Which events a subscription wants: exact types (`deployment.succeeded`), a family
//! (`deployment.*`: every type starting `deployment.`), or `*`. A pattern naming no known type
//! is refused, so a typo does not make a subscription that silently never fires.

use liftoff_types::webhooks::EVENT_TYPES;

/// Most patterns one subscription holds.
pub const MAX_PATTERNS: usize = 64;

/// Checks `patterns` and returns them trimmed and deduplicated, in the order given; the error
/// names the first unknown one.
pub fn parse(patterns: &[String]) -> Result<Vec<String>, String> {
    if patterns.is_empty() {
        return Err("events: name at least one event type, family (`deployment.*`) or `*`".into());
    }
    if patterns.len() > MAX_PATTERNS {
        return Err(format!("events: at most {MAX_PATTERNS} patterns"));
    }
    let mut out: Vec<String> = Vec::new();
    for raw in patterns {
        let p = raw.trim();
        if !known(p) {
            let shown: String = p.chars().take(80).collect();
            return Err(format!(
                "events: {shown:?} is not an event type, a family such as `deployment.*`, or `*` (known types: {})",
                EVENT_TYPES.join(", ")
            ));
        }
        if !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
    Ok(out)
}

fn known(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(family) => {
            !family.is_empty()
                && !family.contains('*')
                && EVENT_TYPES
                    .iter()
                    .any(|t| t.strip_prefix(family).is_some_and(|r| r.starts_with('.')))
        }
        None => EVENT_TYPES.contains(&pattern),
    }
}

/// Whether `event_type` is one that `pattern` names.
pub fn matches(pattern: &str, event_type: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(family) => event_type
            .strip_prefix(family)
            .is_some_and(|r| r.starts_with('.')),
        None => pattern == event_type,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(list: &[&str]) -> Result<Vec<String>, String> {
        parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn known_types_families_and_star_are_accepted_and_deduplicated() {
        assert_eq!(
            p(&[
                "deployment.succeeded",
                "deployment.*",
                " * ",
                "deployment.*",
                "host.lost"
            ])
            .unwrap(),
            vec!["deployment.succeeded", "deployment.*", "*", "host.lost"]
        );
    }

    #[test]
    fn every_type_in_the_log_can_be_subscribed_to_and_internal_ones_cannot() {
        use liftoff_types::events::EventType;
        // The audit entries of pins and of webhooks themselves were once refused.
        for t in [
            "revision.pinned",
            "webhook.created",
            "webhook.secret_rotated",
        ] {
            assert_eq!(p(&[t]).unwrap(), vec![t]);
        }
        for t in EventType::PUBLIC {
            assert!(p(&[t.as_str()]).is_ok(), "{t}");
        }
        for t in EventType::INTERNAL {
            assert!(
                p(&[t.as_str()]).is_err(),
                "{t} is between services, not in the log"
            );
        }
    }

    #[test]
    fn unknown_types_and_odd_wildcards_are_refused() {
        for bad in [
            "deployment.exploded",
            "deploy*",
            "deploy.*",
            "*.succeeded",
            "deployment.**",
            ".*",
            "",
            "deployment_group",
        ] {
            assert!(p(&[bad]).is_err(), "{bad:?} was accepted");
        }
        assert!(p(&[]).is_err());
    }

    #[test]
    fn a_family_matches_its_members_only() {
        assert!(matches("deployment.*", "deployment.started"));
        assert!(!matches("deployment.*", "deployment_group.created"));
        assert!(matches("*", "host.lost"));
        assert!(matches("host.lost", "host.lost"));
        assert!(!matches("host.lost", "host.state_changed"));
    }
}
