//! `mixed`: a service center's mixed traffic through the gateway's REST API and pages, open
//! loop at each of a list of rates, with latency percentiles overall and per kind of request.
//! Latency is counted from each request's planned start (no coordinated omission).
//!
//! ```sh
//! ONEWINDOW_BENCH_TOKEN=$APPLICANT ONEWINDOW_BENCH_STAFF_TOKEN=$CLERK \
//!   mixed --base http://127.0.0.1:8098 --rates 50,100,200,400 --seconds 10
//! ```
//!
//! Per 20 requests: 4 item guide pages, 2 search pages, 2 REST item reads, 4 public case
//! lookups, 3 submissions (applicant), 2 inbox reads and 3 acceptances (a clerk of the
//! submitted item's department). Lookups and acceptances use cases submitted before the
//! first step, untimed.

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use hdrhistogram::Histogram;
use onewindow_bench::submission::submission;
use onewindow_proto::catalog::v1 as catalog;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use prost::Message as _;
use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

#[derive(Parser)]
struct Args {
    /// The gateway.
    #[arg(long, default_value = "http://127.0.0.1:8098")]
    base: String,
    /// Offered requests per second, one open-loop step each.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "50,100,200,300,400,600,800"
    )]
    rates: Vec<u64>,
    /// Length of each step.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Pause between steps, for the services' background work (events) to catch up.
    #[arg(long, default_value_t = 3)]
    pause_seconds: u64,
    /// Pause after the prefill, whose events the services work through before the first step.
    #[arg(long, default_value_t = 15)]
    settle_seconds: u64,
    /// An applicant's token (`onewindow token --role applicant`).
    #[arg(long, env = "ONEWINDOW_BENCH_TOKEN", hide_env_values = true)]
    applicant_token: String,
    /// A clerk's token of the department of the first promised item.
    #[arg(long, env = "ONEWINDOW_BENCH_STAFF_TOKEN", hide_env_values = true)]
    clerk_token: String,
    /// Requests outstanding at most; past it the schedule waits (and latency shows it).
    #[arg(long, default_value_t = 1000)]
    max_in_flight: usize,
    /// Cases submitted before the first step (default: what every step accepts, plus 10 %).
    #[arg(long)]
    prefill: Option<usize>,
    /// Concurrent submitters during the prefill.
    #[arg(long, default_value_t = 16)]
    prefill_callers: usize,
    /// What the search page is asked for.
    #[arg(long, default_value = "登记")]
    query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ItemPage,
    SearchPage,
    RestItem,
    Lookup,
    Submit,
    Inbox,
    Accept,
}

const KINDS: [Kind; 7] = [
    Kind::ItemPage,
    Kind::SearchPage,
    Kind::RestItem,
    Kind::Lookup,
    Kind::Submit,
    Kind::Inbox,
    Kind::Accept,
];

/// Request `n` is of kind `MIX[n % 20]`: the kinds interleaved rather than in runs.
const MIX: [Kind; 20] = {
    use Kind::*;
    [
        ItemPage, Lookup, Submit, Accept, SearchPage, ItemPage, Lookup, RestItem, Inbox, Submit,
        ItemPage, Lookup, Accept, SearchPage, ItemPage, Lookup, Submit, RestItem, Inbox, Accept,
    ]
};

impl Kind {
    fn index(self) -> usize {
        KINDS.iter().position(|k| *k == self).unwrap_or(0)
    }

    fn label(self) -> &'static str {
        match self {
            Kind::ItemPage => "page /items/{id}",
            Kind::SearchPage => "page /items?q=",
            Kind::RestItem => "GET items/{id}",
            Kind::Lookup => "GET case-lookup",
            Kind::Submit => "POST cases",
            Kind::Inbox => "GET inbox",
            Kind::Accept => "POST :accept",
        }
    }

    /// Requests of this kind per 20.
    fn share(self) -> u64 {
        MIX.iter().filter(|k| **k == self).count() as u64
    }
}

/// A path segment: RFC 3986 unreserved characters stay as they are.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

struct Prefilled {
    id: String,
    case_number: String,
    query_code: String,
}

