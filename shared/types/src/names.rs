//! Validation of user-chosen names and tag selectors.

use std::collections::BTreeMap;

/// Names are `[a-z0-9][a-z0-9-]{0,62}`.
pub fn validate_name(field: &str, value: &str) -> Result<(), String> {
    let bytes = value.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= 63
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{field}: {:?} is not a valid name (1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit)",
            truncate_for_message(value)
        ))
    }
}

/// Tag keys and values: printable, no control or bidi-override characters, bounded length.
pub fn validate_tag(field: &str, key: &str, value: &str) -> Result<(), String> {
    for (what, s, max) in [("key", key, 128usize), ("value", value, 256usize)] {
        if s.is_empty() && what == "key" {
            return Err(format!("{field}: tag key must not be empty"));
        }
        if s.len() > max {
            return Err(format!("{field}: tag {what} longer than {max} bytes"));
        }
        if s.chars().any(is_forbidden_char) {
            return Err(format!(
                "{field}: tag {what} {:?} contains control or bidi-override characters",
                truncate_for_message(s)
            ));
        }
    }
    if key.contains('=') || key.contains(',') {
        return Err(format!(
            "{field}: tag key {key:?} must not contain '=' or ','"
        ));
    }
    Ok(())
}

/// Free text (descriptions, labels): bounded, no control characters except newline and tab.
pub fn validate_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.len() > max {
        return Err(format!("{field}: longer than {max} bytes"));
    }
    if value
        .chars()
        .any(|c| c != '\n' && c != '\t' && is_forbidden_char(c))
    {
        return Err(format!(
            "{field}: contains control or bidi-override characters"
        ));
    }
    Ok(())
}

fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn truncate_for_message(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Parses `k=v` pairs as given on the command line.
pub fn parse_tag_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) => {
            validate_tag("tag", k, v)?;
            Ok((k.to_string(), v.to_string()))
        }
        None => Err(format!("{s:?} is not of the form key=value")),
    }
}

/// A host matches a selector when every selector key is present with one of the listed values
/// (AND across keys, OR within the values of one key), CodeDeploy's tag-set semantics.
pub fn selector_matches(
    selector: &BTreeMap<String, Vec<String>>,
    tags: &BTreeMap<String, String>,
) -> bool {
    selector
        .iter()
        .all(|(k, values)| tags.get(k).is_some_and(|v| values.iter().any(|x| x == v)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_pattern() {
        assert!(validate_name("name", "web-1").is_ok());
        assert!(validate_name("name", "0abc").is_ok());
        assert!(validate_name("name", "").is_err());
        assert!(validate_name("name", "-web").is_err());
        assert!(validate_name("name", "Web").is_err());
        assert!(validate_name("name", &"a".repeat(64)).is_err());
        assert!(validate_name("name", "a\u{0}b").is_err());
    }

    #[test]
    fn tags_reject_control_and_bidi() {
        assert!(validate_tag("tags", "role", "web").is_ok());
        assert!(validate_tag("tags", "role", "w\u{202e}eb").is_err());
        assert!(validate_tag("tags", "ro\nle", "web").is_err());
        assert!(validate_tag("tags", "", "web").is_err());
    }

    #[test]
    fn selector_is_and_across_keys_or_within() {
        let mut sel = BTreeMap::new();
        sel.insert(
            "role".to_string(),
            vec!["web".to_string(), "api".to_string()],
        );
        sel.insert("env".to_string(), vec!["prod".to_string()]);
        let mut tags = BTreeMap::new();
        tags.insert("role".to_string(), "api".to_string());
        tags.insert("env".to_string(), "prod".to_string());
        assert!(selector_matches(&sel, &tags));
        tags.insert("env".to_string(), "dev".to_string());
        assert!(!selector_matches(&sel, &tags));
    }
}
