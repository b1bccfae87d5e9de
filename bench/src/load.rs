//! Load generation: closed loop (N callers, each calling again as soon as it is answered)
//! or open loop (calls started at a fixed rate whatever the answers; latency counted from
//! the planned start, so a slow server cannot hide queueing: no coordinated omission).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Mutex;

#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Closed {
        concurrency: usize,
    },
    Open {
        rate_per_sec: u64,
        max_in_flight: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Report {
    pub calls: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl Report {
    pub fn throughput(&self) -> f64 {
        if self.seconds > 0.0 {
            self.calls as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn line(&self, label: &str) -> String {
        format!(
            "{label}: {:.0} calls/s, {} calls, {} errors, p50 {} us, p90 {} us, p99 {} us, max {} us",
            self.throughput(),
            self.calls,
            self.errors,
            self.p50_us,
            self.p90_us,
            self.p99_us,
            self.max_us
        )
    }
}

struct Tally {
    histogram: Histogram<u64>,
    errors: u64,
}

fn new_tally() -> anyhow::Result<Tally> {
    Ok(Tally {
        histogram: Histogram::new_with_bounds(1, 60_000_000, 3)?,
        errors: 0,
    })
}

/// Runs `call(n)` (n counts calls, for unique payloads) for `duration`; a call's `Err` is
/// counted as an error (a non-OK status), its latency recorded all the same.
pub async fn run<F, Fut>(mode: Mode, duration: Duration, call: F) -> anyhow::Result<Report>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), tonic::Status>> + Send + 'static,
{
    let call = Arc::new(call);
    let tally = Arc::new(Mutex::new(new_tally()?));
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let end = start + duration;
    match mode {
        Mode::Closed { concurrency } => {
            let mut workers = Vec::new();
            for _ in 0..concurrency.max(1) {
                let call = call.clone();
                let tally = tally.clone();
                let counter = counter.clone();
                workers.push(tokio::spawn(async move {
                    let mut local = match new_tally() {
                        Ok(t) => t,
                        Err(_) => return,
                    };
                    while Instant::now() < end {
                        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let t0 = Instant::now();
                        let ok = call(n).await.is_ok();
                        record(&mut local, t0.elapsed(), ok);
                    }
                    let mut t = tally.lock().await;
                    let _ = t.histogram.add(&local.histogram);
                    t.errors += local.errors;
                }));
            }
            for w in workers {
                w.await?;
            }
        }
        Mode::Open {
            rate_per_sec,
            max_in_flight,
        } => {
            let interval = Duration::from_secs_f64(1.0 / rate_per_sec.max(1) as f64);
            let in_flight = Arc::new(tokio::sync::Semaphore::new(max_in_flight.max(1)));
            let mut tasks = Vec::new();
            let mut planned = start;
            while planned < end {
                tokio::time::sleep_until(planned.into()).await;
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let call = call.clone();
                let tally = tally.clone();
                let permit = in_flight.clone().acquire_owned().await?;
                let t0 = planned;
                tasks.push(tokio::spawn(async move {
                    let ok = call(n).await.is_ok();
                    let mut t = tally.lock().await;
                    record(&mut t, t0.elapsed(), ok);
                    drop(permit);
                }));
                planned += interval;
            }
            for t in tasks {
                t.await?;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let t = tally.lock().await;
    let h = &t.histogram;
    Ok(Report {
        calls: h.len(),
        errors: t.errors,
        seconds,
        p50_us: h.value_at_quantile(0.50),
        p90_us: h.value_at_quantile(0.90),
        p99_us: h.value_at_quantile(0.99),
        max_us: h.max(),
    })
}

fn record(t: &mut Tally, elapsed: Duration, ok: bool) {
    let us = u64::try_from(elapsed.as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    let _ = t.histogram.record(us.min(60_000_000));
    if !ok {
        t.errors += 1;
    }
}
