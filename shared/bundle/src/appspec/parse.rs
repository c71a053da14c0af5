//! YAML text to [`AppSpec`]: top-level keys and `files`; `hooks` and `permissions` have their
//! own modules. Errors carry a line (`line 7: ...`) when the YAML parser or a key search
//! can name one, and always the field path.

use yaml_serde::{Mapping, Value};

use super::hooks::parse_hooks;
use super::permission::{parse_permissions, warn_overlapping_permissions};
use super::{
    AppSpec, AppSpecError, AppSpecOs, FileExistsBehavior, FileMapping, normalize_bundle_relative,
};

const KNOWN_TOP_LEVEL: [&str; 6] = [
    "version",
    "os",
    "files",
    "file_exists_behavior",
    "permissions",
    "hooks",
];

/// Parse state shared by the section parsers: the source text (to name lines) and warnings.
pub(super) struct Ctx<'t> {
    lines: Vec<&'t str>,
    pub(super) warnings: Vec<String>,
}

impl<'t> Ctx<'t> {
    fn new(text: &'t str) -> Ctx<'t> {
        Ctx {
            lines: text.lines().collect(),
            warnings: Vec::new(),
        }
    }

    pub(super) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// 1-based line of the first non-comment line at or after `from` (0-based) that declares
    /// `key:` with an indent that satisfies `top_level`.
    pub(super) fn key_line(&self, key: &str, from: usize, top_level: bool) -> Option<usize> {
        let forms = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ];
        self.lines
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, line)| {
                let trimmed = line.trim_start();
                let indented = trimmed.len() != line.len();
                indented != top_level
                    && !trimmed.starts_with('#')
                    && forms.iter().any(|f| trimmed.starts_with(f.as_str()))
            })
            .map(|(i, _)| i + 1)
    }

    pub(super) fn top_key_line(&self, key: &str) -> Option<usize> {
        self.key_line(key, 0, true)
    }

    /// `line N: ` or nothing, for a message prefix.
    pub(super) fn at_top_key(&self, key: &str) -> String {
        self.top_key_line(key)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default()
    }
}

pub(super) fn parse(text: &str) -> Result<AppSpec, AppSpecError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root: Value = yaml_serde::from_str(text).map_err(|e| yaml_syntax_error(&e))?;
    let map = match root {
        Value::Mapping(map) => map,
        Value::Null => {
            return Err(AppSpecError::invalid(
                "the appspec is empty; it needs at least `version: 0.0` and `os`",
            ));
        }
        other => {
            return Err(AppSpecError::invalid(format!(
                "line 1: the appspec must be a mapping of keys (version, os, files, permissions, hooks), found a {}",
                kind_name(&other)
            )));
        }
    };
    let mut cx = Ctx::new(text);
    reject_non_ec2(&map, &cx)?;

    let version = parse_version(map.get("version"), &mut cx)?;
    let os = parse_os(map.get("os"), &cx)?;
    let files = parse_files(map.get("files"), os, &mut cx)?;
    let file_exists_behavior =
        parse_file_exists_behavior(map.get("file_exists_behavior"), &mut cx)?;
    let permissions = parse_permissions(map.get("permissions"), os, &mut cx)?;
    warn_overlapping_permissions(&permissions, &mut cx);
    let hooks = parse_hooks(map.get("hooks"), os, &mut cx)?;

    for (key, _) in &map {
        let name = key
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{key:?}"));
        if !KNOWN_TOP_LEVEL.contains(&name.as_str()) {
            let at = cx.at_top_key(&name);
            cx.warn(format!(
                "{at}unknown top-level key `{name}` ignored (known keys: {})",
                KNOWN_TOP_LEVEL.join(", ")
            ));
        }
    }
    warn_placeholders(&Value::Mapping(map), &mut cx);

    Ok(AppSpec {
        version,
        os,
        files,
        file_exists_behavior,
        permissions,
        hooks,
        warnings: cx.warnings,
    })
}

fn yaml_syntax_error(err: &yaml_serde::Error) -> AppSpecError {
    let mut message = match err.location() {
        Some(loc) => format!("line {}: YAML syntax error: {err}", loc.line()),
        None => format!("YAML syntax error: {err}"),
    };
    if err.to_string().contains("alias") {
        message.push_str(
            " (an unquoted value starting with `*`, such as `pattern: *.sh`, is read as a YAML alias; quote it: `pattern: \"*.sh\"`)",
        );
    }
    AppSpecError::invalid(message)
}

