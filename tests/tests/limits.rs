//! Limits on what a request may carry, for every RPC of the matrix with the matrix's
//! requests: a string field 20,000 characters long, or a list of 5,000 items, is refused
//! before anything is stored (INVALID_ARGUMENT naming the field, or NOT_FOUND/
//! FAILED_PRECONDITION where the field names the object acted on; a list may also meet the
//! transport's message limit), and a read answers INVALID_ARGUMENT naming the field,
//! NOT_FOUND or an empty result. Never OK for a change (but for output-only fields, which
//! are ignored), never INTERNAL or UNKNOWN.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use onewindow_suite::authz::world::effects;
use onewindow_suite::authz::{call, matrix, prepare, Row, World};
use prost_reflect::{Kind, MessageDescriptor};
use serde_json::Value as Json;
use tonic::Code;
use tonic_types::StatusExt;

/// The length of an over-long string, in characters ("长" is three bytes in UTF-8).
const LONG_CHARS: usize = 20_000;

/// The length of an over-long list.
const MANY_ITEMS: usize = 5_000;

/// One step of a field path: a field by its proto name, or an item of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Field(String),
    Item(usize),
}

/// A field path as the violations name it: `project.lots[0].title`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Path(Vec<Step>);

impl Path {
    fn then(&self, step: Step) -> Path {
        let mut steps = self.0.clone();
        steps.push(step);
        Path(steps)
    }

    /// The name of the last field on the path.
    fn field_name(&self) -> &str {
        self.0
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::Field(f) => Some(f.as_str()),
                Step::Item(_) => None,
            })
            .unwrap_or_default()
    }

    /// The value at the path in `root`, if the request has it.
    fn find<'a>(&self, root: &'a mut Json) -> Option<&'a mut Json> {
        let mut at = root;
        for step in &self.0 {
            at = match step {
                Step::Field(f) => at.get_mut(f.as_str())?,
                Step::Item(i) => at.get_mut(*i)?,
            };
        }
        Some(at)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if i == 0 => f.write_str(name)?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Item(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Fields the contracts call output only (by message and field): a client may send back
/// what it read, and the service ignores them (AIP-203), so a long one may be accepted, but
/// it must not come back.
const OUTPUT_ONLY: [(&str, &str); 3] = [
    ("onewindow.catalog.v1.Item", "department_name"),
    ("onewindow.catalog.v1.Item", "cancel_reason"),
    ("onewindow.catalog.v1.Bundle", "department_ids"),
];

/// The over-long string.
fn long() -> Json {
    Json::String("长".repeat(LONG_CHARS))
}

/// What a copy of the request changes.
#[derive(Debug, Clone)]
enum Change {
    /// The string at the path, made [`LONG_CHARS`] long.
    Long(Path),
    /// The list at the path, its first item [`MANY_ITEMS`] times.
    Many(Path),
    /// An output-only string at the path, made [`LONG_CHARS`] long.
    Ignored(Path),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Long(p) => write!(f, "{p} at {LONG_CHARS} characters"),
            Change::Many(p) => write!(f, "{p} with {MANY_ITEMS} items"),
            Change::Ignored(p) => write!(f, "{p} (output only) at {LONG_CHARS} characters"),
        }
    }
}

impl Change {
    /// `request` with the change made; `None` when the request has no such field.
    fn apply(&self, request: &Json) -> Option<Json> {
        let mut out = request.clone();
        match self {
            Change::Long(path) | Change::Ignored(path) => {
                let at = path.find(&mut out)?;
                at.as_str()?;
                *at = long();
            }
            Change::Many(path) => {
                let at = path.find(&mut out)?;
                let first = at.as_array()?.first()?.clone();
                *at = Json::Array(vec![first; MANY_ITEMS]);
            }
        }
        Some(out)
    }
}

