//! The authorization matrix (`tests/authz/matrix.toml`): one row per RPC, one column per
//! role and, where the RPC is scoped, per variant of the caller's department, region or
//! ownership; each cell `ok` or the gRPC code expected.

use std::collections::BTreeMap;

use onewindow_kit::auth::{Principal, Role};
use serde_json::Value as Json;

use crate::DATONG;

/// The matrix as reviewed, compiled into the suite.
pub const MATRIX: &str = include_str!("../../authz/matrix.toml");

/// Another region than the fixtures' own: Taiyuan.
pub const OTHER_REGION: &str = "140100";

/// The columns: each role, then its variants. A variant not written in a row inherits the
/// role's cell.
pub const COLUMNS: [(&str, &str); 14] = [
    ("public", "public"),
    ("applicant", "applicant"),
    ("applicant_other", "applicant"),
    ("clerk", "clerk"),
    ("clerk_other_department", "clerk"),
    ("clerk_other_region", "clerk"),
    ("approver", "approver"),
    ("approver_other_department", "approver"),
    ("approver_other_region", "approver"),
    ("catalog_admin", "catalog_admin"),
    ("trading_agent", "trading_agent"),
    ("trading_agent_other", "trading_agent"),
    ("supervisor", "supervisor"),
    ("service", "service"),
];

/// The roles every row must name.
pub const ROLES: [&str; 8] = [
    "public",
    "applicant",
    "clerk",
    "approver",
    "catalog_admin",
    "trading_agent",
    "supervisor",
    "service",
];

/// What a cell expects: success, or a gRPC code by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Ok,
    Code(String),
}

/// One row: an RPC, the fixture its request needs, the request, and the cells.
#[derive(Debug, Clone)]
pub struct Row {
    pub rpc: String,
    pub fixture: String,
    /// Proto3 JSON with `{name}` placeholders filled from the fixture's variables.
    pub request: Json,
    /// Why the row is not exercised yet; the row still pins the reviewed expectations.
    pub pending: Option<String>,
    /// Cells known not to hold yet (reported, not failed; failed once they hold).
    pub gaps: Vec<String>,
    pub cells: BTreeMap<&'static str, Expect>,
}

impl Row {
    /// The first column whose caller the row lets through (the one to make a change as).
    pub fn allowed_column(&self) -> Option<&'static str> {
        COLUMNS
            .iter()
            .map(|(c, _)| *c)
            .find(|c| self.cells[c] == Expect::Ok)
    }
}

fn expect(rpc: &str, column: &str, v: &toml::Value) -> Expect {
    match v.as_str() {
        Some("ok") => Expect::Ok,
        Some(code) if code.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
            Expect::Code(code.to_string())
        }
        _ => panic!("{rpc}: cell {column} = {v} is neither ok nor a gRPC code"),
    }
}

/// Parses the matrix; a row that misses a role, names an unknown column or repeats an RPC
/// is a defect of the matrix.
pub fn rows() -> Vec<Row> {
    let doc: toml::Table = toml::from_str(MATRIX).expect("matrix.toml parses");
    let list = doc
        .get("rpc")
        .and_then(|v| v.as_array())
        .expect("matrix.toml has [[rpc]] rows");
    let mut out: Vec<Row> = Vec::new();
    for entry in list {
        let t = entry.as_table().expect("a row is a table");
        let rpc = t["rpc"].as_str().expect("rpc names the method").to_string();
        assert!(
            !out.iter().any(|r| r.rpc == rpc),
            "{rpc} has two rows in the matrix"
        );
        for key in t.keys() {
            let known = ["rpc", "fixture", "request", "pending", "note", "gaps"]
                .contains(&key.as_str())
                || COLUMNS.iter().any(|(c, _)| c == key);
            assert!(known, "{rpc}: unknown column {key}");
        }
        let mut cells = BTreeMap::new();
        for role in ROLES {
            let v = t
                .get(role)
                .unwrap_or_else(|| panic!("{rpc}: no cell for the role {role}"));
            cells.insert(role, expect(&rpc, role, v));
        }
        for (column, role) in COLUMNS {
            let cell = match t.get(column) {
                Some(v) => expect(&rpc, column, v),
                None => cells[role].clone(),
            };
            cells.insert(column, cell);
        }
        let request = t
            .get("request")
            .map(|v| serde_json::to_value(v).expect("a request converts to JSON"))
            .unwrap_or(Json::Object(Default::default()));
        out.push(Row {
            rpc,
            fixture: t
                .get("fixture")
                .and_then(|v| v.as_str())
                .unwrap_or("none")
                .to_string(),
            request,
            pending: t
                .get("pending")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            gaps: t
                .get("gaps")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .map(|g| g.as_str().expect("a gap names a column").to_string())
                        .collect()
                })
                .unwrap_or_default(),
            cells,
        });
    }
    out
}

