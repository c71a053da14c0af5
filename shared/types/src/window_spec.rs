//! Deployment window specs, pure: `DAYS HH:MM-HH:MM ZONE` parsed into a weekly span in a named
//! IANA time zone, and the questions the gate asks of a set of them (open at an instant? when
//! does the next one open?). Local times are compared in the zone, so a window follows
//! daylight-saving changes the way the people who set it read their clocks.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use chrono_tz::Tz;

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// How far ahead [`next_open`] looks: a weekly window opens within a week.
const LOOK_AHEAD_MINUTES: i64 = 8 * 24 * 60;

/// One weekly window.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Indexed by `Weekday::num_days_from_monday`.
    days: [bool; 7],
    /// Minutes after local midnight; `start < end <= 1440`.
    start: u32,
    end: u32,
    zone: Tz,
}

fn day(name: &str) -> Result<Weekday, String> {
    let lower = name.to_ascii_lowercase();
    DAYS.iter()
        .find(|(n, _)| lower == *n || lower == weekday_name(n))
        .map(|(_, d)| *d)
        .ok_or_else(|| format!("{name:?} is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"))
}

fn weekday_name(short: &str) -> &'static str {
    match short {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    }
}

fn days(spec: &str) -> Result<[bool; 7], String> {
    let mut set = [false; 7];
    if spec.eq_ignore_ascii_case("daily") {
        return Ok([true; 7]);
    }
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if a == b {
                    return Err(format!(
                        "day range {part:?} starts and ends on the same day; write {a} alone"
                    ));
                }
                // A range may wrap over the week's end (Fri-Mon).
                let mut d = a;
                loop {
                    set[d.num_days_from_monday() as usize] = true;
                    if d == b {
                        break;
                    }
                    d = d.succ();
                }
            }
            None => set[day(part)?.num_days_from_monday() as usize] = true,
        }
    }
    Ok(set)
}

fn minutes(t: &str) -> Result<u32, String> {
    let bad = || format!("{t:?} is not a time HH:MM (00:00 to 24:00)");
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl Window {
    /// Parses `DAYS HH:MM-HH:MM ZONE`, e.g. `Mon-Thu 09:00-16:00 Europe/Berlin`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let parts: Vec<&str> = spec.split_whitespace().collect();
        let [d, times, zone] = parts.as_slice() else {
            return Err(format!(
                "{spec:?}: expected DAYS HH:MM-HH:MM ZONE, e.g. \"Mon-Thu 09:00-16:00 Europe/Berlin\""
            ));
        };
        let days = days(d).map_err(|e| format!("{spec:?}: {e}"))?;
        let (a, b) = times
            .split_once('-')
            .ok_or_else(|| format!("{spec:?}: {times:?} is not a span HH:MM-HH:MM"))?;
        let (start, end) = (
            minutes(a).map_err(|e| format!("{spec:?}: {e}"))?,
            minutes(b).map_err(|e| format!("{spec:?}: {e}"))?,
        );
        if end <= start {
            return Err(format!(
                "{spec:?}: the window must end after it starts on the same day; for a span over midnight write two windows"
            ));
        }
        let zone: Tz = zone.parse().map_err(|_| {
            format!("{spec:?}: {zone:?} is not an IANA time zone (e.g. Europe/Berlin, UTC)")
        })?;
        Ok(Self {
            days,
            start,
            end,
            zone,
        })
    }

    /// Whether `at` falls inside this window (local day and time in its zone).
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let m = local.hour() * 60 + local.minute();
        self.days[local.weekday().num_days_from_monday() as usize]
            && self.start <= m
            && m < self.end
    }
}

/// Whether a deployment may start at `at`: no windows means no gate.
pub fn open(windows: &[Window], at: DateTime<Utc>) -> bool {
    windows.is_empty() || windows.iter().any(|w| w.contains(at))
}

/// The first minute at or after `at` when a window is open (`at` itself if one is), within
/// about a week.
pub fn next_open(windows: &[Window], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if open(windows, at) {
        return Some(at);
    }
    let minute = at
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at);
    (1..=LOOK_AHEAD_MINUTES)
        .map(|i| minute + Duration::minutes(i))
        .find(|t| open(windows, *t))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_berlin_weekday_window_follows_local_time_across_summer_time() {
        let w = Window::parse("Mon-Thu 09:00-16:00 Europe/Berlin").unwrap();
        // Thursday 2026-12-03 (CET, UTC+1): 09:00 local is 08:00Z.
        assert!(!w.contains(at("2026-12-03T07:59:00Z")));
        assert!(w.contains(at("2026-12-03T08:00:00Z")));
        assert!(!w.contains(at("2026-12-03T15:00:00Z")));
        // Friday is outside.
        assert!(!w.contains(at("2026-12-04T10:00:00Z")));
        // Monday 2026-07-06 (CEST, UTC+2): 09:00 local is 07:00Z.
        assert!(w.contains(at("2026-07-06T07:00:00Z")));
    }

    #[test]
    fn day_ranges_wrap_over_the_weekend_and_lists_combine() {
        let w = Window::parse("Fri-Mon 00:00-24:00 UTC").unwrap();
        assert_eq!(w.days, [true, false, false, false, true, true, true]);
        let w = Window::parse("mon,Wed,friday 10:00-11:00 UTC").unwrap();
        assert_eq!(w.days, [true, false, true, false, true, false, false]);
    }

    #[test]
    fn bad_specs_name_what_is_wrong() {
        for (spec, says) in [
            ("Mon-Xyz 09:00-16:00 UTC", "not a day"),
            ("Mon-Mon 09:00-16:00 UTC", "same day"),
            ("Mon 9:00-16:00 UTC", "not a time"),
            ("Mon 09:00-25:00 UTC", "not a time"),
            ("Mon 16:00-09:00 UTC", "end after it starts"),
            ("Mon 09:00-16:00 Mars/Olympus", "IANA"),
            ("Mon 09:00-16:00", "expected DAYS"),
        ] {
            let e = Window::parse(spec).unwrap_err();
            assert!(e.contains(says), "{spec}: {e}");
        }
    }

    #[test]
    fn next_open_finds_the_coming_window_and_none_means_always_open() {
        let w = vec![Window::parse("Mon-Thu 09:00-16:00 Europe/Berlin").unwrap()];
        // Friday noon Berlin → Monday 09:00 Berlin (08:00Z).
        assert_eq!(
            next_open(&w, at("2026-12-04T11:00:30Z")),
            Some(at("2026-12-07T08:00:00Z"))
        );
        assert!(open(&[], at("2026-12-04T11:00:00Z")));
    }
}