/// What every request reads.
struct Ctx {
    http: reqwest::Client,
    base: String,
    applicant: String,
    clerk: String,
    item_ids: Vec<String>,
    item: catalog::Item,
    submit_request: MessageDescriptor,
    run_id: String,
    search_path: String,
    cases: Vec<Prefilled>,
    next_accept: AtomicUsize,
}

impl Ctx {
    /// Submission `n` in the proto3 JSON mapping, as a REST client sends it.
    fn submission_json(&self, n: u64) -> anyhow::Result<String> {
        let bytes = submission(&self.item, &self.run_id, n).encode_to_vec();
        let message = DynamicMessage::decode(self.submit_request.clone(), bytes.as_slice())?;
        Ok(serde_json::to_string(&message)?)
    }

    async fn submit(&self, n: u64) -> Result<Value, String> {
        let body = self.submission_json(n).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(format!("{}/api/v1/cases", self.base))
            .header(AUTHORIZATION, &self.applicant)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let bytes = send(response).await?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }

    /// Request `n`: `Err` for a transport failure or a status other than 2xx.
    async fn call(&self, kind: Kind, n: u64) -> Result<(), String> {
        let k = (n / 20) as usize;
        let base = &self.base;
        let request = match kind {
            Kind::ItemPage => {
                let id = &self.item_ids[k % self.item_ids.len()];
                self.http.get(format!("{base}/items/{}", seg(id)))
            }
            Kind::SearchPage => self.http.get(format!("{base}{}", self.search_path)),
            Kind::RestItem => {
                let id = &self.item_ids[(k + 7) % self.item_ids.len()];
                self.http.get(format!("{base}/api/v1/items/{}", seg(id)))
            }
            Kind::Lookup => {
                let c = &self.cases[(k * 4 + n as usize % 20) % self.cases.len()];
                self.http.get(format!(
                    "{base}/api/v1/case-lookup?caseNumber={}&queryCode={}",
                    seg(&c.case_number),
                    seg(&c.query_code)
                ))
            }
            Kind::Submit => return self.submit(n).await.map(|_| ()),
            Kind::Inbox => self
                .http
                .get(format!("{base}/api/v1/inbox?pageSize=20"))
                .header(AUTHORIZATION, &self.clerk),
            Kind::Accept => {
                let at = self.next_accept.fetch_add(1, Ordering::Relaxed);
                let Some(c) = self.cases.get(at) else {
                    return Err("every prefilled case is accepted: raise --prefill".into());
                };
                let body = serde_json::json!({
                    "requestId": format!("bench-accept-{}-{}", self.run_id, c.id),
                    "revision": 0,
                });
                self.http
                    .post(format!("{base}/api/v1/cases/{}:accept", seg(&c.id)))
                    .header(AUTHORIZATION, &self.clerk)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_string())
            }
        };
        send(request).await.map(|_| ())
    }
}

