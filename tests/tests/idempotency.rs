//! Idempotency under concurrency for every mutation of the contracts (every RPC whose
//! request carries a `request_id`), with the matrix's requests: the same request sent eight
//! times at once has one effect and one answer, and the same id with another body is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use onewindow_suite::authz::world::effects;
use onewindow_suite::authz::{call, matrix, prepare, Row, World};
use prost_reflect::{Kind, MessageDescriptor};
use serde_json::Value as Json;
use tokio::task::JoinSet;
use tonic::Code;

/// How many copies of a request arrive at once.
const COPIES: usize = 8;

/// A copy of `request` with one free-text field changed (or set, where the message has
/// it): the same id, another request.
fn with_other_body(input: &MessageDescriptor, request: &Json) -> Option<Json> {
    let mut out = request.clone();
    let map = out.as_object_mut()?;
    for field in [
        "note",
        "reason",
        "opinion",
        "comment",
        "measures",
        "findings",
        "title",
        "body",
        "content",
        "summary",
        "text",
        "answer",
        "payment_reference",
    ] {
        let Some(f) = input.get_field_by_name(field) else {
            continue;
        };
        if f.kind() != Kind::String || f.is_list() {
            continue;
        }
        let value = map
            .entry(field.to_string())
            .or_insert_with(|| Json::String(String::new()));
        if let Json::String(s) = value {
            s.push_str("（另一份）");
            return Some(out);
        }
    }
    for (outer, inner) in [
        ("applicant", "name"),
        ("department", "name"),
        ("calendar", "source"),
        ("items", "problem"),
        ("materials", "file_name"),
        ("project", "title"),
        ("expert", "name"),
        ("bidder", "name"),
        ("item", "name"),
        ("batch", "title"),
        ("bundle", "name"),
    ] {
        let target = match map.get_mut(outer) {
            Some(Json::Array(items)) => items.first_mut(),
            other => other,
        };
        if let Some(Json::String(s)) = target.and_then(|o| o.get_mut(inner)) {
            s.push_str("（另一份）");
            return Some(out);
        }
    }
    // An import: another name for the snapshot's first item.
    if let Some(Json::String(s)) = map
        .get_mut("snapshot")
        .and_then(|snapshot| snapshot.get_mut("items"))
        .and_then(|items| items.get_mut(0))
        .and_then(|item| item.get_mut("name"))
    {
        s.push_str("（另一份）");
        return Some(out);
    }
    // A publication: from the day after.
    if let Some(Json::String(s)) = map.get_mut("valid_from") {
        let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        *s = (day + chrono::Duration::days(1)).to_string();
        return Some(out);
    }
    if let Some(Json::Array(fees)) = map.get_mut("fees") {
        if let Some(fee) = fees.first_mut().and_then(|f| f.as_object_mut()) {
            fee.insert("amount_fen".into(), Json::String("1".into()));
            return Some(out);
        }
    }
    // Else the object it acts on: another one, under the same id.
    let (_, target) = map
        .iter_mut()
        .find(|(k, v)| k.as_str() != "request_id" && v.is_string())?;
    if let Json::String(s) = target {
        s.push_str("-x");
    }
    Some(out)
}

/// An answer as it must repeat. A complaint's secret is the exception: only its hash is
/// stored, so a repeated filing is answered with a fresh secret (and the earlier one stops
/// working); everything else must be the same.
fn repeatable(rpc: &str, mut answer: Json) -> Json {
    if rpc.ends_with("SupervisionService.FileComplaint") {
        if let Some(map) = answer.as_object_mut() {
            map.remove("secret");
        }
    }
    answer
}

/// One mutation: a single call's effect as the baseline, then the same request eight times
/// at once (one effect, one answer), then the same id with another body (refused, no
/// effect). The problems found.
async fn check_mutation(world: Arc<World>, row: Row) -> Vec<String> {
    let rpc = row.rpc.clone();
    let m = call::method(&rpc);
    let Some(column) = row.allowed_column() else {
        return vec![format!("{rpc}: no role may call it, so nothing to retry")];
    };
    let db = world.db_of(&rpc).clone();
    let mut problems = Vec::new();

    // The effect of the request once.
    let (vars, request) = prepare(&world, &row).await;
    let token = world.token(&matrix::principal(column, &vars));
    world.settle().await;
    let before = effects(&db).await;
    if let Err(s) = call::grpc(&world, &m, &request, token.as_deref()).await {
        return vec![format!("{rpc} as {column}: the single call failed: {s:?}")];
    }
    let after = effects(&db).await;
    let once = (after.0 - before.0, after.1 - before.1);
    if once.0 < 1 {
        problems.push(format!("{rpc}: a change left no audit entry"));
    }

    // The same request, eight copies at once, on a fresh fixture.
    let (vars, request) = prepare(&world, &row).await;
    let token = world.token(&matrix::principal(column, &vars));
    world.settle().await;
    let before = effects(&db).await;
    let mut burst = JoinSet::new();
    for _ in 0..COPIES {
        let (w, m, r, t) = (world.clone(), m.clone(), request.clone(), token.clone());
        burst.spawn(async move { call::grpc(&w, &m, &r, t.as_deref()).await });
    }
    let mut answers = Vec::new();
    while let Some(done) = burst.join_next().await {
        match done.unwrap() {
            Ok(answer) => answers.push(repeatable(&rpc, answer)),
            Err(s) => problems.push(format!(
                "{rpc}: a copy failed: {:?} {}",
                s.code(),
                s.message()
            )),
        }
    }
    let after = effects(&db).await;
    let burst_effect = (after.0 - before.0, after.1 - before.1);
    if burst_effect != once {
        problems.push(format!(
            "{rpc}: {COPIES} copies at once wrote (audit entries, events) {burst_effect:?}; one call writes {once:?}"
        ));
    }
    if answers.windows(2).any(|w| w[0] != w[1]) {
        problems.push(format!("{rpc}: the copies were answered differently"));
    }

    // The same id with another body: refused, and nothing changes.
    if let Some(other) = with_other_body(&m.input(), &request) {
        let before = effects(&db).await;
        match call::grpc(&world, &m, &other, token.as_deref()).await {
            Err(s)
                if s.code() == Code::InvalidArgument
                    && s.message().contains("already used for a different request") => {}
            Err(s) => problems.push(format!(
                "{rpc}: the same id with another body: {:?} {}",
                s.code(),
                s.message()
            )),
            Ok(_) => problems.push(format!("{rpc}: the same id with another body was accepted")),
        }
        if effects(&db).await != before {
            problems.push(format!("{rpc}: a refused request changed something"));
        }
    } else {
        problems.push(format!(
            "{rpc}: no free-text field to vary; teach with_other_body"
        ));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_mutation_sent_at_once_has_one_effect_and_one_answer_and_its_id_binds_its_body() {
    let world = Arc::new(World::start().await);
    let mut problems = Vec::new();
    let mut pending = Vec::new();
    let mut checked = 0;
    for row in matrix::rows() {
        if !call::is_mutation(&call::method(&row.rpc)) {
            continue;
        }
        if let Some(why) = &row.pending {
            pending.push(format!("{}: {why}", row.rpc));
            continue;
        }
        checked += 1;
        let rpc = row.rpc.clone();
        let w = world.clone();
        match tokio::spawn(check_mutation(w, row)).await {
            Ok(found) => problems.extend(found),
            Err(e) => problems.push(format!("{rpc}: broke off: {e}")),
        }
    }
    eprintln!(
        "idempotency: {checked} mutations checked, {} pending:\n{}",
        pending.len(),
        pending.join("\n")
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
