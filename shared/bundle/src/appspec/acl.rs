//! ACL entries and SELinux ranges, validated with the rules of CodeDeploy's agent
//! (`ace_info.rb`, `range_info.rb`).

/// One parsed ACL entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ace {
    pub default: bool,
    /// "user", "group", "mask" or "other".
    pub kind: &'static str,
    pub name: String,
    pub perms: [bool; 3],
}

impl Ace {
    /// `[default:]kind:name:rwx`, the form `setfacl` takes.
    pub fn render(&self) -> String {
        let flags: String = ['r', 'w', 'x']
            .iter()
            .zip(self.perms)
            .map(|(c, on)| if on { *c } else { '-' })
            .collect();
        let default = if self.default { "default:" } else { "" };
        format!("{default}{}:{}:{flags}", self.kind, self.name)
    }
}

/// CodeDeploy's `AceInfo` rules. `internal` allows base entries (the agent adds them itself).
pub(crate) fn parse_ace(ace: &str, internal: bool) -> Result<Ace, String> {
    let invalid = || format!("invalid acl entry `{ace}`");
    let parts: Vec<&str> = ace.split(':').rev().collect();
    if !(2..=4).contains(&parts.len()) {
        return Err(invalid());
    }
    let mut default = false;
    let mut kind: Option<&'static str> = None;
    let mut name = String::new();
    if parts.len() == 4 {
        if !matches!(parts[3], "d" | "default") {
            return Err(invalid());
        }
        default = true;
    }
    if parts.len() >= 3 {
        match parts[2] {
            "d" | "default" if !default => default = true,
            "m" | "mask" => kind = Some("mask"),
            "o" | "other" => kind = Some("other"),
            "g" | "group" => kind = Some("group"),
            "u" | "user" => kind = Some("user"),
            _ => return Err(invalid()),
        }
    }
    match (parts[1], kind) {
        ("m" | "mask", None) => kind = Some("mask"),
        ("o" | "other", None) => kind = Some("other"),
        (other, None) => {
            kind = Some("user");
            name = other.to_string();
        }
        (other, Some(_)) => name = other.to_string(),
    }
    let kind = kind.unwrap_or("user");
    if matches!(kind, "mask" | "other") && !name.is_empty() {
        return Err(invalid());
    }
    if !internal && !default && kind != "mask" && name.is_empty() {
        return Err(format!(
            "`{ace}` is a base acl entry; use mode to set the base acl entry"
        ));
    }
    let perm = parts[0];
    let perms = match perm.as_bytes() {
        [d @ b'0'..=b'7'] => {
            let d = d - b'0';
            [d & 4 != 0, d & 2 != 0, d & 1 != 0]
        }
        _ => {
            let mut p = [false; 3];
            for c in perm.chars() {
                match c {
                    'r' => p[0] = true,
                    'w' => p[1] = true,
                    'x' => p[2] = true,
                    '-' => {}
                    _ => return Err(format!("acl entry `{ace}` has an invalid character `{c}`")),
                }
            }
            p
        }
    };
    Ok(Ace {
        default,
        kind,
        name,
        perms,
    })
}

/// `s#[-s#][:c#[.c#](,c#[.c#])*]`, categories 0..=1023, no duplicates.
pub(super) fn validate_range(range: &str) -> Result<(), String> {
    let bad = || format!("`{range}` is not an SELinux range like s0-s1:c0.c10");
    let level = |s: &str, prefix: char, max: u32| -> Result<u32, String> {
        let digits = s
            .strip_prefix(prefix)
            .filter(|d| !d.is_empty())
            .ok_or_else(bad)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        digits
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(bad)
    };
    let (sens, cats) = match range.split_once(':') {
        Some((s, c)) => (s, Some(c)),
        None => (range, None),
    };
    match sens.split_once('-') {
        Some((lo, hi)) if level(hi, 's', u32::MAX)? < level(lo, 's', u32::MAX)? => {
            return Err(bad());
        }
        Some(_) => {}
        None => {
            level(sens, 's', u32::MAX)?;
        }
    }
    let mut seen = Vec::new();
    for part in cats
        .map(|c| c.split(',').collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let (lo, hi) = match part.split_once('.') {
            Some((lo, hi)) => (level(lo, 'c', 1023)?, level(hi, 'c', 1023)?),
            None => {
                let c = level(part, 'c', 1023)?;
                (c, c)
            }
        };
        if hi < lo {
            return Err(bad());
        }
        for c in lo..=hi {
            if seen.contains(&c) {
                return Err(format!("`{range}` lists category c{c} twice"));
            }
            seen.push(c);
        }
    }
    Ok(())
}
