//! The `permissions` section: parsing and validation of objects, patterns, modes, ACLs and
//! SELinux contexts, with the rules of CodeDeploy's agent (`linux_permission_info.rb`,
//! `ace_info.rb`, `range_info.rb`).

use yaml_serde::Value;

use super::AppSpecError;
use super::AppSpecOs;
use super::acl::{parse_ace, validate_range};
use super::glob::matches_simple_glob;
use super::hooks::is_plausible_user_name;
use super::parse::{Ctx, as_mapping, key_text, kind_name, normalize_absolute, short};

/// Which kind of object a permission applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectType {
    File,
    Directory,
}

/// A `mode` as written (`"0755"`, `755`) and its bits, read as octal the way CodeDeploy does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileMode {
    pub text: String,
    pub bits: u32,
}

impl FileMode {
    /// CodeDeploy's `ModeInfo`: up to four octal digits (a fourth, leading digit carries the
    /// setuid/setgid/sticky bits).
    pub fn parse(text: &str) -> Option<FileMode> {
        let text = text.trim();
        if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        let bits = u32::from_str_radix(text, 8).ok()?;
        Some(FileMode {
            text: text.to_string(),
            bits,
        })
    }
}

/// An SELinux file context (`semanage fcontext` user, type and range).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeLinuxContext {
    pub name: Option<String>,
    pub context_type: String,
    pub range: Option<String>,
}

/// One `permissions` entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Permission {
    /// Absolute, lexically normalized path of a file or directory on the host.
    pub object: String,
    /// `**` (everything below `object`, any depth) or a simple glob for direct children.
    pub pattern: String,
    pub except: Vec<String>,
    /// `type`; both when the appspec names none.
    pub types: Vec<ObjectType>,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<FileMode>,
    /// ACL entries as written, each validated (`u:alice:rw-`, `d:g:ops:r-x`).
    pub acls: Vec<String>,
    pub context: Option<SeLinuxContext>,
}

impl Permission {
    pub fn applies_to(&self, kind: ObjectType) -> bool {
        self.types.contains(&kind)
    }

    /// Whether `path` (absolute, normalized) is selected when `object` is a directory: it lies
    /// strictly below `object`, matches `pattern` and no `except` glob.
    pub fn selects(&self, path: &str) -> bool {
        let base = if self.object == "/" {
            "/".to_string()
        } else {
            format!("{}/", self.object)
        };
        let Some(rel) = path.strip_prefix(&base).filter(|r| !r.is_empty()) else {
            return false;
        };
        let rel = rel.trim_end_matches('/');
        let matched = self.pattern == "**" || matches_simple_glob(rel, &self.pattern);
        matched && !self.except.iter().any(|e| matches_simple_glob(rel, e))
    }
}

pub(super) fn parse_permissions(
    v: Option<&Value>,
    os: AppSpecOs,
    cx: &mut Ctx<'_>,
) -> Result<Vec<Permission>, AppSpecError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Sequence(items)) => items,
        Some(other) => {
            return Err(AppSpecError::invalid(format!(
                "permissions: must be a list, found a {}",
                kind_name(other)
            )));
        }
    };
    if os == AppSpecOs::Windows && !items.is_empty() {
        return Err(AppSpecError::invalid(
            "permissions: permissions are supported only for linux appspecs; remove the section from this windows appspec",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_permission(item, &format!("permissions[{i}]"), cx))
        .collect()
}

fn parse_permission(
    item: &Value,
    path: &str,
    cx: &mut Ctx<'_>,
) -> Result<Permission, AppSpecError> {
    let map = as_mapping(item, path, "{object, pattern, owner, group, mode, ...}")?;
    let invalid =
        |field: &str, msg: String| AppSpecError::invalid(format!("{path}.{field}: {msg}"));
    let string = |field: &str| -> Result<Option<String>, AppSpecError> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(invalid(
                field,
                format!("must be a string, found {}", short(other)),
            )),
        }
    };
    let object_raw = string("object")?
        .filter(|o| !o.is_empty())
        .ok_or_else(|| invalid("object", "missing; a permission needs an object".into()))?;
    let object = normalize_absolute(&object_raw)
        .ok_or_else(|| invalid("object", format!("`{object_raw}` must be an absolute path")))?;

    let pattern = string("pattern")?.unwrap_or_else(|| "**".to_string());
    if pattern != "**" && pattern.contains('/') {
        cx.warn(format!(
            "{path}.pattern: pattern `{pattern}` can never match: CodeDeploy patterns match a single path segment and only a bare \"**\" recurses"
        ));
    }
    let except = string_list(map.get("except"), &format!("{path}.except"), cx)?;
    for e in except.iter().filter(|e| e.contains('/')) {
        cx.warn(format!(
            "{path}.except: `{e}` can never match: except globs match a single path segment"
        ));
    }
    let types = match map.get("type") {
        None | Some(Value::Null) => vec![ObjectType::File, ObjectType::Directory],
        Some(v) => string_list(Some(v), &format!("{path}.type"), cx)?
            .iter()
            .map(|t| match t.as_str() {
                "file" => Ok(ObjectType::File),
                "directory" => Ok(ObjectType::Directory),
                other => Err(invalid(
                    "type",
                    format!("`{other}` is not `file` or `directory`"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let owner = string("owner")?;
    let group = string("group")?;
    for (field, name) in [("owner", &owner), ("group", &group)] {
        if let Some(n) = name.as_deref().filter(|n| !is_plausible_user_name(n)) {
            return Err(invalid(field, format!("`{n}` is not a valid name")));
        }
    }
    let mode = match map.get("mode") {
        None | Some(Value::Null) => None,
        Some(v @ (Value::String(_) | Value::Number(_))) => {
            let text = match v {
                Value::String(s) => s.clone(),
                other => short(other),
            };
            let mode = FileMode::parse(&text).ok_or_else(|| {
                invalid("mode", format!("`{text}` is not an octal mode (up to four digits 0-7, e.g. 755 or \"0644\")"))
            })?;
            if mode.bits & 0o7000 != 0 {
                cx.warn(format!(
                    "{path}.mode: `{text}` sets setuid/setgid/sticky bits"
                ));
            }
            Some(mode)
        }
        Some(other) => {
            return Err(invalid(
                "mode",
                format!("must be an octal mode, found {}", short(other)),
            ));
        }
    };
    let acls = match map.get("acls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|v| {
                let ace = v.as_str().ok_or_else(|| {
                    invalid(
                        "acls",
                        format!(
                            "entries must be strings like `u:alice:rw-`, found {}",
                            short(v)
                        ),
                    )
                })?;
                parse_ace(ace, false).map_err(|m| invalid("acls", m))?;
                Ok(ace.to_string())
            })
            .collect::<Result<Vec<_>, AppSpecError>>()?,
        Some(other) => {
            // Say everything wrong at once: the shape, and any entry the agent would also refuse.
            let nested_problems: Vec<String> = other
                .get("entries")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str().and_then(|ace| parse_ace(ace, false).err()))
                .collect();
            let hint = if other.is_mapping() {
                " (write the entries directly under `acls:`, not under `entries:`)"
            } else {
                ""
            };
            let mut message = format!(
                "acls must be a list of ACE strings (e.g. [\"u:alice:rw-\", \"d:g:ops:r-x\"]), found a {}{hint}",
                kind_name(other)
            );
            if !nested_problems.is_empty() {
                message.push_str(&format!("; also {}", nested_problems.join("; ")));
            }
            return Err(invalid("acls", message));
        }
    };
    let context = match map.get("context") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_context(v, &format!("{path}.context"), cx)?),
    };
    for (key, _) in map {
        let name = key_text(key);
        let known = [
            "object", "pattern", "except", "type", "owner", "group", "mode", "acls", "context",
        ];
        if !known.contains(&name.as_str()) {
            cx.warn(format!("{path}.{name}: unknown key ignored"));
        }
    }
    Ok(Permission {
        object,
        pattern,
        except,
        types,
        owner,
        group,
        mode,
        acls,
        context,
    })
}

