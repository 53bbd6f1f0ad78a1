//! kabuki-tokio-bench: the Tokio peer of kabuki's standard workloads (/work/shared/WORKLOADS.md).
//!
//! Each workload is written the way a Tokio user would write it: an "actor" is a task that owns
//! the receiving end of an mpsc channel (its mailbox), an ask is a request carrying a
//! `oneshot::Sender`, blocking work goes through `spawn_blocking`.
//!
//! Mailboxes are `tokio::sync::mpsc::unbounded_channel`: kabuki's mailboxes are unbounded, and
//! a bounded channel would add back-pressure (and an await on every send) the other side does
//! not have. Messages are values created by the sender for each send, no pooling.
//!
//! Output contract (stdout, one line per iteration):
//!   RESULT workload=W1 shape=- side=tokio iter=1 metric=rate value=12345678.9 cpu_ms=812.3 wall_ms=162.0
//! warm-up iterations print WARMUP instead of RESULT. Errors: `FAILED <reason>` on stderr, exit 1.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::{oneshot, Notify};

type R<T> = Result<T, String>;

const USAGE: &str = "usage: kabuki-tokio-bench <W1|W2|W3a|W3b|W4a|W4b|W5|W6|W8|W9|echo-server> \
[--shape S] [--workers W] [--warmup K] [--iterations M] [--n N] [--actors A] [--ring R] \
[--window O] [--seconds S] [--host H] [--port P]";

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

struct Cfg {
    workload: &'static str,
    shape: String,
    workers: usize,
    warmup: usize,
    iterations: usize,
    n: Option<u64>,
    actors: Option<usize>,
    ring: usize,
    window: usize,
    seconds: f64,
    host: String,
    port: u16,
}