/// ECS, Lambda and CloudFormation/SAM files share the appspec name but not the format.
fn reject_non_ec2(map: &Mapping, cx: &Ctx<'_>) -> Result<(), AppSpecError> {
    let root = Value::Mapping(map.clone());
    let unsupported = |msg: String| Err(AppSpecError::new(AppSpecError::UNSUPPORTED, msg));
    for key in ["AWSTemplateFormatVersion", "Transform"] {
        if map.contains_key(key) {
            return unsupported(format!(
                "{}`{key}`: this is a CloudFormation/SAM template, not an EC2/On-Premises appspec",
                cx.at_top_key(key)
            ));
        }
    }
    let resources_key = ["Resources", "resources"]
        .into_iter()
        .find(|k| map.contains_key(*k));
    if let Some(key) = resources_key {
        let flavor = if contains_text(&root, "AWS::Lambda::Function") {
            "a Lambda appspec (`Resources` with AWS::Lambda::Function)"
        } else if contains_text(&root, "AWS::ECS::Service") || contains_text(&root, "TargetService")
        {
            "an ECS appspec (`Resources` with TargetService / AWS::ECS::Service)"
        } else {
            "an ECS/Lambda appspec (`Resources`)"
        };
        let at = cx.at_top_key(key);
        if map.contains_key("os") || map.contains_key("files") {
            return unsupported(format!(
                "{at}`{key}`: this file mixes EC2/On-Premises sections (os, files) with {flavor}; only EC2/On-Premises appspecs are supported, remove the `{key}` section"
            ));
        }
        return unsupported(format!(
            "{at}`{key}`: this is {flavor}, not an EC2/On-Premises appspec (it has no `os`); only EC2/On-Premises deployments are supported"
        ));
    }
    if map.contains_key("Hooks") {
        return unsupported(format!(
            "{}`Hooks`: a capitalised `Hooks` list of Lambda functions belongs to ECS/Lambda appspecs; EC2/On-Premises appspecs use `hooks` with script locations",
            cx.at_top_key("Hooks")
        ));
    }
    Ok(())
}

fn contains_text(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s == needle,
        Value::Sequence(items) => items.iter().any(|i| contains_text(i, needle)),
        Value::Mapping(m) => m
            .iter()
            .any(|(k, v)| contains_text(k, needle) || contains_text(v, needle)),
        Value::Tagged(t) => contains_text(&t.value, needle),
        _ => false,
    }
}

fn parse_version(v: Option<&Value>, cx: &mut Ctx<'_>) -> Result<String, AppSpecError> {
    let at = cx.at_top_key("version");
    match v {
        None | Some(Value::Null) => Err(AppSpecError::invalid(
            "version: missing; an appspec declares `version: 0.0`",
        )),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok("0.0".to_string()),
        Some(Value::String(s)) if s.trim() == "0.0" => {
            cx.warn(format!(
                "{at}version: quoted \"0.0\"; CodeDeploy expects the number `version: 0.0`"
            ));
            Ok("0.0".to_string())
        }
        Some(other) => Err(AppSpecError::invalid(format!(
            "{at}version: unsupported value {}; the only appspec version is 0.0",
            short(other)
        ))),
    }
}

fn parse_os(v: Option<&Value>, cx: &Ctx<'_>) -> Result<AppSpecOs, AppSpecError> {
    match v.and_then(Value::as_str) {
        Some("linux") => Ok(AppSpecOs::Linux),
        Some("windows") => Ok(AppSpecOs::Windows),
        _ if v.is_none() || v == Some(&Value::Null) => Err(AppSpecError::invalid(
            "os: missing; an EC2/On-Premises appspec declares `os: linux` or `os: windows`",
        )),
        _ => Err(AppSpecError::invalid(format!(
            "{}os: unsupported value {}; must be `linux` or `windows`",
            cx.at_top_key("os"),
            v.map(short).unwrap_or_default()
        ))),
    }
}

fn parse_file_exists_behavior(
    v: Option<&Value>,
    cx: &mut Ctx<'_>,
) -> Result<Option<FileExistsBehavior>, AppSpecError> {
    let Some(v) = v else { return Ok(None) };
    let at = cx.at_top_key("file_exists_behavior");
    let text = v.as_str().unwrap_or_default();
    if let Some(b) = FileExistsBehavior::parse(text) {
        return Ok(Some(b));
    }
    if let Some(b) = FileExistsBehavior::parse(&text.to_ascii_uppercase()) {
        cx.warn(format!(
            "{at}file_exists_behavior: `{text}` read as `{}`; CodeDeploy spells it in capitals",
            b.as_str()
        ));
        return Ok(Some(b));
    }
    Err(AppSpecError::invalid(format!(
        "{at}file_exists_behavior: {} is not one of DISALLOW, OVERWRITE, RETAIN",
        short(v)
    )))
}