/// The variables a fixture sets: ids of the objects it made and who "own" means.
pub type Vars = serde_json::Map<String, Json>;

fn var<'a>(vars: &'a Vars, name: &str, default: &'a str) -> &'a str {
    vars.get(name).and_then(|v| v.as_str()).unwrap_or(default)
}

fn person(subject: &str, role: Role, department: Option<&str>, region: Option<&str>) -> Principal {
    Principal {
        subject: subject.to_string(),
        name: String::new(),
        roles: vec![role],
        department: department.map(str::to_string),
        region: region.map(str::to_string),
    }
}

/// A signed-in person (an applicant account) with `subject`.
pub fn person_of(subject: &str) -> Principal {
    person(subject, Role::Applicant, None, None)
}

/// The caller a column stands for, given the fixture's own department, region, applicant
/// and trading agent.
pub fn principal(column: &str, vars: &Vars) -> Principal {
    let department = var(vars, "department", "gaj");
    let other_department = var(vars, "other_department", "gsj");
    let region = var(vars, "region", DATONG);
    let staff = |role: Role, name: &str, dept: &str, reg: &str| {
        person(&format!("{name}-{dept}-{reg}"), role, Some(dept), Some(reg))
    };
    match column {
        "public" => Principal::public(),
        "applicant" => person(
            var(vars, "applicant", "applicant-own"),
            Role::Applicant,
            None,
            None,
        ),
        "applicant_other" => person("applicant-other", Role::Applicant, None, None),
        "clerk" => staff(Role::Clerk, "clerk", department, region),
        "clerk_other_department" => staff(Role::Clerk, "clerk", other_department, region),
        "clerk_other_region" => staff(Role::Clerk, "clerk", department, OTHER_REGION),
        "approver" => staff(Role::Approver, "approver", department, region),
        "approver_other_department" => staff(Role::Approver, "approver", other_department, region),
        "approver_other_region" => staff(Role::Approver, "approver", department, OTHER_REGION),
        "catalog_admin" => person("catalog-admin", Role::CatalogAdmin, None, Some(DATONG)),
        "trading_agent" => person(
            var(vars, "agent", "agent-own"),
            Role::TradingAgent,
            Some(var(vars, "agency", "jyzx")),
            Some(region),
        ),
        "trading_agent_other" => person(
            "agent-other",
            Role::TradingAgent,
            Some(var(vars, "other_agency", "jyzx2")),
            Some(region),
        ),
        "supervisor" => person("supervisor", Role::Supervisor, Some("jcj"), Some(DATONG)),
        "service" => person("system", Role::Service, None, None),
        other => panic!("unknown column {other}"),
    }
}

/// The request of a row with the fixture's variables in place of `{name}`: a string that
/// is exactly one placeholder takes the variable's JSON value, others are formatted in.
pub fn fill(template: &Json, vars: &Vars) -> Json {
    match template {
        Json::String(s) => {
            if let Some(name) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                if !name.contains('{') {
                    return vars
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| panic!("the fixture sets no {name}"));
                }
            }
            let mut out = s.clone();
            for (k, v) in vars {
                let text = match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("{{{k}}}"), &text);
            }
            Json::String(out)
        }
        Json::Array(items) => Json::Array(items.iter().map(|i| fill(i, vars)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}