fn parse_args() -> R<Cfg> {
    let mut args = std::env::args().skip(1);
    let first = args.next().ok_or_else(|| USAGE.to_string())?;
    if first == "-h" || first == "--help" {
        println!("{USAGE}");
        std::process::exit(0);
    }
    let workload = match first.to_ascii_lowercase().as_str() {
        "w1" => "W1",
        "w2" => "W2",
        "w3a" => "W3a",
        "w3b" => "W3b",
        "w4a" => "W4a",
        "w4b" => "W4b",
        "w5" => "W5",
        "w6" => "W6",
        "w7" | "echo-server" => "echo-server",
        "w8" => "W8",
        "w9" => "W9",
        _ => return Err(format!("unknown workload '{first}'; {USAGE}")),
    };
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut cfg = Cfg {
        workload,
        shape: String::new(),
        workers: cpus,
        warmup: 3,
        iterations: 5,
        n: None,
        actors: None,
        ring: 503,
        window: 1000,
        seconds: 2.0,
        host: "127.0.0.1".into(),
        port: 0,
    };
    while let Some(flag) = args.next() {
        let val = args.next().ok_or_else(|| format!("flag {flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("bad value '{val}' for {flag}: {e}");
        match flag.as_str() {
            "--shape" => cfg.shape = val.to_ascii_lowercase(),
            "--workers" => cfg.workers = val.parse().map_err(|e| bad(&e))?,
            "--warmup" => cfg.warmup = val.parse().map_err(|e| bad(&e))?,
            "--iterations" => cfg.iterations = val.parse().map_err(|e| bad(&e))?,
            "--n" => cfg.n = Some(val.parse().map_err(|e| bad(&e))?),
            "--actors" => cfg.actors = Some(val.parse().map_err(|e| bad(&e))?),
            "--ring" => cfg.ring = val.parse().map_err(|e| bad(&e))?,
            "--window" => cfg.window = val.parse().map_err(|e| bad(&e))?,
            "--seconds" => cfg.seconds = val.parse().map_err(|e| bad(&e))?,
            "--host" => cfg.host = val,
            "--port" => cfg.port = val.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown flag {flag}; {USAGE}")),
        }
    }
    if cfg.workers == 0 {
        cfg.workers = cpus;
    }
    // Shapes: W4b out|in (default out), W8 solo|pool|core (default solo), "-" elsewhere.
    let shapes: &[&str] = match workload {
        "W4b" => &["out", "in"],
        "W8" => &["solo", "pool", "core"],
        _ => &["-"],
    };
    if cfg.shape.is_empty() {
        cfg.shape = shapes[0].to_string();
    } else if !shapes.contains(&cfg.shape.as_str()) {
        return Err(format!("{workload} has no shape '{}' (shapes: {})", cfg.shape, shapes.join("|")));
    }
    if cfg.iterations == 0 {
        return Err("--iterations must be at least 1".into());
    }
    Ok(cfg)
}

impl Cfg {
    fn n_or(&self, default: u64) -> u64 {
        self.n.unwrap_or(default)
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring: process CPU time, RSS, thread count, output lines
// ---------------------------------------------------------------------------------------------

/// Process CPU time (user + sys of all threads) in ms, from getrusage(RUSAGE_SELF)
/// (microsecond resolution, unlike the 10 ms ticks of /proc/self/stat).
fn process_cpu_ms() -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes into the struct we pass; RUSAGE_SELF is always valid.
    let ru = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr());
        ru.assume_init()
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Resident set size in bytes (VmRSS of /proc/self/status).
fn rss_bytes() -> R<u64> {
    let s = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:")).ok_or("no VmRSS in /proc/self/status")?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .ok_or("unparsable VmRSS")?;
    Ok(kb * 1024)
}

/// Threads alive in this process (entries of /proc/self/task).
fn thread_count() -> R<usize> {
    Ok(std::fs::read_dir("/proc/self/task").map_err(|e| format!("/proc/self/task: {e}"))?.count())
}

/// Wall and CPU time of one timed section.
struct Meter {
    t0: Instant,
    cpu0: f64,
}

impl Meter {
    fn start() -> Meter {
        Meter { cpu0: process_cpu_ms(), t0: Instant::now() }
    }
    /// (elapsed wall time, CPU ms consumed by the process since start)
    fn stop(&self) -> (Duration, f64) {
        let wall = self.t0.elapsed();
        (wall, process_cpu_ms() - self.cpu0)
    }
}

/// What one iteration produced.
struct Sample {
    metric: &'static str,
    value: f64,
    wall: Duration,
    cpu_ms: f64,
    extra: Vec<(&'static str, String)>,
}

impl Sample {
    /// `ops` operations done in the timed section measured by `m`.
    fn rate(ops: u64, m: &Meter) -> Sample {
        let (wall, cpu_ms) = m.stop();
        Sample { metric: "rate", value: ops as f64 / wall.as_secs_f64(), wall, cpu_ms, extra: vec![] }
    }
    fn with(mut self, key: &'static str, val: impl ToString) -> Sample {
        self.extra.push((key, val.to_string()));
        self
    }
}

fn fmt_value(metric: &str, v: f64) -> String {
    match metric {
        "ms" => format!("{v:.3}"),
        "threads_after_burst" | "threads_after_keepalive" => format!("{}", v as u64),
        _ => format!("{v:.1}"),
    }
}

fn emit(cfg: &Cfg, kind: &str, iter: usize, s: &Sample) {
    let mut line = format!(
        "{kind} workload={} shape={} side=tokio iter={iter} metric={} value={} cpu_ms={:.1} wall_ms={:.1}",
        cfg.workload,
        cfg.shape,
        s.metric,
        fmt_value(s.metric, s.value),
        s.cpu_ms,
        s.wall.as_secs_f64() * 1e3
    );
    for (k, v) in &s.extra {
        line.push_str(&format!(" {k}={v}"));
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// K warm-up iterations then M measured ones, all in this process (and, for every workload but
/// W6, on the same runtime).
fn iterate(cfg: &Cfg, mut one: impl FnMut() -> R<Sample>) -> R<()> {
    for i in 1..=cfg.warmup {
        let s = one()?;
        emit(cfg, "WARMUP", i, &s);
    }
    for i in 1..=cfg.iterations {
        let s = one()?;
        emit(cfg, "RESULT", i, &s);
    }
    Ok(())
}

fn check(ok: bool, what: impl FnOnce() -> String) -> R<()> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn join_err(e: tokio::task::JoinError) -> String {
    format!("task failed: {e}")
}

/// The runtime every workload but W6 builds once per process.
fn build_runtime(workers: usize) -> R<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(512)
        .thread_keep_alive(Duration::from_secs(1))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot build the runtime: {e}"))
}

/// splitmix64, a tiny PRNG (no rand crate needed).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

// ---------------------------------------------------------------------------------------------
// W1 ping-pong (and the time-bounded variant used by W8)
// ---------------------------------------------------------------------------------------------

/// The message bounced between the two tasks: a fresh value for every send.
#[derive(Debug)]
struct Ball(u64);

/// Spawns a ponger and a pinger; the pinger does `limit` round trips, or fewer if `stop` is set
/// (checked on every round trip), and returns how many it completed.
fn spawn_ping_pong(rt: &Runtime, limit: u64, stop: Option<Arc<AtomicBool>>) -> tokio::task::JoinHandle<R<u64>> {
    let (to_pinger, mut pinger_box) = unbounded_channel::<Ball>();
    let (to_ponger, mut ponger_box) = unbounded_channel::<Ball>();
    rt.spawn(async move {
        while let Some(Ball(v)) = ponger_box.recv().await {
            if to_pinger.send(Ball(v)).is_err() {
                break;
            }
        }
    });
    rt.spawn(async move {
        let mut done = 0u64;
        while done < limit {
            if let Some(s) = &stop {
                if s.load(Ordering::Relaxed) {
                    break;
                }
            }
            to_ponger.send(Ball(done)).map_err(|_| "ponger gone".to_string())?;
            match pinger_box.recv().await {
                Some(Ball(v)) if v == done => done += 1,
                other => return Err(format!("W1: expected ball {done}, got {other:?}")),
            }
        }
        Ok(done)
        // dropping to_ponger ends the ponger
    })
}

fn w1(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(2_000_000);
    iterate(cfg, || {
        let m = Meter::start();
        let done = rt.block_on(spawn_ping_pong(rt, n, None)).map_err(join_err)??;
        check(done == n, || format!("W1: {done} round trips instead of {n}"))?;
        Ok(Sample::rate(n, &m))
    })
}

// ---------------------------------------------------------------------------------------------
// W2 fan-in
// ---------------------------------------------------------------------------------------------

/// A small immutable message holding a long.
struct Item {
    value: u64,
}

fn w2(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(10_000_000);
    const PRODUCERS: u64 = 4;
    iterate(cfg, || {
        let m = Meter::start();
        let (tx, mut rx) = unbounded_channel::<Item>();
        let consumer = rt.spawn(async move {
            let (mut count, mut sum) = (0u64, 0u64);
            while count < n {
                match rx.recv().await {
                    Some(Item { value }) => {
                        count += 1;
                        sum = sum.wrapping_add(value);
                    }
                    None => break,
                }
            }
            (count, sum)
        });
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            // producer p sends the values p, p+4, p+8, ... < n: together every value in 0..n once
            rt.spawn(async move {
                let mut v = p;
                while v < n {
                    if tx.send(Item { value: v }).is_err() {
                        return;
                    }
                    v += PRODUCERS;
                }
            });
        }
        drop(tx);
        let (count, sum) = rt.block_on(consumer).map_err(join_err)?;
        let sample = Sample::rate(n, &m);
        let want = (n as u128 * (n as u128).saturating_sub(1) / 2) as u64;
        check(count == n && sum == want, || format!("W2: consumer counted {count} (sum {sum}), want {n} (sum {want})"))?;
        Ok(sample)
    })
}

// ---------------------------------------------------------------------------------------------
// W3a spawn-join
// ---------------------------------------------------------------------------------------------

fn w3a(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(1_000_000);
    iterate(cfg, || {
        let m = Meter::start();
        // The spawner is itself a task (rt.spawn), i.e. it runs on a worker thread, as it would
        // inside any Tokio program: its spawns go to that worker's local run queue and the other
        // workers steal from it. (Spawning from block_on on the main thread would push all N
        // tasks through the shared injection queue instead.)
        let spawner = rt.spawn(async move {
            let handles: Vec<tokio::task::JoinHandle<u64>> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
            let mut sum = 0u64;
            for h in handles {
                sum = sum.wrapping_add(h.await.map_err(join_err)?);
            }
            Ok::<u64, String>(sum)
        });
        let sum = rt.block_on(spawner).map_err(join_err)??;
        let sample = Sample::rate(n, &m);
        let want = (n as u128 * (n as u128).saturating_sub(1) / 2) as u64;
        check(sum == want, || format!("W3a: sum {sum}, want {want}"))?;
        Ok(sample)
    })
}

// ---------------------------------------------------------------------------------------------
// W3b idle actors
// ---------------------------------------------------------------------------------------------

/// One wake-up pass: every actor decrements `remaining`; the one reaching 0 notifies the main side.
struct Pass {
    remaining: AtomicUsize,
    done: Notify,
}

/// The message each idle actor receives (a fresh Arc clone per send).
struct Wake(Arc<Pass>);

fn w3b(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(1_000_000) as usize;
    check(n > 0, || "W3b: --n must be > 0".into())?;
    // The main side keeps the N senders (like the Java sides keep the N ActorRefs).
    let mut senders: Vec<UnboundedSender<Wake>> = Vec::with_capacity(n);
    let started = Arc::new(AtomicUsize::new(0));
    let all_started = Arc::new(Notify::new());

    // bytes per idle actor = RSS delta / N. It is an RSS delta, so it includes the senders (and
    // the Vec holding them) kept by the main side, as the Java figures include the ActorRef.
    let rss_before = rss_bytes()?;
    let m = Meter::start();
    for _ in 0..n {
        let (tx, mut rx) = unbounded_channel::<Wake>();
        let (started, all_started) = (started.clone(), all_started.clone());
        // Spawned from the main thread, the way the Java sides spawn from main.
        rt.spawn(async move {
            if started.fetch_add(1, Ordering::AcqRel) + 1 == n {
                all_started.notify_one();
            }
            // an actor with no state of its own: parks in recv until a message arrives
            while let Some(Wake(pass)) = rx.recv().await {
                if pass.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                    pass.done.notify_one();
                }
            }
        });
        senders.push(tx);
    }
    // every task has run up to its first recv; give the last ones a moment to park there
    rt.block_on(all_started.notified());
    std::thread::sleep(Duration::from_millis(200));
    let (wall, cpu_ms) = m.stop();
    let rss_after = rss_bytes()?;
    let per_actor = (rss_after as f64 - rss_before as f64) / n as f64;
    emit(
        cfg,
        "RESULT",
        0,
        &Sample { metric: "bytes_per_actor", value: per_actor, wall, cpu_ms, extra: vec![] }
            .with("rss_before_kb", rss_before / 1024)
            .with("rss_after_kb", rss_after / 1024),
    );

    // Wake-up passes: from this (main) thread send each actor one message, wait until all N
    // processed it. The first K passes are warm-up.
    iterate(cfg, || {
        let pass = Arc::new(Pass { remaining: AtomicUsize::new(n), done: Notify::new() });
        let m = Meter::start();
        for tx in &senders {
            tx.send(Wake(pass.clone())).map_err(|_| "W3b: an actor is gone".to_string())?;
        }
        rt.block_on(pass.done.notified()); // notify_one stores a permit: no lost wake-up
        let sample = Sample::rate(n as u64, &m);
        let left = pass.remaining.load(Ordering::Acquire);
        check(left == 0, || format!("W3b: {left} actors did not process the pass"))?;
        Ok(sample)
    })?;
    drop(senders); // every actor's recv returns None: the tasks end
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// W4a / W4b asks
// ---------------------------------------------------------------------------------------------

/// An ask: the request value and where to reply.
struct Ask {
    value: u64,
    reply: oneshot::Sender<u64>,
}

/// The echo actor: replies with the request's value.
fn spawn_echo(rt: &Runtime) -> (UnboundedSender<Ask>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = unbounded_channel::<Ask>();
    let h = rt.spawn(async move {
        while let Some(Ask { value, reply }) = rx.recv().await {
            let _ = reply.send(value);
        }
    });
    (tx, h)
}

fn w4a(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(200_000);
    iterate(cfg, || {
        let (echo, h) = spawn_echo(rt);
        let m = Meter::start();
        // The asker is the plain main thread, outside the runtime: a non-async send into the
        // actor's mailbox and a blocking wait on the oneshot.
        for i in 0..n {
            let (tx, rx) = oneshot::channel();
            echo.send(Ask { value: i, reply: tx }).map_err(|_| "W4a: echo actor gone".to_string())?;
            let r = rx.blocking_recv().map_err(|_| "W4a: reply dropped".to_string())?;
            check(r == i, || format!("W4a: reply {r} to ask {i}"))?;
        }
        let sample = Sample::rate(n, &m);
        drop(echo);
        rt.block_on(h).map_err(join_err)?;
        Ok(sample)
    })
}

/// Nearest-rank percentile of sorted latencies (ns), in µs.
fn pct_us(sorted: &[u64], p: f64) -> String {
    if sorted.is_empty() {
        return "0".into();
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    format!("{:.1}", sorted[rank - 1] as f64 / 1e3)
}

/// The window of outstanding asks: (value, send time, reply receiver), oldest first. The echo
/// actor answers in mailbox (FIFO) order, so awaiting the oldest first observes each reply as
/// soon as it can be, and the window keeps at most `window` asks outstanding.
type Window = VecDeque<(u64, Instant, oneshot::Receiver<u64>)>;

fn send_ask(echo: &UnboundedSender<Ask>, win: &mut Window, v: u64) -> R<()> {
    let (tx, rx) = oneshot::channel();
    let t = Instant::now();
    echo.send(Ask { value: v, reply: tx }).map_err(|_| "W4b: echo actor gone".to_string())?;
    win.push_back((v, t, rx));
    Ok(())
}

/// shape in: the asker is a task inside the runtime; it awaits the oneshot receivers.
async fn ask_window_async(echo: UnboundedSender<Ask>, n: u64, window: usize) -> R<Vec<u64>> {
    let mut lat = Vec::with_capacity(n as usize);
    let mut win: Window = VecDeque::with_capacity(window);
    let mut next = 0u64;
    while next < n || !win.is_empty() {
        while next < n && win.len() < window {
            send_ask(&echo, &mut win, next)?;
            next += 1;
        }
        let (v, t, rx) = win.pop_front().expect("window not empty");
        let r = rx.await.map_err(|_| "W4b: reply dropped".to_string())?;
        lat.push(t.elapsed().as_nanos() as u64);
        check(r == v, || format!("W4b: reply {r} to ask {v}"))?;
    }
    Ok(lat)
}

/// shape out: the asker is the plain main thread, which never enters the runtime: sends are
/// non-async and each reply is waited for with `oneshot::Receiver::blocking_recv()` (which parks
/// this thread until a worker completes the oneshot; already-completed replies return at once).
/// This is what a Tokio user writes to ask from synchronous code with a bounded number in flight;
/// `handle.block_on(async { ... })` around the in-shape loop would park/unpark the same way.
fn ask_window_blocking(echo: &UnboundedSender<Ask>, n: u64, window: usize) -> R<Vec<u64>> {
    let mut lat = Vec::with_capacity(n as usize);
    let mut win: Window = VecDeque::with_capacity(window);
    let mut next = 0u64;
    while next < n || !win.is_empty() {
        while next < n && win.len() < window {
            send_ask(echo, &mut win, next)?;
            next += 1;
        }
        let (v, t, rx) = win.pop_front().expect("window not empty");
        let r = rx.blocking_recv().map_err(|_| "W4b: reply dropped".to_string())?;
        lat.push(t.elapsed().as_nanos() as u64);
        check(r == v, || format!("W4b: reply {r} to ask {v}"))?;
    }
    Ok(lat)
}

fn w4b(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(1_000_000);
    let window = cfg.window.max(1);
    let inside = cfg.shape == "in";
    iterate(cfg, || {
        let (echo, h) = spawn_echo(rt);
        let m = Meter::start();
        let mut lat = if inside {
            // a task inside the runtime; block_on only waits for it to finish
            let asker = rt.spawn(ask_window_async(echo.clone(), n, window));
            rt.block_on(asker).map_err(join_err)??
        } else {
            ask_window_blocking(&echo, n, window)?
        };
        let sample = Sample::rate(n, &m);
        drop(echo);
        rt.block_on(h).map_err(join_err)?;
        check(lat.len() as u64 == n, || format!("W4b: {} replies for {n} asks", lat.len()))?;
        lat.sort_unstable();
        Ok(sample
            .with("p50_us", pct_us(&lat, 0.50))
            .with("p99_us", pct_us(&lat, 0.99))
            .with("p999_us", pct_us(&lat, 0.999)))
    })
}

// ---------------------------------------------------------------------------------------------
// W5 ring
// ---------------------------------------------------------------------------------------------

enum RingMsg {
    /// the token with the number of hops still to go
    Token(u64),
    /// tear the ring down (the tasks hold each other's senders, so channels never close)
    Stop,
}

fn w5(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let n = cfg.n_or(10_000_000);
    let size = cfg.ring;
    check(size >= 2, || "W5: --ring must be at least 2".into())?;
    iterate(cfg, || {
        let (done_tx, mut done_rx) = unbounded_channel::<usize>();
        let (senders, mut boxes): (Vec<_>, Vec<_>) = (0..size).map(|_| unbounded_channel::<RingMsg>()).unzip();
        let m = Meter::start();
        let mut handles = Vec::with_capacity(size);
        for (i, mut inbox) in boxes.drain(..).enumerate() {
            let next = senders[(i + 1) % size].clone();
            let done_tx = done_tx.clone();
            handles.push(rt.spawn(async move {
                while let Some(msg) = inbox.recv().await {
                    match msg {
                        RingMsg::Token(0) => {
                            let _ = done_tx.send(i);
                            let _ = next.send(RingMsg::Stop);
                        }
                        RingMsg::Token(k) => {
                            let _ = next.send(RingMsg::Token(k - 1));
                        }
                        RingMsg::Stop => {
                            let _ = next.send(RingMsg::Stop);
                            break;
                        }
                    }
                }
            }));
        }
        drop(done_tx);
        senders[0].send(RingMsg::Token(n)).map_err(|_| "W5: ring gone".to_string())?;
        drop(senders);
        let last = rt.block_on(done_rx.recv()).ok_or("W5: ring ended without the token reaching 0")?;
        let sample = Sample::rate(n, &m);
        rt.block_on(async {
            for h in handles {
                h.await.map_err(join_err)?;
            }
            Ok::<(), String>(())
        })?;
        let want = (n % size as u64) as usize;
        check(last == want, || format!("W5: token ended at actor {last}, want {want}"))?;
        Ok(sample)
    })
}

// ---------------------------------------------------------------------------------------------
// W6 blocking burst
// ---------------------------------------------------------------------------------------------

fn w6(cfg: &Cfg) -> R<()> {
    let n = cfg.n_or(1_000);
    let mut last_rt: Option<Runtime> = None;
    let one = |last: &mut Option<Runtime>| -> R<Sample> {
        // Drop the previous iteration's runtime first: Runtime's drop joins its blocking
        // threads, so each burst starts with a cold blocking pool.
        *last = None;
        let threads_before = thread_count()?;
        let rt = build_runtime(cfg.workers)?; // max_blocking_threads(512), thread_keep_alive(1s)
        let m = Meter::start();
        let joined = rt.block_on(async {
            let handles: Vec<_> =
                (0..n).map(|_| tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)))).collect();
            let mut joined = 0u64;
            for h in handles {
                h.await.map_err(join_err)?;
                joined += 1;
            }
            Ok::<u64, String>(joined)
        })?;
        let (wall, cpu_ms) = m.stop();
        let threads = thread_count()?;
        check(joined == n, || format!("W6: joined {joined} of {n}"))?;
        *last = Some(rt);
        Ok(Sample { metric: "ms", value: wall.as_secs_f64() * 1e3, wall, cpu_ms, extra: vec![] }
            .with("threads_before", threads_before)
            .with("threads_after", threads))
    };
    for i in 1..=cfg.warmup {
        let s = one(&mut last_rt)?;
        emit(cfg, "WARMUP", i, &s);
    }
    for i in 1..=cfg.iterations {
        let s = one(&mut last_rt)?;
        emit(cfg, "RESULT", i, &s);
    }
    // Blocking-pool threads of the last iteration's runtime (still alive, not yet dropped): the
    // process's threads (/proc/self/task) minus the main thread and the W core workers, so the
    // figure counts what the JVM sides count, the blocking pool's own threads.
    let others = 1 + cfg.workers;
    let m = Meter::start();
    let burst = thread_count()?.saturating_sub(others);
    let (wall, cpu_ms) = m.stop();
    emit(cfg, "RESULT", 0, &Sample { metric: "threads_after_burst", value: burst as f64, wall, cpu_ms, extra: vec![] });
    let m = Meter::start();
    std::thread::sleep(Duration::from_secs(2)); // keep-alive is 1 s
    let later = thread_count()?.saturating_sub(others);
    let (wall, cpu_ms) = m.stop();
    emit(cfg, "RESULT", 0, &Sample { metric: "threads_after_keepalive", value: later as f64, wall, cpu_ms, extra: vec![] });
    drop(last_rt);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// W8 core starvation
// ---------------------------------------------------------------------------------------------

fn w8(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let run_for = Duration::from_secs_f64(cfg.seconds);
    let loops = 2 * cfg.workers;
    let shape = cfg.shape.clone();
    iterate(cfg, || {
        let stop_loops = Arc::new(AtomicBool::new(false));
        let blocked = Arc::new(AtomicU64::new(0));
        let mut loop_handles = Vec::new();
        if shape != "solo" {
            for _ in 0..loops {
                let (stop, blocked, core) = (stop_loops.clone(), blocked.clone(), shape == "core");
                loop_handles.push(rt.spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let r = if core {
                            // WRONG on purpose: blocking sleep on a core worker thread
                            tokio::spawn(async { std::thread::sleep(Duration::from_millis(50)) }).await
                        } else {
                            // right: blocking work goes to the blocking pool
                            tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50))).await
                        };
                        r.map_err(join_err)?;
                        blocked.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok::<(), String>(())
                }));
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let m = Meter::start();
        let pinger = spawn_ping_pong(rt, u64::MAX, Some(stop.clone()));
        // The main thread (not a runtime thread) is the timer, so it keeps time even when every
        // worker is blocked.
        std::thread::sleep(run_for);
        stop.store(true, Ordering::Relaxed);
        // The loops are told to stop at the same moment as the pinger: in shape core, with
        // Tokio 1.24, a loop task and the task it spawns keep handing the worker to each other
        // through its LIFO slot (one coop budget = 128 x 50 ms), so a pinger not yet scheduled
        // could otherwise wait for minutes. A starved pinger reports few or 0 round trips.
        stop_loops.store(true, Ordering::Relaxed);
        let done = rt.block_on(pinger).map_err(join_err)??;
        let sample = Sample::rate(done, &m);
        // not timed: wait for the blocking loops to end
        rt.block_on(async {
            for h in loop_handles {
                h.await.map_err(join_err)??;
            }
            Ok::<(), String>(())
        })?;
        Ok(sample
            .with("round_trips", done)
            .with("loops", if shape == "solo" { 0 } else { loops })
            .with("blocking_calls", blocked.load(Ordering::Relaxed)))
    })
}

