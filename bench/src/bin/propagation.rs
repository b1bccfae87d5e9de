//! `propagation`: how long a case submission takes to reach supervision's projection.
//! Submits cases open loop at a fixed rate (each submission emits `cases.case.submitted`)
//! and times, per case, from the submission's acknowledgement to the moment supervision's
//! record holds it.
//!
//! That moment is read from supervision's consumer offset (`kit_consumer_offset`, row
//! `supervision<-cases`): the consumer commits each event's effect and the offset in one
//! transaction and applies the stream in order, so the record of the case whose event has
//! sequence number `s` is committed exactly when the offset reaches `s`. One indexed read
//! per poll, however many cases are in flight (polling `GetCaseRecord` per case would cost
//! the server a call per case per poll). Which sequence number each case got is read from
//! the cases outbox after the run. A sample of the cases is then checked through the public
//! `GetCaseRecord`, so the offset is not trusted blindly.
//!
//! ```sh
//! propagation --addr 127.0.0.1:50098 --rate 1000 --seconds 10 \
//!   --cases-url sqlite://$DATA/cases.db --supervision-url sqlite://$DATA/supervision.db \
//!   --token $APPLICANT --supervisor-token $SUPERVISOR
//! ```

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use onewindow_bench::submission::{case_clients, promised_item, submission, with_token};
use onewindow_kit::db::Db;
use onewindow_proto::supervision::v1 as supervision;
use onewindow_proto::supervision::v1::supervision_service_client::SupervisionServiceClient;
use sqlx::Row;
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// host:port of the standalone binary's gRPC port.
    #[arg(long)]
    addr: String,
    /// Submissions started per second, whatever the answers (open loop).
    #[arg(long)]
    rate: u64,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// The cases service's database (its outbox numbers the events).
    #[arg(long)]
    cases_url: String,
    /// Supervision's database (its consumer offset says what it has applied).
    #[arg(long)]
    supervision_url: String,
    /// An applicant's token, for the submissions.
    #[arg(long, env = "ONEWINDOW_BENCH_TOKEN")]
    token: String,
    /// A supervisor's token, for the `GetCaseRecord` check.
    #[arg(long, env = "ONEWINDOW_BENCH_SUPERVISOR_TOKEN")]
    supervisor_token: String,
    /// Microseconds between two reads of the offset: the resolution of the figures.
    #[arg(long, default_value_t = 1000)]
    poll_us: u64,
    /// How long to wait, after the last acknowledgement, for supervision to catch up.
    #[arg(long, default_value_t = 120)]
    drain_secs: u64,
    /// Cases checked through `GetCaseRecord` after the run.
    #[arg(long, default_value_t = 50)]
    verify: usize,
}

const CONSUMER: &str = "supervision<-cases";

async fn offset(db: &Db) -> anyhow::Result<i64> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT last_seq FROM kit_consumer_offset WHERE consumer = $1")
            .bind(CONSUMER)
            .fetch_optional(db.reader())
            .await?;
    Ok(v.unwrap_or(0))
}

/// Reads the offset every `every` until `stop`, on its own thread and runtime so that the
/// submissions' load does not delay the reads. Returns each change as (when seen, offset)
/// and the number of reads.
fn poll_offsets(
    url: String,
    every: Duration,
    stop: Arc<AtomicBool>,
    polls: Arc<AtomicU64>,
) -> std::thread::JoinHandle<anyhow::Result<Vec<(Instant, i64)>>> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let db = Db::connect(&url, Some(1)).await?;
            let mut seen = vec![(Instant::now(), offset(&db).await?)];
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let o = offset(&db).await?;
                let at = Instant::now();
                polls.fetch_add(1, Ordering::Relaxed);
                if seen.last().is_some_and(|(_, last)| o > *last) {
                    seen.push((at, o));
                }
            }
            Ok(seen)
        })
    })
}