/// Sends and reads the whole body; `Err` names a failure or a status other than 2xx.
async fn send(request: reqwest::RequestBuilder) -> Result<bytes::Bytes, String> {
    let response = request.send().await.map_err(|e| format!("{e:#}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("{e:#}"))?;
    if status.is_success() {
        Ok(body)
    } else {
        let text = String::from_utf8_lossy(&body);
        Err(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        ))
    }
}

struct Tally {
    histogram: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            histogram: Histogram::new_with_bounds(1, 120_000_000, 3)?,
            errors: 0,
            first_error: None,
        })
    }

    fn record(&mut self, elapsed: Duration, outcome: Result<(), String>) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let _ = self.histogram.record(us.clamp(1, 120_000_000));
        if let Err(e) = outcome {
            self.errors += 1;
            self.first_error.get_or_insert(e);
        }
    }

    fn p99_ms(&self) -> f64 {
        ms(self.histogram.value_at_quantile(0.99))
    }

    fn figures(&self) -> String {
        let h = &self.histogram;
        format!(
            "{:>6} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            h.len(),
            self.errors,
            ms(h.value_at_quantile(0.50)),
            ms(h.value_at_quantile(0.90)),
            ms(h.value_at_quantile(0.99)),
            ms(h.max()),
        )
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// One open-loop step: `rate` requests a second for `duration`, numbered from `first`.
/// Returns the tally per kind and the seconds until the last answer.
async fn step(
    ctx: &Arc<Ctx>,
    rate: u64,
    duration: Duration,
    max_in_flight: usize,
    first: u64,
) -> anyhow::Result<(Vec<Tally>, f64, u64)> {
    let tallies = Arc::new(Mutex::new(
        KINDS
            .iter()
            .map(|_| Tally::new())
            .collect::<anyhow::Result<Vec<_>>>()?,
    ));
    let in_flight = Arc::new(tokio::sync::Semaphore::new(max_in_flight.max(1)));
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let start = Instant::now();
    let end = start + duration;
    let mut planned = start;
    let mut n = first;
    let mut tasks = tokio::task::JoinSet::new();
    while planned < end {
        tokio::time::sleep_until(planned.into()).await;
        let permit = in_flight.clone().acquire_owned().await?;
        let (ctx, tallies, at) = (ctx.clone(), tallies.clone(), planned);
        let kind = MIX[(n % 20) as usize];
        tasks.spawn(async move {
            let outcome = ctx.call(kind, n).await;
            let elapsed = at.elapsed();
            drop(permit);
            if let Ok(mut t) = tallies.lock() {
                t[kind.index()].record(elapsed, outcome);
            }
        });
        // Finished tasks are reaped as the step goes, so the set stays small.
        while let Some(done) = tasks.try_join_next() {
            done?;
        }
        n += 1;
        planned += interval;
    }
    while let Some(done) = tasks.join_next().await {
        done?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let tallies = match Arc::try_unwrap(tallies) {
        Ok(m) => m
            .into_inner()
            .map_err(|_| anyhow::anyhow!("a tally lock is poisoned"))?,
        Err(_) => anyhow::bail!("a request outlived its step"),
    };
    Ok((tallies, seconds, n))
}

/// The catalog's item ids and the first item with a promised time limit, over REST.
async fn items(
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<(Vec<String>, catalog::Item)> {
    let body = send(
        http.get(format!("{base}/api/v1/items?pageSize=200"))
            .header(AUTHORIZATION, token),
    )
    .await
    .map_err(|e| anyhow::anyhow!("listing the items: {e}"))?;
    let list: Value = serde_json::from_slice(&body)?;
    let items = list["items"].as_array().cloned().unwrap_or_default();
    let ids: Vec<String> = items
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    anyhow::ensure!(!ids.is_empty(), "the catalog holds no items");
    let promised = items
        .into_iter()
        .find(|i| i["itemClass"] == "ITEM_CLASS_PROMISED")
        .context("no promised item")?;
    let descriptor = onewindow_proto::descriptor_pool()
        .get_message_by_name("onewindow.catalog.v1.Item")
        .context("no onewindow.catalog.v1.Item in the descriptor set")?;
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let item = DynamicMessage::deserialize_with_options(descriptor, promised, &options)?
        .transcode_to::<catalog::Item>()?;
    Ok((ids, item))
}

/// Submits `total` cases with `callers` concurrent submitters, numbered from `u64::MAX / 2`
/// down so that they never meet the timed submissions' request ids.
async fn prefill(ctx: &Arc<Ctx>, total: usize, callers: usize) -> anyhow::Result<Vec<Prefilled>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..callers.max(1) {
        let (ctx, next) = (ctx.clone(), next.clone());
        set.spawn(async move {
            let mut cases = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total as u64 {
                    return anyhow::Ok(cases);
                }
                let case = ctx
                    .submit(u64::MAX / 2 - k)
                    .await
                    .map_err(|e| anyhow::anyhow!("prefill submission: {e}"))?;
                let field = |name: &str| case[name].as_str().unwrap_or_default().to_string();
                let c = Prefilled {
                    id: field("id"),
                    case_number: field("caseNumber"),
                    query_code: field("queryCode"),
                };
                anyhow::ensure!(
                    !c.id.is_empty() && !c.case_number.is_empty() && !c.query_code.is_empty(),
                    "a submission's answer lacks id, caseNumber or queryCode: {case}"
                );
                cases.push(c);
            }
        });
    }
    let mut all = Vec::with_capacity(total);
    while let Some(done) = set.join_next().await {
        all.extend(done??);
    }
    Ok(all)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(!args.rates.is_empty(), "--rates names no rate");
    let base = args.base.trim_end_matches('/').to_string();
    // HTTP/1.1 with keep-alive; redirects are not followed, so one request is one answer.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .pool_idle_timeout(Duration::from_secs(30))
        .build()?;
    let applicant = format!("Bearer {}", args.applicant_token);
    let clerk = format!("Bearer {}", args.clerk_token);
    let (item_ids, item) = items(&http, &base, &applicant).await?;
    let submit_request = onewindow_proto::descriptor_pool()
        .get_message_by_name("onewindow.cases.v1.SubmitCaseRequest")
        .context("no onewindow.cases.v1.SubmitCaseRequest in the descriptor set")?;
    let accepts: u64 = args
        .rates
        .iter()
        .map(|r| r * args.seconds * Kind::Accept.share() / 20)
        .sum();
    let total = args
        .prefill
        .unwrap_or((accepts + accepts / 10 + 100) as usize);
    let mut ctx = Ctx {
        http,
        base,
        applicant,
        clerk,
        item_ids,
        item,
        submit_request,
        run_id: chrono::Utc::now().timestamp_millis().to_string(),
        search_path: format!("/items?q={}", seg(&args.query)),
        cases: Vec::new(),
        next_accept: AtomicUsize::new(0),
    };
    println!(
        "# {} items; submitting to {} ({}, department {}); {} s per step, at most {} in flight",
        ctx.item_ids.len(),
        ctx.item.id,
        ctx.item.name,
        ctx.item.department_id,
        args.seconds,
        args.max_in_flight
    );

    let t0 = Instant::now();
    let shared = Arc::new(ctx);
    let cases = prefill(&shared, total, args.prefill_callers).await?;
    let took = t0.elapsed().as_secs_f64();
    println!(
        "# prefill (untimed): {} cases in {took:.1} s ({:.0}/s, {} submitters); then {} s to settle, {} s between steps",
        cases.len(),
        cases.len() as f64 / took,
        args.prefill_callers,
        args.settle_seconds,
        args.pause_seconds
    );
    ctx = Arc::try_unwrap(shared).map_err(|_| anyhow::anyhow!("the prefill outlived itself"))?;
    ctx.cases = cases;
    let ctx = Arc::new(ctx);

    println!(
        "{:>9} {:>10} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8}  kind",
        "offered/s", "achieved/s", "calls", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let mut n = 0;
    let mut best: Option<(u64, f64, f64)> = None;
    let mut dominant = Vec::new();
    for (i, &rate) in args.rates.iter().enumerate() {
        let pause = if i == 0 {
            args.settle_seconds
        } else {
            args.pause_seconds
        };
        tokio::time::sleep(Duration::from_secs(pause)).await;
        let duration = Duration::from_secs(args.seconds);
        let (tallies, seconds, next) = step(&ctx, rate, duration, args.max_in_flight, n).await?;
        n = next;
        let mut all = Tally::new()?;
        for t in &tallies {
            all.histogram.add(&t.histogram)?;
            all.errors += t.errors;
        }
        let achieved = all.histogram.len() as f64 / seconds;
        println!("{rate:>9} {achieved:>10.1} {}  all", all.figures());
        for (kind, t) in KINDS.iter().zip(&tallies) {
            println!("{:>9} {:>10} {}  {}", "", "", t.figures(), kind.label());
        }
        for (kind, t) in KINDS.iter().zip(&tallies) {
            if let Some(e) = &t.first_error {
                println!("    first error of {}: {e}", kind.label());
            }
        }
        let slowest = KINDS
            .iter()
            .zip(&tallies)
            .max_by(|a, b| a.1.p99_ms().total_cmp(&b.1.p99_ms()))
            .map(|(k, t)| (k.label(), t.p99_ms()));
        if let Some((label, p99)) = slowest {
            dominant.push(format!("{rate}/s: {label} ({p99:.1} ms)"));
        }
        if all.errors == 0 && all.p99_ms() < 100.0 && best.is_none_or(|b| rate > b.0) {
            best = Some((rate, achieved, all.p99_ms()));
        }
    }
    println!("# slowest kind at p99 per step: {}", dominant.join("; "));
    match best {
        Some((rate, achieved, p99)) => println!(
            "# highest step with p99 < 100 ms and no errors: {rate}/s offered, {achieved:.1}/s achieved, p99 {p99:.1} ms"
        ),
        None => println!("# no step had p99 < 100 ms and no errors"),
    }
    Ok(())
}