// ---------------------------------------------------------------------------------------------
// W9 many-to-many
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
enum Peer {
    Request { from: usize, seq: u64 },
    Reply { seq: u64 },
    Stop,
}

struct W9Shared {
    finished: AtomicUsize,
    all_done: Notify,
    answered: AtomicU64,
    replies: AtomicU64,
}

async fn w9_actor(
    me: usize,
    mut inbox: UnboundedReceiver<Peer>,
    peers: Arc<Vec<UnboundedSender<Peer>>>,
    requests: u64,
    shared: Arc<W9Shared>,
) -> R<()> {
    let n = peers.len();
    let mut rng = SplitMix64(0x5EED_0000 + me as u64);
    let mut pick = move || {
        // uniformly random other actor
        let t = (rng.next() % (n as u64 - 1)) as usize;
        if t >= me {
            t + 1
        } else {
            t
        }
    };
    let (mut sent, mut replies, mut answered) = (0u64, 0u64, 0u64);
    let finish = |shared: &W9Shared| {
        if shared.finished.fetch_add(1, Ordering::AcqRel) + 1 == n {
            // the last actor to get all its replies: everybody has, stop them all
            for p in peers.iter() {
                let _ = p.send(Peer::Stop);
            }
            shared.all_done.notify_one();
        }
    };
    if requests == 0 {
        finish(&shared);
    } else {
        peers[pick()].send(Peer::Request { from: me, seq: 0 }).map_err(|_| "W9: peer gone")?;
        sent = 1;
    }
    // Keep serving others' requests while waiting for the own reply (it arrives as a message).
    while let Some(msg) = inbox.recv().await {
        match msg {
            Peer::Request { from, seq } => {
                peers[from].send(Peer::Reply { seq }).map_err(|_| "W9: requester gone")?;
                answered += 1;
            }
            Peer::Reply { seq } => {
                if replies >= requests || seq != sent - 1 {
                    return Err(format!("W9: actor {me} got reply {seq}, expected {}", sent - 1));
                }
                replies += 1;
                if sent < requests {
                    peers[pick()].send(Peer::Request { from: me, seq: sent }).map_err(|_| "W9: peer gone")?;
                    sent += 1;
                } else {
                    finish(&shared);
                }
            }
            Peer::Stop => break,
        }
    }
    shared.answered.fetch_add(answered, Ordering::AcqRel);
    shared.replies.fetch_add(replies, Ordering::AcqRel);
    Ok(())
}

