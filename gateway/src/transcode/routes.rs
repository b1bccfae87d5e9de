//! The REST routes of every RPC, read from the google.api.http options of the descriptor
//! set: an RPC added to a contract is routed without gateway code.

use std::collections::HashSet;

use axum::http::Method;
use prost_reflect::{
    DescriptorPool, DynamicMessage, Kind, MessageDescriptor, MethodDescriptor, Value,
};

use super::template::PathTemplate;
use crate::Error;

/// Which part of the request message the HTTP body fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyRule {
    /// No body: everything comes from the path and the query.
    None,
    /// `body: "*"`: the whole message (path variables override).
    Whole,
    /// `body: "field"`: one top-level field; the rest from the path and the query.
    Field(String),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub template: PathTemplate,
    pub body: BodyRule,
    /// `response_body: "field"`: only that field of the response is returned.
    pub response_body: Option<String>,
    pub rpc: MethodDescriptor,
    /// `/package.Service/Method`.
    pub grpc_path: String,
    pub package: String,
    /// The body fills a `bytes` field (a file's content), directly or nested: the route
    /// takes the upload body limit.
    pub carries_files: bool,
}

impl Route {
    pub fn streaming(&self) -> bool {
        self.rpc.is_server_streaming()
    }

    /// `CatalogService_GetItem` (with a suffix for additional bindings).
    pub fn operation_id(&self, index: usize) -> String {
        let base = format!("{}_{}", self.rpc.parent_service().name(), self.rpc.name());
        if index == 0 {
            base
        } else {
            format!("{base}{index}")
        }
    }
}

/// Path variables bound by a match: field path and decoded value.
pub type Bindings = Vec<(Vec<String>, String)>;

/// Every route, most specific first within a method.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_pool(pool: &DescriptorPool) -> Result<Self, Error> {
        let Some(ext) = pool.get_extension_by_name("google.api.http") else {
            return Err(Error::Config(
                "the descriptor set lacks the google.api.http extension".into(),
            ));
        };
        let mut routes = Vec::new();
        for service in pool.services() {
            for rpc in service.methods() {
                let options = rpc.options();
                if !options.has_extension(&ext) {
                    continue;
                }
                let value = options.get_extension(&ext);
                let Some(rule) = value.as_message() else {
                    continue;
                };
                add_rule(&mut routes, &rpc, rule, true)?;
            }
        }
        // Verbs and literal segments first, so `/items/{id}:cancel` wins over `/items/{id}`.
        routes.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.template.has_verb()),
                std::cmp::Reverse(r.template.literal_count()),
            )
        });
        Ok(RouteTable { routes })
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route for a request and its path variables; `Err(true)` when the path exists
    /// under another method.
    pub fn find(&self, method: &Method, path: &str) -> Result<(&Route, Bindings), bool> {
        let mut other_method = false;
        for route in &self.routes {
            if let Some(vars) = route.template.matches(path) {
                if route.method == *method {
                    return Ok((route, vars));
                }
                other_method = true;
            }
        }
        Err(other_method)
    }

    /// The packages that have routes (each needs an upstream).
    pub fn packages(&self) -> Vec<String> {
        let mut out: Vec<String> = self.routes.iter().map(|r| r.package.clone()).collect();
        out.sort();
        out.dedup();
        out
    }
}

fn text(rule: &DynamicMessage, name: &str) -> String {
    match rule.get_field_by_name(name).as_deref() {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn add_rule(
    routes: &mut Vec<Route>,
    rpc: &MethodDescriptor,
    rule: &DynamicMessage,
    top: bool,
) -> Result<(), Error> {
    let mut pattern = None;
    for (field, method) in [
        ("get", Method::GET),
        ("put", Method::PUT),
        ("post", Method::POST),
        ("delete", Method::DELETE),
        ("patch", Method::PATCH),
    ] {
        if rule.has_field_by_name(field) {
            pattern = Some((method, text(rule, field)));
        }
    }
    if rule.has_field_by_name("custom") {
        if let Some(Value::Message(custom)) = rule.get_field_by_name("custom").as_deref() {
            let kind = text(custom, "kind");
            let method = Method::from_bytes(kind.as_bytes())
                .map_err(|_| Error::Config(format!("{}: bad method {kind}", rpc.full_name())))?;
            pattern = Some((method, text(custom, "path")));
        }
    }
    let Some((method, path)) = pattern else {
        return Ok(());
    };
    let template = PathTemplate::parse(&path)
        .map_err(|e| Error::Config(format!("{}: {e}", rpc.full_name())))?;
    let input = rpc.input();
    for var in template.variables() {
        if super::request::resolve_path(&input, &var.field_path).is_none() {
            return Err(Error::Config(format!(
                "{}: path variable {} names no field",
                rpc.full_name(),
                var.field_path.join(".")
            )));
        }
    }
    let body = match text(rule, "body").as_str() {
        "" => BodyRule::None,
        "*" => BodyRule::Whole,
        field => {
            if input.get_field_by_name(field).is_none() {
                return Err(Error::Config(format!(
                    "{}: body field {field} does not exist",
                    rpc.full_name()
                )));
            }
            BodyRule::Field(field.to_string())
        }
    };
    let carries_files = match &body {
        BodyRule::None => false,
        BodyRule::Whole => holds_bytes(&input, &mut HashSet::new()),
        BodyRule::Field(name) => input
            .get_field_by_name(name)
            .is_some_and(|f| kind_holds_bytes(&f.kind(), &mut HashSet::new())),
    };
    let response_body = Some(text(rule, "response_body")).filter(|s| !s.is_empty());
    let service = rpc.parent_service();
    routes.push(Route {
        method,
        template,
        body,
        response_body,
        rpc: rpc.clone(),
        grpc_path: format!("/{}/{}", service.full_name(), rpc.name()),
        package: service.package_name().to_string(),
        carries_files,
    });
    if top {
        if let Some(Value::List(extra)) = rule.get_field_by_name("additional_bindings").as_deref() {
            for binding in extra {
                if let Value::Message(m) = binding {
                    add_rule(routes, rpc, m, false)?;
                }
            }
        }
    }
    Ok(())
}

/// Whether a message has a `bytes` field, at any depth; `seen` stops recursive messages.
fn holds_bytes(message: &MessageDescriptor, seen: &mut HashSet<String>) -> bool {
    if !seen.insert(message.full_name().to_string()) {
        return false;
    }
    message.fields().any(|f| kind_holds_bytes(&f.kind(), seen))
}

fn kind_holds_bytes(kind: &Kind, seen: &mut HashSet<String>) -> bool {
    match kind {
        Kind::Bytes => true,
        Kind::Message(m) => holds_bytes(m, seen),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_routes_whose_body_holds_bytes_carry_files() {
        let table = RouteTable::from_pool(onewindow_proto::descriptor_pool()).unwrap();
        let mut uploads: Vec<&str> = table
            .routes()
            .iter()
            .filter(|r| r.carries_files)
            .map(|r| r.grpc_path.as_str())
            .collect();
        uploads.sort_unstable();
        uploads.dedup();
        assert_eq!(
            uploads,
            [
                "/onewindow.cases.v1.CaseService/ResubmitCase",
                "/onewindow.cases.v1.CaseService/SubmitBundle",
                "/onewindow.cases.v1.CaseService/SubmitCase",
                "/onewindow.trading.v1.TradingService/SubmitBid",
            ]
        );
    }
}