/// Every change worth trying on `json`, a message of type `desc`: each string present (an
/// item of a list of strings stands for the others), each list present, inside nested
/// messages too. `request_id` is the idempotency key, checked elsewhere; bytes are files,
/// whose sizes have their own limits.
fn changes(desc: &MessageDescriptor, json: &Json, at: &Path, out: &mut Vec<Change>) {
    let Json::Object(map) = json else {
        // A well-known type written as a string (a timestamp), or nothing.
        return;
    };
    for (key, value) in map {
        let Some(field) = desc
            .get_field_by_name(key)
            .or_else(|| desc.get_field_by_json_name(key))
        else {
            continue;
        };
        if field.name() == "request_id" || field.is_map() {
            continue;
        }
        let here = at.then(Step::Field(field.name().to_string()));
        if OUTPUT_ONLY.contains(&(desc.full_name(), field.name())) {
            match (field.kind(), value) {
                (Kind::String, Json::String(_)) => out.push(Change::Ignored(here)),
                (Kind::String, Json::Array(items)) if !items.is_empty() => {
                    out.push(Change::Ignored(here.then(Step::Item(0))))
                }
                _ => {}
            }
            continue;
        }
        if field.is_list() {
            let Some(first) = value.as_array().and_then(|a| a.first()) else {
                continue;
            };
            if field.kind() == Kind::Bytes {
                continue;
            }
            out.push(Change::Many(here.clone()));
            match field.kind() {
                Kind::String => out.push(Change::Long(here.then(Step::Item(0)))),
                Kind::Message(m) => changes(&m, first, &here.then(Step::Item(0)), out),
                _ => {}
            }
            continue;
        }
        match field.kind() {
            Kind::String if value.is_string() => out.push(Change::Long(here)),
            Kind::Message(m) => changes(&m, value, &here, out),
            _ => {}
        }
    }
}

/// Whether a field names the object a request acts on (an id, a code, a number), which a
/// service may look up and not find rather than refuse as malformed.
fn names_an_object(field: &str) -> bool {
    field == "id"
        || field.ends_with("_id")
        || field == "code"
        || field.ends_with("_code")
        || field.ends_with("_number")
        || field == "secret"
}

/// The fields a refusal names (its field violations).
fn named_fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details()
        .bad_request()
        .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
        .unwrap_or_default()
}

/// Whether `named` is `path` or a message that holds it (`calendar` for
/// `calendar.days[0].name`): a refusal about the field, not about something else.
fn names(named: &str, path: &str) -> bool {
    path.strip_prefix(named)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// What one call answered, as a problem or `None`. A refusal must be about the changed
/// field: a long string named by a violation of it (or of the message holding it), a long
/// list by a violation of the list itself, its count.
fn judge_change(change: &Change, got: &Result<Json, tonic::Status>) -> Option<String> {
    let status = match (change, got) {
        (Change::Ignored(_), Ok(answer)) => {
            let echoed = long()
                .as_str()
                .is_some_and(|l| answer.to_string().contains(l));
            return echoed.then(|| "accepted and echoed back".into());
        }
        (_, Ok(_)) => return Some("accepted".into()),
        (_, Err(s)) => s,
    };
    let code = status.code();
    let fields = named_fields(status);
    let fine = match change {
        Change::Long(path) => {
            let text = path.to_string();
            (code == Code::InvalidArgument && fields.iter().any(|f| names(f, &text)))
                || (names_an_object(path.field_name())
                    && matches!(code, Code::NotFound | Code::FailedPrecondition))
        }
        Change::Many(path) => {
            let path = path.to_string();
            (code == Code::InvalidArgument && fields.contains(&path))
                || matches!(code, Code::OutOfRange | Code::ResourceExhausted)
        }
        // Ignored, or refused for what else the request holds: anything but a failure.
        Change::Ignored(_) => !matches!(code, Code::Internal | Code::Unknown),
    };
    (!fine).then(|| format!("{code:?} {}", shorten(status.message())))
}

/// A status message cut to a readable length (it may echo the long value).
fn shorten(message: &str) -> String {
    let mut out: String = message.chars().take(160).collect();
    if out.len() < message.len() {
        out.push('…');
    }
    out
}

/// Totals for the report.
#[derive(Default)]
struct Figures {
    rows: usize,
    strings: usize,
    lists: usize,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.rows += other.rows;
        self.strings += other.strings;
        self.lists += other.lists;
    }
}