fn w9(cfg: &Cfg, rt: &Runtime) -> R<()> {
    let actors = cfg.actors.unwrap_or(1_000);
    let per_actor = cfg.n_or(2_000);
    check(actors >= 2, || "W9: --actors must be at least 2".into())?;
    let total = actors as u64 * per_actor;
    iterate(cfg, || {
        let shared = Arc::new(W9Shared {
            finished: AtomicUsize::new(0),
            all_done: Notify::new(),
            answered: AtomicU64::new(0),
            replies: AtomicU64::new(0),
        });
        let (senders, mut boxes): (Vec<_>, Vec<_>) = (0..actors).map(|_| unbounded_channel::<Peer>()).unzip();
        let peers = Arc::new(senders);
        let m = Meter::start();
        let handles: Vec<_> = boxes
            .drain(..)
            .enumerate()
            .map(|(i, inbox)| rt.spawn(w9_actor(i, inbox, peers.clone(), per_actor, shared.clone())))
            .collect();
        drop(peers);
        rt.block_on(shared.all_done.notified());
        let sample = Sample::rate(total, &m);
        rt.block_on(async {
            for h in handles {
                h.await.map_err(join_err)??;
            }
            Ok::<(), String>(())
        })?;
        let (answered, replies) = (shared.answered.load(Ordering::Acquire), shared.replies.load(Ordering::Acquire));
        check(answered == total && replies == total, || {
            format!("W9: {answered} requests answered, {replies} replies received, want {total}")
        })?;
        Ok(sample)
    })
}

