//! CodeDeploy's "simple glob" for `permissions[].pattern` and `except`: `*` matches any run of
//! characters, everything else (including `?` and `[`) is literal, and a name that contains a
//! `/` never matches. Only a bare `**` pattern recurses; that case is handled by the caller.

/// True when `name` (one path segment, relative to the permission's object) matches `pattern`.
pub fn matches_simple_glob(name: &str, pattern: &str) -> bool {
    if name.contains('/') {
        return false;
    }
    let name: Vec<char> = name.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    // Classic wildcard matching with a single backtrack point: linear in practice, never
    // exponential however many stars the pattern holds.
    let (mut n, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if p < pattern.len() && pattern[p] == name[n] {
            p += 1;
            n += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches_simple_glob;

    #[test]
    fn star_matches_within_one_segment() {
        assert!(matches_simple_glob("start.sh", "*.sh"));
        assert!(matches_simple_glob(".sh", "*.sh"));
        assert!(!matches_simple_glob("start.sh.bak", "*.sh"));
        assert!(matches_simple_glob("gunicorn.service", "gunicorn.service"));
        assert!(matches_simple_glob("abc", "a*b*c"));
        assert!(matches_simple_glob("aXbYc", "a*b*c"));
        assert!(!matches_simple_glob("acb", "a*b*c"));
        assert!(matches_simple_glob("anything", "*"));
        assert!(matches_simple_glob("", "*"));
    }

    #[test]
    fn names_with_a_slash_never_match() {
        assert!(!matches_simple_glob("lib/x.py", "**/*.py"));
        assert!(!matches_simple_glob("lib/x.py", "*"));
        assert!(!matches_simple_glob("x.py", "**/*.py"));
    }

    #[test]
    fn question_mark_and_brackets_are_literal() {
        assert!(!matches_simple_glob("a", "?"));
        assert!(matches_simple_glob("?", "?"));
        assert!(!matches_simple_glob("a", "[a]"));
    }

    #[test]
    fn many_stars_do_not_blow_up() {
        let name = "a".repeat(2000);
        let pattern = format!("{}b", "*a".repeat(500));
        assert!(!matches_simple_glob(&name, &pattern));
    }
}
