//! The rules for entry names and symlink targets, shared by every archive format. All checks are
//! lexical: nothing here touches the file system.

/// Longest entry name or link target accepted (PATH_MAX).
pub(crate) const MAX_NAME_BYTES: usize = 4096;
/// Longest single component (NAME_MAX).
const MAX_COMPONENT_BYTES: usize = 255;

/// Splits a raw entry name into its normal components (`./a//b/` → `["a", "b"]`), refusing
/// anything that could land outside the destination or be read differently elsewhere.
/// An empty result names the destination root itself.
pub(crate) fn entry_components(raw: &[u8]) -> Result<Vec<String>, String> {
    let text = checked_text(raw)?;
    if text.starts_with('/') {
        return Err("absolute path".to_string());
    }
    let mut components = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("`..` component".to_string()),
            other => {
                check_component(other)?;
                components.push(other.to_string());
            }
        }
    }
    Ok(components)
}

/// Resolves a symlink target lexically from the link's parent directory. Every step is passed
/// to `on_step` (the path walked so far) so the caller can refuse chains through other links.
/// Errors when the target is empty, absolute, or climbs above the destination root.
pub(crate) fn walk_link_target(
    parent: &[String],
    raw_target: &[u8],
    mut on_step: impl FnMut(&[String]) -> Result<(), String>,
) -> Result<Vec<String>, String> {
    if raw_target.is_empty() {
        return Err("empty symlink target".to_string());
    }
    let text = checked_text(raw_target)?;
    if text.starts_with('/') {
        return Err(format!("absolute symlink target `{text}`"));
    }
    let mut walked: Vec<String> = parent.to_vec();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if walked.pop().is_none() {
                    return Err(format!("symlink target `{text}` points outside the bundle"));
                }
            }
            other => {
                check_component(other)?;
                walked.push(other.to_string());
                on_step(&walked)?;
            }
        }
    }
    Ok(walked)
}

/// UTF-8, no NUL or control characters, no backslash, no Windows drive, bounded length.
fn checked_text(raw: &[u8]) -> Result<&str, String> {
    if raw.len() > MAX_NAME_BYTES {
        return Err(format!("longer than {MAX_NAME_BYTES} bytes"));
    }
    if raw.contains(&0) {
        return Err("contains a NUL byte".to_string());
    }
    let text = std::str::from_utf8(raw).map_err(|_| "not valid UTF-8".to_string())?;
    if text.chars().any(char::is_control) {
        return Err("contains a control character".to_string());
    }
    if text.contains('\\') {
        return Err("contains a backslash (a Windows path separator)".to_string());
    }
    let bytes = text.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err("Windows drive path".to_string());
    }
    Ok(text)
}

fn check_component(part: &str) -> Result<(), String> {
    if part.len() > MAX_COMPONENT_BYTES {
        return Err(format!(
            "a path component is longer than {MAX_COMPONENT_BYTES} bytes"
        ));
    }
    Ok(())
}

/// A name for messages: lossy, escaped, bounded.
pub(crate) fn display_name(raw: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(raw).chars().take(200).collect();
    format!("{text:?}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(name: &str) -> Vec<String> {
        entry_components(name.as_bytes()).unwrap()
    }

    #[test]
    fn normal_names_are_split_into_components() {
        assert_eq!(ok("a/b/c.txt"), ["a", "b", "c.txt"]);
        assert_eq!(ok("./a//b/"), ["a", "b"]);
        assert!(ok("./").is_empty());
        assert_eq!(ok("dir.with:colon/x"), ["dir.with:colon", "x"]);
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in [
            "../x",
            "a/../../x",
            "a/../b",
            "/etc/x",
            "C:\\x",
            "C:/x",
            "c:x",
            "\\x",
            "a\\b",
            "a\0b",
            "a\nb",
        ] {
            assert!(
                entry_components(bad.as_bytes()).is_err(),
                "{bad:?} accepted"
            );
        }
        assert!(entry_components(&[b'a', 0xff, b'b']).is_err());
        assert!(entry_components("a/".repeat(2100).as_bytes()).is_err());
        assert!(entry_components("x".repeat(256).as_bytes()).is_err());
    }

    #[test]
    fn link_targets_resolve_from_the_link_parent() {
        let parent = vec!["a".to_string(), "b".to_string()];
        let walk = |t: &str| walk_link_target(&parent, t.as_bytes(), |_| Ok(()));
        assert_eq!(walk("../c").unwrap(), ["a", "c"]);
        assert_eq!(walk("../../c").unwrap(), ["c"]);
        assert!(walk("../..").unwrap().is_empty());
        assert!(walk("../../../etc").is_err());
        assert!(walk("/etc").is_err());
        assert!(walk("").is_err());
        assert!(walk("C:\\Windows").is_err());
    }

    #[test]
    fn link_walk_reports_every_step() {
        let mut steps = Vec::new();
        walk_link_target(&[], b"x/../y/z", |s| {
            steps.push(s.join("/"));
            Ok(())
        })
        .unwrap();
        assert_eq!(steps, ["x", "y", "y/z"]);
    }
}
