//! The authorization matrix (`tests/authz/matrix.toml`) against the running hall: every
//! RPC of the contracts has a reviewed row, and every cell of every row that has its
//! fixture is called over gRPC and through the gateway's REST route.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use onewindow_suite::authz::{call, check_row, matrix, World, KNOWN_GAP};

#[test]
fn every_rpc_of_the_contracts_has_a_row_in_the_matrix_and_every_row_an_rpc() {
    let rows: BTreeSet<String> = matrix::rows().into_iter().map(|r| r.rpc).collect();
    let rpcs: BTreeSet<String> = call::all_methods()
        .iter()
        .map(|m| m.full_name().to_string())
        .collect();
    let missing: Vec<&String> = rpcs.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "RPCs without a reviewed row in tests/authz/matrix.toml: {missing:#?}"
    );
    let unknown: Vec<&String> = rows.difference(&rpcs).collect();
    assert!(unknown.is_empty(), "rows naming no RPC: {unknown:#?}");
}

#[test]
fn every_row_has_a_request_template_and_its_rpc_a_rest_route() {
    for row in matrix::rows() {
        let m = call::method(&row.rpc);
        // A template is an object, or one placeholder the fixture fills with a whole request.
        assert!(
            row.request.is_object() || row.request.is_string(),
            "{}",
            row.rpc
        );
        call::route(&m);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cell_of_the_matrix_holds_over_grpc_and_rest() {
    let world = Arc::new(World::start().await);
    let rows = matrix::rows();
    let mut failures = Vec::new();
    let mut run = 0;
    let mut pending = Vec::new();
    for row in rows {
        if let Some(why) = &row.pending {
            pending.push(format!("{}: {why}", row.rpc));
            continue;
        }
        run += 1;
        // A fixture that cannot be made fails its row, not the whole matrix.
        let rpc = row.rpc.clone();
        let w = world.clone();
        match tokio::spawn(async move { check_row(&w, &row).await }).await {
            Ok(found) => failures.extend(found),
            Err(e) => failures.push(format!("{rpc}: the row broke off: {e}")),
        }
    }
    let (gaps, failures): (Vec<String>, Vec<String>) =
        failures.into_iter().partition(|f| f.starts_with(KNOWN_GAP));
    eprintln!(
        "authorization matrix: {run} rows exercised over gRPC and REST, {} pending:\n{}\n{} known gaps:\n{}",
        pending.len(),
        pending.join("\n"),
        gaps.len(),
        gaps.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} cells do not hold:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