struct Submitted {
    planned: Instant,
    acked: Instant,
    case_id: Result<String, tonic::Status>,
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 600_000_000, 3)?)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut channels = Vec::new();
    for _ in 0..args.connections.max(1) {
        channels.push(
            Channel::from_shared(format!("http://{}", args.addr))?
                .connect()
                .await?,
        );
    }
    let item = promised_item(&channels[0]).await?;
    let cases_db = Db::connect(&args.cases_url, Some(2)).await?;
    let supervision_db = Db::connect(&args.supervision_url, Some(2)).await?;

    // Start from a caught-up consumer, so that earlier events do not count against this run.
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM kit_outbox")
        .fetch_one(cases_db.reader())
        .await?;
    let idle_deadline = Instant::now() + Duration::from_secs(60);
    while offset(&supervision_db).await? < head {
        anyhow::ensure!(
            Instant::now() < idle_deadline,
            "supervision did not catch up with the cases stream before the run"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let polls = Arc::new(AtomicU64::new(0));
    let poller = poll_offsets(
        args.supervision_url.clone(),
        Duration::from_micros(args.poll_us.max(1)),
        stop.clone(),
        polls.clone(),
    );

    // Open loop: the n-th submission starts at start + n/rate, answered or not.
    let clients = case_clients(&channels);
    let token = Some(args.token.clone());
    let run_id = format!("prop-{}", chrono::Utc::now().timestamp_millis());
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(1) as f64);
    let start = Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(10_000));
    let mut tasks = tokio::task::JoinSet::new();
    let mut planned = start;
    let mut n = 0_u64;
    while planned < end {
        tokio::time::sleep_until(planned.into()).await;
        let permit = in_flight.clone().acquire_owned().await?;
        let mut c = clients[n as usize % clients.len()].clone();
        let req = with_token(submission(&item, &run_id, n), &token)?;
        let at = planned;
        tasks.spawn(async move {
            let r = c.submit_case(req).await.map(|r| r.into_inner().id);
            drop(permit);
            Submitted {
                planned: at,
                acked: Instant::now(),
                case_id: r,
            }
        });
        planned += interval;
        n += 1;
    }
    let mut done = Vec::with_capacity(usize::try_from(n)?);
    while let Some(s) = tasks.join_next().await {
        done.push(s?);
    }
    let last_ack = done.iter().map(|s| s.acked).max().unwrap_or(start);

    // Which event each case got, from the producer's outbox.
    let rows = sqlx::query(
        "SELECT seq, object_id FROM kit_outbox WHERE seq > $1 AND kind = 'cases.case.submitted'",
    )
    .bind(head)
    .fetch_all(cases_db.reader())
    .await?;
    let mut seq_of = std::collections::HashMap::with_capacity(rows.len());
    for r in &rows {
        let seq: i64 = r.try_get("seq")?;
        let id: String = r.try_get("object_id")?;
        seq_of.insert(id, seq);
    }
    let last_seq = seq_of.values().copied().max().unwrap_or(head);
    let drain_deadline = Instant::now() + Duration::from_secs(args.drain_secs);
    while offset(&supervision_db).await? < last_seq && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    stop.store(true, Ordering::Relaxed);
    let seen = poller
        .join()
        .map_err(|_| anyhow::anyhow!("the offset poller panicked"))??;
    let poll_count = polls.load(Ordering::Relaxed).max(1);
    let polled_for = seen
        .last()
        .map_or(Duration::ZERO, |(t, _)| t.saturating_duration_since(start));

    let mut submit = histogram()?;
    let mut propagation = histogram()?;
    let (mut errors, mut missing, mut before_ack) = (0_u64, 0_u64, 0_u64);
    let mut acked_ids = Vec::new();
    for s in &done {
        submit.record(micros(s.acked.saturating_duration_since(s.planned)).min(600_000_000))?;
        let Ok(id) = &s.case_id else {
            errors += 1;
            continue;
        };
        acked_ids.push(id.clone());
        let Some(&seq) = seq_of.get(id) else {
            missing += 1;
            continue;
        };
        let at = seen.partition_point(|(_, o)| *o < seq);
        let Some((when, _)) = seen.get(at) else {
            missing += 1;
            continue;
        };
        if *when < s.acked {
            before_ack += 1;
        }
        propagation.record(micros(when.saturating_duration_since(s.acked)).min(600_000_000))?;
    }
    let acked = done.len() as u64 - errors;
    let ack_span = last_ack.saturating_duration_since(start).as_secs_f64();
    // The consumer's pace: events applied from its first to its last change in the run.
    let applied_rate = match (seen.get(1), seen.last()) {
        (Some((t0, o0)), Some((t1, o1))) if t1 > t0 => {
            (o1 - o0) as f64 / t1.saturating_duration_since(*t0).as_secs_f64()
        }
        _ => 0.0,
    };

    println!(
        "offered {}/s for {} s: {} submitted, {acked} acknowledged ({:.0}/s), {errors} errors; \
         submission p50 {}, p99 {}, max {}",
        args.rate,
        args.seconds,
        done.len(),
        acked as f64 / ack_span.max(1e-9),
        ms(submit.value_at_quantile(0.5)),
        ms(submit.value_at_quantile(0.99)),
        ms(submit.max()),
    );
    println!(
        "supervision applied {} events at {applied_rate:.0}/s; {missing} acknowledged cases not applied within {} s of the last acknowledgement",
        seen.last().map_or(0, |(_, o)| o - head),
        args.drain_secs
    );
    println!(
        "propagation (acknowledgement -> supervision's record): {} cases, p50 {}, p90 {}, p99 {}, max {}; \
         {before_ack} applied before the client had the acknowledgement (counted as 0)",
        propagation.len(),
        ms(propagation.value_at_quantile(0.5)),
        ms(propagation.value_at_quantile(0.9)),
        ms(propagation.value_at_quantile(0.99)),
        ms(propagation.max()),
    );
    println!(
        "resolution: the offset was read {poll_count} times in {:.1} s, every {} on average \
         (asked: every {} us)",
        polled_for.as_secs_f64(),
        ms(micros(polled_for) / poll_count),
        args.poll_us
    );

    // The public record, for a sample spread over the run.
    let mut records = SupervisionServiceClient::new(channels[0].clone());
    let step = (acked_ids.len() / args.verify.max(1)).max(1);
    let (mut checked, mut found) = (0, 0);
    let supervisor = Some(args.supervisor_token.clone());
    for id in acked_ids.iter().step_by(step).take(args.verify) {
        checked += 1;
        let req = with_token(
            supervision::GetCaseRecordRequest {
                case_id: id.clone(),
            },
            &supervisor,
        )?;
        if records.get_case_record(req).await.is_ok() {
            found += 1;
        }
    }
    println!("GetCaseRecord: {found} of {checked} sampled cases found");
    Ok(())
}