/// A list of strings; a lone string is accepted as a one-item list, with a warning.
fn string_list(
    v: Option<&Value>,
    path: &str,
    cx: &mut Ctx<'_>,
) -> Result<Vec<String>, AppSpecError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => {
            cx.warn(format!(
                "{path}: a single value `{s}` read as a one-item list; write it as a list"
            ));
            Ok(vec![s.clone()])
        }
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    AppSpecError::invalid(format!(
                        "{path}: items must be strings, found {}",
                        short(i)
                    ))
                })
            })
            .collect(),
        Some(other) => Err(AppSpecError::invalid(format!(
            "{path}: must be a list of strings, found a {}",
            kind_name(other)
        ))),
    }
}

fn parse_context(v: &Value, path: &str, cx: &mut Ctx<'_>) -> Result<SeLinuxContext, AppSpecError> {
    let map = as_mapping(v, path, "{name, type, range}")?;
    let field = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
    };
    if map.get("role").is_some_and(|r| !r.is_null()) {
        return Err(AppSpecError::invalid(format!(
            "{path}.role: SELinux roles are not supported"
        )));
    }
    let context_type = field("type").filter(|t| !t.is_empty()).ok_or_else(|| {
        AppSpecError::invalid(format!(
            "{path}.type: missing; a context needs an SELinux type"
        ))
    })?;
    let range = field("range");
    if let Some(r) = &range {
        validate_range(r).map_err(|m| AppSpecError::invalid(format!("{path}.range: {m}")))?;
    }
    for (key, _) in map {
        let name = key_text(key);
        if !matches!(name.as_str(), "name" | "type" | "range" | "role") {
            cx.warn(format!(
                "{path}.{name}: unknown key ignored (the SELinux user is `name`)"
            ));
        }
    }
    Ok(SeLinuxContext {
        name: field("name"),
        context_type,
        range,
    })
}

/// Two `**` permissions whose objects nest and whose types overlap select the same objects; the
/// agent then fails at install time ("permissions setting ... specified more than once").
pub(super) fn warn_overlapping_permissions(perms: &[Permission], cx: &mut Ctx<'_>) {
    for (i, a) in perms.iter().enumerate() {
        for (j, b) in perms.iter().enumerate().skip(i + 1) {
            let nested = a.object == b.object
                || b.object
                    .starts_with(&format!("{}/", a.object.trim_end_matches('/')))
                || a.object
                    .starts_with(&format!("{}/", b.object.trim_end_matches('/')));
            let same_pattern =
                a.pattern == b.pattern && (a.pattern == "**" || a.object == b.object);
            let shared: Vec<&str> = [
                (ObjectType::File, "files"),
                (ObjectType::Directory, "directories"),
            ]
            .iter()
            .filter(|(t, _)| a.applies_to(*t) && b.applies_to(*t))
            .map(|(_, n)| *n)
            .collect();
            if nested && same_pattern && !shared.is_empty() {
                cx.warn(format!(
                    "permissions[{i}] and permissions[{j}] both select the {} created under {} (pattern `{}`); the install fails with \"permissions setting ... specified more than once\" for any object they both match",
                    shared.join(" and "),
                    if a.object.len() >= b.object.len() { &a.object } else { &b.object },
                    a.pattern
                ));
            }
        }
    }
}
