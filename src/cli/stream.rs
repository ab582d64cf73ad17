//! The streaming driver of the commands that answer each series on its own
//! (`forecast`, `saturation`): a reader thread hands out series as they are
//! complete ([`stream_reader`]), the series are answered in parallel in chunks,
//! and the answers come back in input order, so that memory is bounded by the
//! read-ahead budget and the chunk, not by the input, for a long CSV sorted by
//! series. Progress (series done, rate, time left) is drawn on standard error when
//! it is a terminal, and a summary line ends every run.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use headroom::ingest::{stream_reader, Ingested};
use headroom::{Error, Series};

use super::args::InputArgs;
use super::Tally;

/// Rows read ahead of the models: past this, complete series are handed out. A
/// 90-day hourly series holds 2,160 rows of 20 bytes (43 kB), so this is about
/// 6,000 such series, and far below the 2 GB the issue allows.
const READ_AHEAD_BYTES: usize = 256 << 20;

/// Series answered together: enough that both cores stay busy to the end of a
/// chunk, few enough that a chunk of long series stays small.
const CHUNK: usize = 256;

/// Batches of series queued between the reader and the models.
const QUEUE: usize = 4;

/// What the worker says about one series: lines for standard error (in input
/// order, like the answers), and the answer.
pub struct Answer<R> {
    pub notes: Vec<String>,
    pub result: Result<R, Error>,
}

impl<R> From<Result<R, Error>> for Answer<R> {
    fn from(result: Result<R, Error>) -> Self {
        Answer {
            notes: Vec::new(),
            result,
        }
    }
}

enum Message {
    Batch(Ingested),
    End(Result<Ingested, Error>),
}

/// Read `input`, answer each series with `answer` in parallel and pass each
/// answer to `emit` in input order. Series that fail are counted and named on
/// standard error in `tally`. An error that stops the input part way (a malformed
/// record, an unsorted large file) is reported after the series before it were
/// answered, and counts as a failure; an error before any series was read is
/// returned.
pub fn stream<R: Send>(
    input: &InputArgs,
    tally: &mut Tally,
    answer: impl Fn(&Series) -> Answer<R> + Sync,
    mut emit: impl FnMut(R) -> Result<(), Error>,
) -> Result<(), Error> {
    let path = match (&input.live.prometheus, &input.input) {
        (None, Some(path)) => path.clone(),
        // A live read arrives whole: its series are answered in chunks all the same.
        _ => return answer_whole(input, tally, &answer, &mut emit),
    };
    let (reader, size) = open(&path)?;
    let consumed = Arc::new(AtomicU64::new(0));
    let mut counted = Counted {
        inner: reader,
        consumed: consumed.clone(),
    };
    let options = input.read_options();
    let stem = stem(&path);
    let file = if path == "-" {
        "<stdin>".to_string()
    } else {
        path.clone()
    };
    let hygiene = input.hygiene();
    let mut progress = Progress::new(size, consumed);
    let (send, receive) = sync_channel::<Message>(QUEUE);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut each = |batch: Ingested| {
                send.send(Message::Batch(batch))
                    .map_err(|_| Error::invalid("the answers stopped"))
            };
            let end = stream_reader(
                &file,
                &stem,
                &mut counted,
                &options,
                READ_AHEAD_BYTES,
                &mut each,
            );
            let _ = send.send(Message::End(end));
        });
        let work = |s: &Series| -> Answer<R> {
            if hygiene.is_identity() {
                return answer(s);
            }
            match hygiene.apply(s) {
                Ok((clean, report)) => {
                    let mut a = answer(&clean);
                    a.notes.insert(0, format!("headroom: {report}"));
                    a
                }
                Err(e) => e_answer(e),
            }
        };
        let receive = receive;
        let driven = drive(&receive, tally, &work, &mut emit, &mut progress, &path);
        // Dropped before the scope waits for the reader, which may be blocked on a
        // full queue if the answers stopped early.
        drop(receive);
        driven
    })?;
    progress.summary(tally);
    Ok(())
}

/// Answer series read whole (a live query): in chunks, in order, with the same
/// progress and summary as a stream.
fn answer_whole<R: Send>(
    input: &InputArgs,
    tally: &mut Tally,
    answer: &(impl Fn(&Series) -> Answer<R> + Sync),
    emit: &mut impl FnMut(R) -> Result<(), Error>,
) -> Result<(), Error> {
    let series = super::read(input, tally)?;
    let mut progress = Progress::new(None, Arc::new(AtomicU64::new(0)));
    for chunk in series.chunks(CHUNK) {
        answer_chunk(chunk, tally, answer, emit, &mut progress)?;
    }
    progress.summary(tally);
    Ok(())
}

fn e_answer<R>(e: Error) -> Answer<R> {
    Answer::from(Err(e))
}