// ---------------------------------------------------------------------------------------------
// W7 TCP echo server
// ---------------------------------------------------------------------------------------------

fn echo_server(cfg: &Cfg, rt: &Runtime) -> R<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::signal::unix::{signal, SignalKind};

    let addr = format!("{}:{}", cfg.host, cfg.port);
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("bind {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on {local}");
            let _ = out.flush();
        }
        // Accept loop: one task per connection.
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((mut sock, _)) => {
                        let _ = sock.set_nodelay(true);
                        tokio::spawn(async move {
                            let mut buf = vec![0u8; 16 * 1024];
                            loop {
                                match sock.read(&mut buf).await {
                                    Ok(0) | Err(_) => break,
                                    Ok(k) => {
                                        if sock.write_all(&buf[..k]).await.is_err() {
                                            break;
                                        }
                                    }
                                }
                            }
                        });
                    }
                    Err(e) => {
                        // e.g. EMFILE: back off a little instead of spinning
                        eprintln!("accept: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
        // Wait for SIGTERM or SIGINT (poll_fn instead of select!, which needs the macros feature).
        std::future::poll_fn(|cx| {
            if term.poll_recv(cx).is_ready() || int.poll_recv(cx).is_ready() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        Ok::<(), String>(())
    })
}

// ---------------------------------------------------------------------------------------------

fn run(cfg: &Cfg) -> R<()> {
    if cfg.workload == "W6" {
        return w6(cfg); // a fresh runtime per iteration (cold blocking pool)
    }
    // Every other workload: one runtime per process, shared by warm-up and measured iterations.
    let rt = build_runtime(cfg.workers)?;
    let r = match cfg.workload {
        "W1" => w1(cfg, &rt),
        "W2" => w2(cfg, &rt),
        "W3a" => w3a(cfg, &rt),
        "W3b" => w3b(cfg, &rt),
        "W4a" => w4a(cfg, &rt),
        "W4b" => w4b(cfg, &rt),
        "W5" => w5(cfg, &rt),
        "W8" => w8(cfg, &rt),
        "W9" => w9(cfg, &rt),
        "echo-server" => echo_server(cfg, &rt),
        other => Err(format!("unknown workload {other}")),
    };
    // Don't wait for leftover tasks (e.g. open echo connections) to wind down.
    rt.shutdown_background();
    r
}

fn main() {
    let result = parse_args().and_then(|cfg| run(&cfg));
    if let Err(e) = result {
        eprintln!("FAILED {e}");
        std::process::exit(1);
    }
}