/// Every change of one mutation, each on a fresh fixture as the first caller allowed to
/// make it; the problems found.
async fn check_mutation(world: &World, row: &Row, figures: &mut Figures) -> Vec<String> {
    let rpc = &row.rpc;
    let m = call::method(rpc);
    let Some(column) = row.allowed_column() else {
        return vec![format!("{rpc}: no role may call it")];
    };
    let db = world.db_of(rpc);
    let (_, sample) = prepare(world, row).await;
    let mut found = Vec::new();
    changes(&m.input(), &sample, &Path::default(), &mut found);
    figures.rows += 1;
    let mut problems = Vec::new();
    for change in found {
        match &change {
            Change::Long(_) | Change::Ignored(_) => figures.strings += 1,
            Change::Many(_) => figures.lists += 1,
        }
        let (vars, request) = prepare(world, row).await;
        let Some(changed) = change.apply(&request) else {
            problems.push(format!("{rpc}: a fresh request has no {change}"));
            continue;
        };
        let token = world.token(&matrix::principal(column, &vars));
        world.settle().await;
        let before = effects(db).await;
        let got = call::grpc(world, &m, &changed, token.as_deref()).await;
        if let Some(p) = judge_change(&change, &got) {
            problems.push(format!("{rpc} as {column}, {change}: {p}"));
        } else if got.is_err() && effects(db).await != before {
            problems.push(format!(
                "{rpc}, {change}: refused, yet something was written"
            ));
        }
    }
    problems
}

/// Whether an answer found nothing: every list it carries is empty (proto3 JSON leaves an
/// empty list out, so an answer without lists qualifies too).
fn empty_result(answer: &Json) -> bool {
    answer
        .as_object()
        .is_some_and(|map| map.values().all(|v| v.as_array().is_none_or(Vec::is_empty)))
}

/// Every string of one read at [`LONG_CHARS`], on one fixture (reads change nothing).
async fn check_read(world: &World, row: &Row, figures: &mut Figures) -> Vec<String> {
    let rpc = &row.rpc;
    let m = call::method(rpc);
    let Some(column) = row.allowed_column() else {
        return vec![format!("{rpc}: no role may call it")];
    };
    let (vars, request) = prepare(world, row).await;
    let mut found = Vec::new();
    changes(&m.input(), &request, &Path::default(), &mut found);
    found.retain(|c| matches!(c, Change::Long(_)));
    figures.rows += 1;
    let lists_answer = m.output().fields().any(|f| f.is_list());
    let token = world.token(&matrix::principal(column, &vars));
    let mut problems = Vec::new();
    for change in found {
        figures.strings += 1;
        let changed = change
            .apply(&request)
            .expect("the change is found on this request");
        let got = call::grpc(world, &m, &changed, token.as_deref()).await;
        let path = match &change {
            Change::Long(p) | Change::Many(p) | Change::Ignored(p) => p.to_string(),
        };
        let problem = match &got {
            Err(s) if s.code() == Code::NotFound => None,
            Err(s)
                if s.code() == Code::InvalidArgument
                    && named_fields(s).iter().any(|f| names(f, &path)) =>
            {
                None
            }
            Err(s) => Some(format!("{:?} {}", s.code(), shorten(s.message()))),
            // A stream answers at once; what it carries is not looked at here.
            Ok(Json::Null) if m.is_server_streaming() => Some("the stream was opened".into()),
            Ok(answer) if lists_answer && empty_result(answer) => None,
            Ok(answer) => Some(format!("answered {}", shorten(&answer.to_string()))),
        };
        if let Some(p) = problem {
            problems.push(format!("{rpc} as {column}, {change}: {p}"));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_over_long_string_or_list_is_stored_or_breaks_a_read() {
    let started = Instant::now();
    let world = Arc::new(World::start().await);
    let mut problems = Vec::new();
    let mut mutations = Figures::default();
    let mut reads = Figures::default();
    for row in matrix::rows() {
        if row.pending.is_some() {
            continue;
        }
        let rpc = row.rpc.clone();
        let w = world.clone();
        let mutation = call::is_mutation(&call::method(&row.rpc));
        // A fixture that cannot be made fails its row, not the whole run.
        let checked = tokio::spawn(async move {
            let mut figures = Figures::default();
            let found = if mutation {
                check_mutation(&w, &row, &mut figures).await
            } else {
                check_read(&w, &row, &mut figures).await
            };
            (found, figures)
        })
        .await;
        match checked {
            Ok((found, figures)) => {
                problems.extend(found);
                if mutation { &mut mutations } else { &mut reads }.add(figures);
            }
            Err(e) => problems.push(format!("{rpc}: broke off: {e}")),
        }
    }
    eprintln!(
        "limits: {} mutations ({} strings, {} lists) and {} reads ({} strings) checked in {:.1?}",
        mutations.rows,
        mutations.strings,
        mutations.lists,
        reads.rows,
        reads.strings,
        started.elapsed()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