/// Receive batches until the reader ends, answering full chunks as they fill.
fn drive<R: Send>(
    receive: &Receiver<Message>,
    tally: &mut Tally,
    work: &(impl Fn(&Series) -> Answer<R> + Sync),
    emit: &mut impl FnMut(R) -> Result<(), Error>,
    progress: &mut Progress,
    path: &str,
) -> Result<(), Error> {
    let mut pending: Vec<Series> = Vec::new();
    let mut seen = 0;
    loop {
        let message = receive
            .recv()
            .unwrap_or_else(|_| Message::End(Err(Error::invalid("the reader stopped"))));
        let (batch, end) = match message {
            Message::Batch(b) => (b, None),
            Message::End(Ok(b)) => (b, Some(Ok(()))),
            Message::End(Err(e)) => (Ingested::default(), Some(Err(e))),
        };
        seen += batch.series.len() + batch.failed.len() + batch.skipped.len();
        for note in &batch.notes {
            eprintln!("headroom: {path}: {note}");
        }
        for (name, e) in &batch.failed {
            progress.clear();
            tally.fail(name, e);
        }
        for name in &batch.skipped {
            progress.clear();
            eprintln!("headroom: series {name}: not answered: the input stopped before its end");
            tally.skipped += 1;
        }
        pending.extend(batch.series);
        while pending.len() >= CHUNK || (end.is_some() && !pending.is_empty()) {
            let rest = pending.split_off(pending.len().min(CHUNK));
            let chunk = std::mem::replace(&mut pending, rest);
            answer_chunk(&chunk, tally, work, emit, progress)?;
        }
        match end {
            None => {}
            Some(Ok(())) => return Ok(()),
            // Nothing read: the command fails as a whole, as before streaming.
            Some(Err(e)) if seen == 0 => return Err(e),
            Some(Err(e)) => {
                progress.clear();
                eprintln!("headroom: {e}");
                tally.failed += 1;
                return Ok(());
            }
        }
    }
}

/// Answer a chunk in parallel, then report and emit in order.
fn answer_chunk<R: Send>(
    chunk: &[Series],
    tally: &mut Tally,
    work: &(impl Fn(&Series) -> Answer<R> + Sync),
    emit: &mut impl FnMut(R) -> Result<(), Error>,
    progress: &mut Progress,
) -> Result<(), Error> {
    let answers: Vec<Answer<R>> = chunk.par_iter().map(work).collect();
    progress.clear();
    for (s, a) in chunk.iter().zip(answers) {
        for note in &a.notes {
            eprintln!("{note}");
        }
        match a.result {
            Ok(r) => {
                tally.ok += 1;
                emit(r)?;
            }
            Err(e) => tally.fail(s.name(), &e),
        }
    }
    progress.show(tally);
    Ok(())
}

/// The input and its size in bytes when it is a regular file (for time left).
fn open(path: &str) -> Result<(Box<dyn Read + Send>, Option<u64>), Error> {
    if path == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    let io_error = |source| Error::Io {
        path: path.into(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if meta.is_dir() {
        return Err(Error::Io {
            path: path.into(),
            source: std::io::Error::other("is a directory, not a file"),
        });
    }
    let size = meta.is_file().then_some(meta.len());
    Ok((Box::new(file), size))
}

/// The name of a single unnamed series: the file's stem (`stdin` for `-`).
fn stem(path: &str) -> String {
    if path == "-" {
        return "stdin".to_string();
    }
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// A reader that counts the bytes read, for progress.
struct Counted {
    inner: Box<dyn Read + Send>,
    consumed: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Progress on a terminal, redrawn at most twice a second; and the summary.
struct Progress {
    started: Instant,
    size: Option<u64>,
    consumed: Arc<AtomicU64>,
    terminal: bool,
    drawn: bool,
    last: Option<Instant>,
}

impl Progress {
    fn new(size: Option<u64>, consumed: Arc<AtomicU64>) -> Self {
        Progress {
            started: Instant::now(),
            size,
            consumed,
            terminal: std::io::stderr().is_terminal(),
            drawn: false,
            last: None,
        }
    }

    fn show(&mut self, tally: &Tally) {
        if !self.terminal
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(500))
        {
            return;
        }
        self.last = Some(Instant::now());
        let done = tally.ok + tally.failed;
        let secs = self.started.elapsed().as_secs_f64();
        let rate = done as f64 / secs.max(1e-9);
        let mut line = format!("headroom: {done} series, {rate:.1}/s");
        if let Some(size) = self.size.filter(|&s| s > 0) {
            // The share of the input behind the answers (the reader runs ahead by
            // at most its budget).
            let read = self.consumed.load(Ordering::Relaxed) as f64 / size as f64;
            let share = read.min(1.0);
            line += &format!(", {:.0}% read", 100.0 * share);
            if share > 0.01 {
                let left = secs * (1.0 - share) / share;
                line += &format!(", about {} left", duration(left));
            }
        }
        eprint!("\r{line}\x1b[K");
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[K");
            self.drawn = false;
        }
    }

    /// The closing line, terminal or not.
    fn summary(&mut self, tally: &Tally) {
        self.clear();
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!(
            "headroom: {} series answered, {} failed, {} skipped in {} ({:.1} series/s)",
            tally.ok,
            tally.failed,
            tally.skipped,
            duration(secs),
            (tally.ok + tally.failed) as f64 / secs.max(1e-9)
        );
    }
}

/// `42 s`, `3 min 5 s`, `1 h 2 min`.
fn duration(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{secs:.1} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}
