//! `insert-ceiling`: the write limit of a cases database, to compare case submission with.
//! Each iteration is one transaction that writes what a submission writes (the idempotency
//! key, the number counter, the case row with its JSON body, one material, the outbox event
//! through its sequence row, the audit entry after reading the previous hash), with plain
//! sqlx statements and none of the service's work around them.
//!
//! ```sh
//! insert-ceiling --url sqlite:///tmp/data/cases.db --seconds 10
//! insert-ceiling --url postgres://postgres@127.0.0.1/cases --seconds 10 --concurrency 8
//! ```
//!
//! Run it against a throwaway database the cases service created (its schema), with the
//! service stopped: the rows it adds are marked `ceiling` and most are removed at the end,
//! but its outbox events stay (the sequence must not have gaps).

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use onewindow_kit::db::Db;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Writers at once (SQLite has one writer connection whatever this says).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// A case body of the size the service stores (its JSON, about 2 KB).
fn body(n: u64) -> String {
    let filler = "x".repeat(1800);
    format!(r#"{{"id":"ceiling-{n}","state":"submitted","note":"{filler}"}}"#)
}

async fn one(db: &Db, run: &str, n: u64) -> anyhow::Result<()> {
    let id = format!("ceiling-{run}-{n}");
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO kit_idempotency (key, request_hash, response, created_at) \
         VALUES ($1, $2, NULL, $3)",
    )
    .bind(format!("ceiling:{id}"))
    .bind("0".repeat(64))
    .bind(0_i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO cs_number_counter (region_code, year, value) VALUES ('ceiling', 2026, 0) \
         ON CONFLICT (region_code, year) DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    let number: i64 = sqlx::query_scalar(
        "UPDATE cs_number_counter SET value = value + 1 WHERE region_code = 'ceiling' \
         AND year = 2026 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO cs_case (id, case_number, query_code_hash, item_id, department_id, \
         region_code, state, awaiting_role, awaiting_stage, applicant_subject, applicant_key, \
         bundle_case_id, due_date, submitted_at, revision, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&id)
    .bind(format!("ceiling-{run}-{number}"))
    .bind("0".repeat(64))
    .bind("ceiling-item")
    .bind("ceiling-department")
    .bind("ceiling")
    .bind("submitted")
    .bind("clerk")
    .bind(Some("accept".to_string()))
    .bind(Some("ceiling-subject".to_string()))
    .bind("0".repeat(64))
    .bind(None::<String>)
    .bind(Some("2026-12-31".to_string()))
    .bind(0_i64)
    .bind(1_i64)
    .bind(body(n))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO cs_material (id, case_id, content_type, sha256, content) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(format!("{id}-m"))
    .bind(&id)
    .bind("application/pdf")
    .bind("0".repeat(64))
    .bind(b"%PDF-1.4".to_vec())
    .execute(&mut *tx)
    .await?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE kit_sequence SET value = value + 1 WHERE name = 'outbox' RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO kit_outbox (seq, id, kind, object_type, object_id, occurred_at, \
         payload_type, payload, trace_context) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(format!("{id}-e"))
    .bind("ceiling")
    .bind("case")
    .bind(&id)
    .bind(0_i64)
    .bind("type.googleapis.com/ceiling")
    .bind(vec![0_u8; 300])
    .bind("{}")
    .execute(&mut *tx)
    .await?;
    let prev: Option<String> = sqlx::query_scalar(
        "SELECT hash FROM kit_audit WHERE object_type = $1 AND object_id = $2 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind("ceiling")
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO kit_audit (object_type, object_id, actor, action, at, change_json, \
         prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind("ceiling")
    .bind(&id)
    .bind("ceiling")
    .bind("submit")
    .bind(0_i64)
    .bind("{}")
    .bind(prev.unwrap_or_default())
    .bind(format!("{id}-h"))
    .execute(&mut *tx)
    .await?;
    db.commit(tx).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.url, None).await?;
    let run = chrono::Utc::now().timestamp_millis().to_string();
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (db, run, counter, errors) = (db.clone(), run.clone(), counter.clone(), errors.clone());
        workers.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok()?;
            while Instant::now() < end {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                if let Err(e) = one(&db, &run, n).await {
                    if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                        eprintln!("first error: {e}");
                    }
                }
                let us = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
                let _ = h.record(us.clamp(1, 60_000_000));
            }
            Some(h)
        }));
    }
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for w in workers {
        if let Some(h) = w.await? {
            total.add(&h)?;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let errors = errors.load(Ordering::Relaxed);
    println!(
        "ceiling: {:.0} tx/s, {} tx, {} errors, p50 {} us, p99 {} us",
        (total.len() - errors) as f64 / seconds,
        total.len(),
        errors,
        total.value_at_quantile(0.5),
        total.value_at_quantile(0.99)
    );
    // Leave the database as the service left it.
    let mut tx = db.begin().await?;
    for sql in [
        "DELETE FROM kit_idempotency WHERE key LIKE 'ceiling:%'",
        "DELETE FROM cs_material WHERE case_id LIKE 'ceiling-%'",
        "DELETE FROM cs_case WHERE id LIKE 'ceiling-%'",
        "DELETE FROM kit_audit WHERE object_type = 'ceiling'",
        "DELETE FROM cs_number_counter WHERE region_code = 'ceiling'",
    ] {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    db.commit(tx).await?;
    Ok(())
}
