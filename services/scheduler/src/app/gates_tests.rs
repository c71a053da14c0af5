//! The gate decision between batches: windows in named time zones across day, week and
//! daylight-saving boundaries, freezes, overrides, and which gate wins.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use liftoff_types::window_spec::Window;
use uuid::Uuid;

use super::{Blocked, Freeze, judge};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn windows(specs: &[&str]) -> Vec<Window> {
    specs.iter().map(|s| Window::parse(s).unwrap()).collect()
}

fn outside(next: Option<&str>) -> Option<Blocked> {
    Some(Blocked::OutsideWindow {
        next_open: next.map(at),
    })
}

#[test]
fn no_windows_and_no_freeze_never_block() {
    assert_eq!(judge(&[], &[], &[], at("2026-12-05T03:00:00Z")), None);
}

#[test]
fn a_berlin_window_closes_at_local_time_not_utc() {
    let w = windows(&["Mon-Thu 09:00-16:00 Europe/Berlin"]);
    // Thursday 2026-12-03, CET (UTC+1): 15:59 local is open, 16:00 local is closed.
    assert_eq!(judge(&w, &[], &[], at("2026-12-03T14:59:00Z")), None);
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-03T15:00:00Z")),
        outside(Some("2026-12-07T08:00:00Z")),
        "Thursday 16:00 Berlin: closed until Monday 09:00 Berlin"
    );
    // In summer (CEST, UTC+2) the same local hour is an hour earlier in UTC.
    assert_eq!(
        judge(&w, &[], &[], at("2026-07-09T14:00:00Z")),
        outside(Some("2026-07-13T07:00:00Z"))
    );
    assert_eq!(judge(&w, &[], &[], at("2026-07-09T13:59:00Z")), None);
}

#[test]
fn the_local_day_decides_when_utc_is_still_on_the_day_before() {
    // Monday 08:00 in Tokyo (UTC+9) is Sunday 23:00 UTC.
    let w = windows(&["Mon 08:00-10:00 Asia/Tokyo"]);
    assert_eq!(judge(&w, &[], &[], at("2026-12-06T23:00:00Z")), None);
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-06T22:59:00Z")),
        outside(Some("2026-12-06T23:00:00Z"))
    );
    // Monday 10:00 Tokyo, still Monday 01:00 UTC: closed, next Monday.
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-07T01:00:00Z")),
        outside(Some("2026-12-13T23:00:00Z"))
    );
}

#[test]
fn a_window_to_midnight_hands_over_to_the_next_day_s_window() {
    let w = windows(&["Fri 18:00-24:00 UTC", "Sat 00:00-02:00 UTC"]);
    assert_eq!(judge(&w, &[], &[], at("2026-12-04T23:59:00Z")), None);
    assert_eq!(judge(&w, &[], &[], at("2026-12-05T00:00:00Z")), None);
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-05T02:00:00Z")),
        outside(Some("2026-12-11T18:00:00Z"))
    );
}

#[test]
fn a_week_wrapping_range_is_open_over_the_weekend_only() {
    let w = windows(&["Sat-Sun 00:00-24:00 America/New_York"]);
    // Saturday 00:00 New York (EST, UTC-5) is 05:00Z; Friday 23:59 New York is closed.
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-05T04:59:00Z")),
        outside(Some("2026-12-05T05:00:00Z"))
    );
    assert_eq!(judge(&w, &[], &[], at("2026-12-05T05:00:00Z")), None);
    // Sunday 23:59 New York is Monday 04:59Z: still open; Monday 00:00 New York is closed.
    assert_eq!(judge(&w, &[], &[], at("2026-12-07T04:59:00Z")), None);
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-07T05:00:00Z")),
        outside(Some("2026-12-12T05:00:00Z"))
    );
}

#[test]
fn a_freeze_blocks_until_it_ends_even_inside_a_window() {
    let id = Uuid::now_v7();
    let f = [Freeze {
        id,
        until: at("2026-12-04T18:00:00Z"),
    }];
    let w = windows(&["daily 00:00-24:00 UTC"]);
    assert_eq!(
        judge(&w, &f, &[], at("2026-12-04T17:59:59Z")),
        Some(Blocked::Frozen {
            freeze_id: id,
            until: at("2026-12-04T18:00:00Z")
        })
    );
    assert_eq!(judge(&w, &f, &[], at("2026-12-04T18:00:00Z")), None);
}

#[test]
fn a_freeze_goes_before_a_closed_window_and_names_the_last_to_end() {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let f = [
        Freeze {
            id: a,
            until: at("2026-12-04T18:00:00Z"),
        },
        Freeze {
            id: b,
            until: at("2026-12-05T18:00:00Z"),
        },
    ];
    let closed = windows(&["Mon 09:00-10:00 UTC"]);
    let got = judge(&closed, &f, &[], at("2026-12-04T12:00:00Z")).unwrap();
    assert_eq!(got.reason(), "frozen");
    assert_eq!(
        got,
        Blocked::Frozen {
            freeze_id: b,
            until: at("2026-12-05T18:00:00Z")
        }
    );
}

#[test]
fn an_overridden_freeze_does_not_block_its_deployment() {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let f = [
        Freeze {
            id: a,
            until: at("2026-12-05T18:00:00Z"),
        },
        Freeze {
            id: b,
            until: at("2026-12-04T18:00:00Z"),
        },
    ];
    let t = at("2026-12-04T12:00:00Z");
    assert_eq!(judge(&[], &f, &[a, b], t), None);
    // Overriding one leaves the other in force.
    assert_eq!(
        judge(&[], &f, &[a], t),
        Some(Blocked::Frozen {
            freeze_id: b,
            until: at("2026-12-04T18:00:00Z")
        })
    );
    assert_eq!(judge(&[], &f, &[a], t).unwrap().reason(), "frozen");
}

#[test]
fn a_closed_window_says_outside_window() {
    let w = windows(&["Mon 09:00-10:00 UTC"]);
    assert_eq!(
        judge(&w, &[], &[], at("2026-12-04T12:00:00Z"))
            .unwrap()
            .reason(),
        "outside_window"
    );
}
