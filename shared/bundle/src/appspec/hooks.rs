//! The `hooks` section: lifecycle events, their scripts, timeouts and `runas`.

use std::collections::BTreeMap;

use yaml_serde::Value;

use super::parse::{Ctx, as_mapping, key_text, kind_name, required_string, short};
use super::{
    AppSpecError, AppSpecOs, DEFAULT_HOOK_TIMEOUT_SECS, EVENT_TIMEOUT_CAP_SECS, HookScript,
    LifecycleEvent, normalize_bundle_relative,
};

pub(super) fn parse_hooks(
    v: Option<&Value>,
    os: AppSpecOs,
    cx: &mut Ctx<'_>,
) -> Result<BTreeMap<LifecycleEvent, Vec<HookScript>>, AppSpecError> {
    let mut hooks = BTreeMap::new();
    let map = match v {
        None => return Ok(hooks),
        Some(Value::Null) => {
            let at = cx.at_top_key("hooks");
            cx.warn(format!("{at}hooks: empty section; no scripts will run"));
            return Ok(hooks);
        }
        Some(Value::Mapping(map)) => map,
        Some(other) => {
            return Err(AppSpecError::invalid(format!(
                "{}hooks: must be a mapping of lifecycle event to scripts, found a {}",
                cx.at_top_key("hooks"),
                kind_name(other)
            )));
        }
    };
    let hooks_line = cx.top_key_line("hooks").unwrap_or(0);
    let event_line = |cx: &Ctx<'_>, name: &str| cx.key_line(name, hooks_line, false);

    let mut unknown = Vec::new();
    for (key, _) in map {
        let name = key_text(key);
        match LifecycleEvent::parse(&name) {
            Some(e) if e.is_scriptable() => {}
            Some(e) => {
                return Err(AppSpecError::invalid(format!(
                    "{}hooks.{e}: `{e}` is run by the agent itself and cannot have scripts",
                    event_line(cx, &name)
                        .map(|l| format!("line {l}: "))
                        .unwrap_or_default()
                )));
            }
            None => unknown.push((name.clone(), event_line(cx, &name))),
        }
    }
    if let Some((_, first_line)) = unknown.first() {
        let list: Vec<String> = unknown
            .iter()
            .map(|(name, line)| match line {
                Some(l) => format!("`{name}` (line {l})"),
                None => format!("`{name}`"),
            })
            .collect();
        let plural = if unknown.len() > 1 { "s" } else { "" };
        return Err(AppSpecError::invalid(format!(
            "{}hooks: unknown lifecycle event{plural} {}; valid events are {}",
            first_line
                .map(|l| format!("line {l}: "))
                .unwrap_or_default(),
            list.join(", "),
            LifecycleEvent::scriptable_names().join(", ")
        )));
    }

    let mut runas_ignored = 0usize;
    for (key, value) in map {
        let name = key_text(key);
        let Some(event) = LifecycleEvent::parse(&name) else {
            continue;
        };
        let path = format!("hooks.{name}");
        let items = match value {
            Value::Null => {
                let at = event_line(cx, &name)
                    .map(|l| format!("line {l}: "))
                    .unwrap_or_default();
                cx.warn(format!(
                    "{at}{path}: null hook means no scripts; it is ignored (agents before 1.8 crashed on it, aws-codedeploy-agent#125)"
                ));
                continue;
            }
            Value::Sequence(items) => items,
            other => {
                return Err(AppSpecError::invalid(format!(
                    "{path}: must be a list of {{location, timeout, runas}}, found a {}",
                    kind_name(other)
                )));
            }
        };
        let mut scripts = Vec::with_capacity(items.len());
        let mut explicit_total = 0u64;
        for (i, item) in items.iter().enumerate() {
            let (script, explicit) = parse_script(item, &format!("{path}[{i}]"), os, cx)?;
            explicit_total = explicit_total.saturating_add(explicit.unwrap_or(0));
            if os == AppSpecOs::Windows && script.runas.is_some() {
                runas_ignored += 1;
            }
            scripts.push(script);
        }
        // Scripts without a timeout default to 3600 s each, and CodeDeploy accepts several of
        // them in one event: the event cap bounds them at run time. Only written timeouts are
        // summed here, as the agent's documentation describes.
        if explicit_total > EVENT_TIMEOUT_CAP_SECS {
            return Err(AppSpecError::invalid(format!(
                "{path}: script timeouts sum to {explicit_total} s; the scripts of one lifecycle event may take at most {EVENT_TIMEOUT_CAP_SECS} s in total"
            )));
        }
        if !scripts.is_empty() {
            hooks.insert(event, scripts);
        }
    }
    if runas_ignored > 0 {
        cx.warn(format!(
            "hooks: runas is ignored on windows ({runas_ignored} script{}); scripts run as the agent's user",
            if runas_ignored > 1 { "s" } else { "" }
        ));
    }
    Ok(hooks)
}