fn parse_files(
    v: Option<&Value>,
    os: AppSpecOs,
    cx: &mut Ctx<'_>,
) -> Result<Vec<FileMapping>, AppSpecError> {
    let items = match v {
        None => return Ok(Vec::new()),
        Some(Value::Null) => {
            let at = cx.at_top_key("files");
            cx.warn(format!(
                "{at}files: empty section; nothing will be installed"
            ));
            return Ok(Vec::new());
        }
        Some(Value::Sequence(items)) => items,
        Some(other) => {
            return Err(AppSpecError::invalid(format!(
                "{}files: must be a list of {{source, destination}}, found a {}",
                cx.at_top_key("files"),
                kind_name(other)
            )));
        }
    };
    let mut files = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("files[{i}]");
        let map = as_mapping(item, &path, "{source, destination}")?;
        let source_raw = required_string(map, "source", &path)?;
        let destination_raw = required_string(map, "destination", &path)?;
        let source = normalize_bundle_relative(source_raw.trim()).ok_or_else(|| {
            AppSpecError::invalid(format!(
                "{path}.source: `{source_raw}` leaves the bundle (`..`); sources are relative to the bundle root"
            ))
        })?;
        let destination = match os {
            AppSpecOs::Linux => normalize_absolute(destination_raw.trim()).ok_or_else(|| {
                AppSpecError::invalid(format!(
                    "{path}.destination: `{destination_raw}` must be an absolute path"
                ))
            })?,
            AppSpecOs::Windows => destination_raw.trim().to_string(),
        };
        if destination.is_empty() {
            return Err(AppSpecError::invalid(format!(
                "{path}.destination: must not be empty"
            )));
        }
        for (key, _) in map {
            match key.as_str() {
                Some("source" | "destination") => {}
                Some("mode") => cx.warn(format!(
                    "{path}.mode: unknown key `files[].mode` ignored (CodeDeploy ignores it); set modes in `permissions`"
                )),
                Some("overwrite") => cx.warn(format!(
                    "{path}.overwrite: unknown key `files[].overwrite` ignored (CodeDeploy ignores it); use the top-level `file_exists_behavior: OVERWRITE`"
                )),
                _ => cx.warn(format!(
                    "{path}: unknown key `files[].{}` ignored",
                    key_text(key)
                )),
            }
        }
        warn_file_like_destination(&path, &source, &destination, os, cx);
        files.push(FileMapping {
            source,
            destination,
        });
    }
    Ok(files)
}

/// CodeDeploy treats every destination as a directory: `boot.sh` to `/var/x/boot.sh` installs
/// `/var/x/boot.sh/boot.sh`.
fn warn_file_like_destination(
    path: &str,
    source: &str,
    destination: &str,
    os: AppSpecOs,
    cx: &mut Ctx<'_>,
) {
    let sep: &[char] = if os == AppSpecOs::Windows {
        &['/', '\\']
    } else {
        &['/']
    };
    let source_name = source.rsplit('/').next().unwrap_or_default();
    let dest_name = destination.rsplit(sep).next().unwrap_or_default();
    let extension = |name: &str| {
        name.rfind('.')
            .filter(|i| *i > 0)
            .map(|i| name[i + 1..].to_string())
    };
    let Some(source_ext) = extension(source_name) else {
        return;
    };
    if source_name == dest_name || extension(dest_name).as_deref() == Some(source_ext.as_str()) {
        let joiner = if os == AppSpecOs::Windows { "\\" } else { "/" };
        cx.warn(format!(
            "{path}.destination: destination looks like a file path (`{destination}`), but a destination is always a directory: `{source_name}` will be installed as {destination}{joiner}{source_name}"
        ));
    }
}

/// Lexical normalization of an absolute path, like Ruby's `File.expand_path`: `.` dropped, `..`
/// pops (never above `/`), no trailing slash. `None` for relative paths.
pub(crate) fn normalize_absolute(raw: &str) -> Option<String> {
    if !raw.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn warn_placeholders(v: &Value, cx: &mut Ctx<'_>) {
    let mut found = Vec::new();
    collect_placeholders(v, &mut found);
    found.dedup();
    for s in found.into_iter().take(3) {
        cx.warn(format!(
            "`{s}` looks like an unrendered template placeholder"
        ));
    }
}

fn collect_placeholders(v: &Value, found: &mut Vec<String>) {
    match v {
        Value::String(s) if s.contains("${") || s.contains("{{") => found.push(s.clone()),
        Value::Sequence(items) => items.iter().for_each(|i| collect_placeholders(i, found)),
        Value::Mapping(m) => m.iter().for_each(|(_, v)| collect_placeholders(v, found)),
        _ => {}
    }
}

pub(super) fn as_mapping<'v>(
    v: &'v Value,
    path: &str,
    expected: &str,
) -> Result<&'v Mapping, AppSpecError> {
    v.as_mapping().ok_or_else(|| {
        AppSpecError::invalid(format!(
            "{path}: must be a mapping {expected}, found a {}",
            kind_name(v)
        ))
    })
}

pub(super) fn required_string(
    map: &Mapping,
    key: &str,
    path: &str,
) -> Result<String, AppSpecError> {
    match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        None | Some(Value::Null) => Err(AppSpecError::invalid(format!("{path}.{key}: missing"))),
        Some(other) => Err(AppSpecError::invalid(format!(
            "{path}.{key}: must be a non-empty string, found {}",
            short(other)
        ))),
    }
}

pub(super) fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => short(other),
    }
}

pub(super) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "list",
        Value::Mapping(_) => "mapping",
        Value::Tagged(_) => "tagged value",
    }
}

/// A short rendering of a value for messages.
pub(super) fn short(v: &Value) -> String {
    let text = match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("`{s}`"),
        other => format!("a {}", kind_name(other)),
    };
    text.chars().take(120).collect()
}
