//! The authorization matrix and what it needs: the whole hall in-process, calls of any RPC
//! by name over gRPC and REST, and the fixtures its requests act on.

pub mod call;
pub mod catalog;
pub mod fixtures;
pub mod matrix;
pub mod world;

use serde_json::Value as Json;

pub use matrix::{Expect, Row, Vars, COLUMNS};
pub use world::World;

/// The transports a cell is checked over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Grpc,
    Rest,
}

/// A row's request for one call: a fresh fixture's variables and a fresh request id.
pub async fn prepare(world: &World, row: &Row) -> (Vars, Json) {
    let mut vars = Vars::new();
    fixtures::make(world, &row.fixture, &mut vars).await;
    vars.insert("request_id".into(), Json::String(fixtures::request_id()));
    let request = matrix::fill(&row.request, &vars);
    (vars, request)
}

/// Calls one cell of `row` over `transport` with a prepared request; a description of the
/// mismatch, if the outcome is not what the cell expects.
pub async fn check_cell(
    world: &World,
    row: &Row,
    column: &str,
    transport: Transport,
    vars: &Vars,
    request: &Json,
) -> Option<String> {
    let method = call::method(&row.rpc);
    let who = matrix::principal(column, vars);
    let token = world.token(&who);
    let expected = &row.cells[column];
    let here = format!("{} [{column}] over {transport:?}", row.rpc);
    if let Err(e) = call::try_message(&method.input(), request) {
        return Some(format!("{here}: the request does not decode: {e}"));
    }
    match transport {
        Transport::Grpc => {
            let got = call::grpc(world, &method, request, token.as_deref()).await;
            match (expected, got) {
                (Expect::Ok, Ok(_)) => None,
                (Expect::Ok, Err(s)) => Some(format!(
                    "{here}: expected ok, got {:?} {}",
                    s.code(),
                    s.message()
                )),
                (Expect::Code(c), Ok(_)) => Some(format!("{here}: expected {c}, got ok")),
                (Expect::Code(c), Err(s)) => (call::code_of(c) != s.code())
                    .then(|| format!("{here}: expected {c}, got {:?} {}", s.code(), s.message())),
            }
        }
        Transport::Rest => {
            let got = call::rest(world, &method, request, token.as_deref()).await;
            match expected {
                Expect::Ok => (!(200..300).contains(&got.status)).then(|| {
                    format!(
                        "{here}: expected ok, got HTTP {} from {}: {}",
                        got.status, got.url, got.body
                    )
                }),
                Expect::Code(c) => {
                    let status = call::http_status(call::code_of(c));
                    if got.status != status {
                        Some(format!(
                            "{here}: expected {c} (HTTP {status}), got HTTP {} from {}: {}",
                            got.status, got.url, got.body
                        ))
                    } else if got.problem_code().as_deref() != Some(c.as_str()) {
                        Some(format!(
                            "{here}: expected a problem document with code {c}, got {} {}",
                            got.content_type, got.body
                        ))
                    } else {
                        None
                    }
                }
            }
        }
    }
}

/// The prefix of a mismatch that the row lists among its known gaps.
pub const KNOWN_GAP: &str = "known gap: ";

/// Every cell of `row` over both transports; the mismatches (those of known gaps marked
/// with [`KNOWN_GAP`]). A mutation gets a fresh
/// fixture for each call, so that a cell expected ok really can succeed; a read shares one.
pub async fn check_row(world: &World, row: &Row) -> Vec<String> {
    let mutation = call::is_mutation(&call::method(&row.rpc));
    let mut failures = Vec::new();
    let mut shared: Option<(Vars, Json)> = None;
    for (column, _) in COLUMNS {
        for transport in [Transport::Grpc, Transport::Rest] {
            let (vars, request) = if mutation {
                prepare(world, row).await
            } else {
                if shared.is_none() {
                    shared = Some(prepare(world, row).await);
                }
                shared.clone().unwrap()
            };
            let found = check_cell(world, row, column, transport, &vars, &request).await;
            let gap = row.gaps.iter().any(|g| g == column);
            match (found, gap) {
                (Some(f), false) => failures.push(f),
                (Some(f), true) => failures.push(format!("{KNOWN_GAP}{f}")),
                (None, true) => failures.push(format!(
                    "{} [{column}] over {transport:?} now holds: remove it from the row's gaps",
                    row.rpc
                )),
                (None, false) => {}
            }
        }
    }
    failures
}
