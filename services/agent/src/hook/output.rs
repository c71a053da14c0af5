//! Where a hook's output goes: a capped log file and a bounded in-memory tail.
//!
//! Memory stays bounded whatever the hook prints: at most one held partial line per stream plus the
//! tail. Lines are held back until complete so that stdout and stderr interleave in the log line by
//! line instead of splicing into each other mid-line.

use std::collections::VecDeque;
use std::io;
use std::path::Path;

use tokio::io::AsyncWriteExt;

/// A partial line longer than this is written out as it is rather than held: a hook that prints
/// megabytes without a newline must not grow the agent's memory.
const MAX_HELD_LINE: usize = 64 * 1024;

/// Which pipe a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stream {
    Stdout,
    Stderr,
}

/// What the hook printed, once collection is over.
#[derive(Debug)]
pub(super) struct CollectedOutput {
    pub(super) tail: String,
    pub(super) tail_is_partial: bool,
    pub(super) total_bytes: u64,
    pub(super) log_error: Option<String>,
}

/// Records the combined output of one hook run.
pub(super) struct HookOutput {
    log: HookLog,
    tail: Tail,
    stdout_line: LineAssembler,
    stderr_line: LineAssembler,
    total_bytes: u64,
}

impl HookOutput {
    pub(super) async fn open(log_path: &Path, log_cap: u64, tail_bytes: usize) -> io::Result<Self> {
        Ok(Self {
            log: HookLog::open(log_path, log_cap).await?,
            tail: Tail::new(tail_bytes),
            stdout_line: LineAssembler::default(),
            stderr_line: LineAssembler::default(),
            total_bytes: 0,
        })
    }

    pub(super) async fn chunk(&mut self, stream: Stream, bytes: &[u8]) {
        self.total_bytes = self.total_bytes.saturating_add(bytes.len() as u64);
        let ready = self.line(stream).push(bytes);
        self.record(&ready).await;
    }

    /// The stream ended or we stopped reading it: whatever partial line it left is still output.
    pub(super) async fn end_of_stream(&mut self, stream: Stream) {
        let rest = self.line(stream).take_rest();
        self.record(&rest).await;
    }

    /// Adds a line of our own to the log (not to the tail, which is the hook's output only).
    pub(super) async fn note(&mut self, text: &str) {
        self.log.note(text).await;
    }

    /// A warning of the agent's about this hook (a script made executable, a script run by
    /// /bin/sh): in the log and at the head of the tail, so `liftoff status` shows it.
    pub(super) async fn warn(&mut self, text: &str) {
        self.log.note(text).await;
        self.tail.push(format!("{text}\n").as_bytes());
    }

    pub(super) async fn finish(mut self) -> CollectedOutput {
        self.end_of_stream(Stream::Stdout).await;
        self.end_of_stream(Stream::Stderr).await;
        let log_error = self.log.close().await;
        let (tail, tail_is_partial) = self.tail.finish(self.total_bytes);
        CollectedOutput {
            tail,
            tail_is_partial,
            total_bytes: self.total_bytes,
            log_error,
        }
    }

    fn line(&mut self, stream: Stream) -> &mut LineAssembler {
        match stream {
            Stream::Stdout => &mut self.stdout_line,
            Stream::Stderr => &mut self.stderr_line,
        }
    }

    async fn record(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.log.append(bytes).await;
        self.tail.push(bytes);
    }
}

/// Holds back the unfinished last line of one stream.
#[derive(Debug, Default)]
pub(super) struct LineAssembler {
    held: Vec<u8>,
}

impl LineAssembler {
    /// Returns the bytes ready to record: the held partial line once a newline completes it, every
    /// complete line of `chunk`, and a partial line that has grown too long to hold.
    pub(super) fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut ready = Vec::new();
        if let Some(last_newline) = chunk.iter().rposition(|&b| b == b'\n') {
            ready = std::mem::take(&mut self.held);
            ready.extend_from_slice(&chunk[..=last_newline]);
            self.held.extend_from_slice(&chunk[last_newline + 1..]);
        } else {
            self.held.extend_from_slice(chunk);
        }
        if self.held.len() >= MAX_HELD_LINE {
            ready.append(&mut self.held);
        }
        ready
    }

    pub(super) fn take_rest(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }
}

