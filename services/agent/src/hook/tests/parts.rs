//! The parts underneath: the output tail, line assembly, /proc parsing, invocation defaults.

use super::*;

#[test]
fn tail_keeps_only_the_last_bytes_and_never_grows_past_its_cap() {
    let mut tail = Tail::new(8);
    for _ in 0..1000 {
        tail.push(b"0123456789abc");
    }
    tail.push(b"xy");
    assert!(tail.capacity() < 64, "ring grew to {}", tail.capacity());
    assert_eq!(tail.finish(13 * 1000 + 2), ("789abcxy".to_owned(), true));
}

#[test]
fn truncated_tail_starts_at_a_char_boundary() {
    let mut tail = Tail::new(4);
    // "é" is two bytes: the ring keeps its second byte, which must be dropped, not shown as U+FFFD.
    tail.push("aéxyz".as_bytes());
    assert_eq!(tail.finish(6), ("xyz".to_owned(), true));

    let mut whole = Tail::new(16);
    whole.push("héllo".as_bytes());
    assert_eq!(whole.finish(6), ("héllo".to_owned(), false));
}

#[test]
fn line_assembler_releases_whole_lines_and_caps_held_bytes() {
    let mut lines = LineAssembler::default();
    assert_eq!(lines.push(b"par"), b"");
    assert_eq!(lines.push(b"tial\nnext"), b"partial\n");
    assert_eq!(lines.take_rest(), b"next");
    let endless = vec![b'z'; 200 * 1024];
    let released: usize = endless
        .chunks(1000)
        .map(|chunk| lines.push(chunk).len())
        .sum();
    assert!(released >= 200 * 1024 - 64 * 1024, "held back {released}");
}

#[test]
fn proc_stat_is_parsed_past_odd_command_names() {
    let stat = "1234 (my (odd) name) S 1 1230 1230 0 -1 4194560";
    assert_eq!(parse_state_and_group(stat), Some(('S', 1230)));
    assert_eq!(parse_state_and_group("garbage"), None);
}

#[test]
fn invocation_new_uses_documented_defaults() {
    let inv = HookInvocation::new(
        PathBuf::from("/b/s.sh"),
        PathBuf::from("/b"),
        PathBuf::from("/l"),
        Duration::from_secs(60),
    );
    assert_eq!(inv.log_cap_bytes, DEFAULT_LOG_CAP_BYTES);
    assert_eq!(inv.tail_bytes, DEFAULT_TAIL_BYTES);
    assert_eq!(inv.runas, None);
    assert_eq!(inv.kill_grace, DEFAULT_KILL_GRACE);
    assert_eq!(inv.drain_timeout, DEFAULT_DRAIN_TIMEOUT);
}