/// One hook script and its timeout as written (`None` when defaulted).
fn parse_script(
    item: &Value,
    path: &str,
    os: AppSpecOs,
    cx: &mut Ctx<'_>,
) -> Result<(HookScript, Option<u64>), AppSpecError> {
    let map = as_mapping(item, path, "{location, timeout, runas}")?;
    let raw = required_string(map, "location", path)?;
    let location = normalize_bundle_relative(raw.trim()).ok_or_else(|| {
        AppSpecError::invalid(format!(
            "{path}.location: `{raw}` is outside the bundle (`..`); hook locations are relative to the bundle root"
        ))
    })?;
    if location.is_empty() {
        return Err(AppSpecError::invalid(format!(
            "{path}.location: `{raw}` names the bundle root, not a script"
        )));
    }
    let timeout = match map.get("timeout") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(t) if t > 0 => Some(t),
            _ => {
                return Err(AppSpecError::invalid(format!(
                    "{path}.timeout: {n} is not a positive whole number of seconds"
                )));
            }
        },
        Some(Value::String(s)) if s.trim().parse::<u64>().is_ok_and(|t| t > 0) => {
            cx.warn(format!(
                "{path}.timeout: quoted \"{s}\" read as a number of seconds"
            ));
            s.trim().parse::<u64>().ok()
        }
        Some(other) => {
            return Err(AppSpecError::invalid(format!(
                "{path}.timeout: {} is not a positive whole number of seconds",
                short(other)
            )));
        }
    };
    if let Some(t) = timeout.filter(|t| *t > EVENT_TIMEOUT_CAP_SECS) {
        return Err(AppSpecError::invalid(format!(
            "{path}.timeout: {t} s is more than the {EVENT_TIMEOUT_CAP_SECS} s a lifecycle event may take"
        )));
    }
    let runas = match map.get("runas") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(other) => {
            return Err(AppSpecError::invalid(format!(
                "{path}.runas: must be a user name, found {}",
                short(other)
            )));
        }
    };
    if let Some(user) = runas
        .as_deref()
        .filter(|u| os == AppSpecOs::Linux && !is_plausible_user_name(u))
    {
        return Err(AppSpecError::invalid(format!(
            "{path}.runas: `{user}` is not a valid user name (letters, digits, `.`, `_`, `-`; not starting with `-`)"
        )));
    }
    for (key, _) in map {
        let name = key_text(key);
        if !matches!(name.as_str(), "location" | "timeout" | "runas") {
            cx.warn(format!("{path}.{name}: unknown key ignored"));
        }
    }
    let script = HookScript {
        location,
        timeout_secs: timeout.unwrap_or(DEFAULT_HOOK_TIMEOUT_SECS),
        runas,
    };
    Ok((script, timeout))
}

pub(super) fn is_plausible_user_name(name: &str) -> bool {
    let body = name.strip_suffix('$').unwrap_or(name);
    !body.is_empty()
        && name.len() <= 256
        && !body.starts_with('-')
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