/// The last `cap` bytes seen, in a ring that never grows past `cap`.
#[derive(Debug)]
pub(super) struct Tail {
    bytes: VecDeque<u8>,
    cap: usize,
}

impl Tail {
    pub(super) fn new(cap: usize) -> Self {
        // Grow on demand: most hooks print far less than the cap.
        Self {
            bytes: VecDeque::with_capacity(cap.min(4096)),
            cap,
        }
    }

    pub(super) fn push(&mut self, data: &[u8]) {
        if data.len() >= self.cap {
            self.bytes.clear();
            self.bytes.extend(&data[data.len() - self.cap..]);
            return;
        }
        let overflow = (self.bytes.len() + data.len()).saturating_sub(self.cap);
        self.bytes.drain(..overflow);
        self.bytes.extend(data);
    }

    /// Converts to text. When the ring dropped earlier output, its first bytes may be the middle of
    /// a UTF-8 character; those are skipped so the text starts at a character boundary.
    pub(super) fn finish(mut self, total_bytes: u64) -> (String, bool) {
        let kept = self.bytes.make_contiguous();
        let mut start = 0;
        if (kept.len() as u64) < total_bytes {
            while start < kept.len().min(3) && kept[start] & 0b1100_0000 == 0b1000_0000 {
                start += 1;
            }
        }
        let text = String::from_utf8_lossy(&kept[start..]).into_owned();
        let partial = ((kept.len() - start) as u64) < total_bytes;
        (text, partial)
    }

    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }
}

/// The hook's log file: appended to, capped, and never a reason to stop the hook.
struct HookLog {
    /// `None` once a write failed: the hook keeps running and the tail is still kept.
    file: Option<tokio::fs::File>,
    cap: u64,
    written: u64,
    truncated: bool,
    at_line_start: bool,
    error: Option<String>,
}

impl HookLog {
    async fn open(path: &Path, cap: u64) -> io::Result<Self> {
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(path)
            .await?;
        Ok(Self {
            file: Some(file),
            cap,
            written: 0,
            truncated: false,
            at_line_start: true,
            error: None,
        })
    }

    async fn append(&mut self, bytes: &[u8]) {
        if self.truncated {
            return;
        }
        let room = self.cap.saturating_sub(self.written);
        let fits = usize::try_from(room).map_or(bytes.len(), |room| room.min(bytes.len()));
        if fits > 0 {
            self.write(&bytes[..fits]).await;
            self.written += fits as u64;
        }
        if fits < bytes.len() {
            let cap = self.cap;
            self.note(&format!("log truncated after {cap} bytes")).await;
            self.truncated = true;
        }
    }

    async fn note(&mut self, text: &str) {
        if self.truncated {
            // The truncation marker stays the last line of a capped log.
            return;
        }
        let separator = if self.at_line_start { "" } else { "\n" };
        self.write(format!("{separator}[liftoff: {text}]\n").as_bytes())
            .await;
    }

    async fn write(&mut self, bytes: &[u8]) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        if let Err(error) = file.write_all(bytes).await {
            self.error = Some(format!("writing the hook log failed: {error}"));
            self.file = None;
            return;
        }
        if let Some(&last) = bytes.last() {
            self.at_line_start = last == b'\n';
        }
    }

    /// Flushes what tokio still buffers so the log is complete when the outcome is reported.
    async fn close(mut self) -> Option<String> {
        if let Some(mut file) = self.file.take()
            && let Err(error) = file.flush().await
        {
            self.error = Some(format!("writing the hook log failed: {error}"));
        }
        self.error
    }
}
