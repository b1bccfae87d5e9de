//! The OpenAPI 3.0 document of the REST API, derived from the same descriptors and rules
//! as the transcoder: paths and parameters from the templates, schemas from the messages
//! (enums by name, 64-bit integers as strings), errors as problem details.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use prost_reflect::{EnumDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor};
use serde_json::{json, Map, Value as Json};

use crate::problem::PROBLEM_JSON;
use crate::transcode::{BodyRule, Route, RouteTable};

/// Query parameters are offered down to this depth of nested messages.
const QUERY_DEPTH: usize = 3;

pub fn document(table: &RouteTable) -> Json {
    let mut schemas = Schemas::default();
    let mut paths: BTreeMap<String, Map<String, Json>> = BTreeMap::new();
    let mut tags = BTreeSet::new();
    let mut seen_ops: BTreeMap<String, usize> = BTreeMap::new();
    let mut shapes: BTreeMap<String, String> = BTreeMap::new();
    for route in table.routes() {
        let service = route.rpc.parent_service();
        tags.insert(service.name().to_string());
        let base = route.operation_id(0);
        let n = seen_ops.entry(base).or_insert(0);
        let operation_id = route.operation_id(*n);
        *n += 1;
        let mut op = operation(route, operation_id, &mut schemas);
        let raw = route.template.openapi_path();
        let path = shapes
            .entry(shape_of(&raw))
            .or_insert_with(|| rename_variables(&raw))
            .clone();
        name_path_parameters(&mut op, &variables_of(&raw), &variables_of(&path));
        paths
            .entry(path)
            .or_default()
            .insert(route.method.as_str().to_ascii_lowercase(), Json::Object(op));
    }
    let mut components = schemas.finish();
    components.insert("Problem".into(), problem_schema());
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "OneWindow API",
            "version": "v1",
            "description": "The REST/JSON API of OneWindow, transcoded from its gRPC contracts. \
    Requests and responses use the proto3 JSON mapping: lowerCamelCase names (snake_case accepted), \
    enums by name, 64-bit integers as strings. Errors are RFC 9457 problem details. Reads are \
    public where the service allows; other calls need `Authorization: Bearer <token>`.",
        },
        "servers": [{"url": "/"}],
        "tags": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{}, {"bearerAuth": []}],
    })
}

fn operation(route: &Route, operation_id: String, schemas: &mut Schemas) -> Map<String, Json> {
    let rpc = &route.rpc;
    let input = rpc.input();
    let mut op = Map::new();
    op.insert("operationId".into(), json!(operation_id));
    op.insert("tags".into(), json!([rpc.parent_service().name()]));
    let doc = comment(&rpc.parent_file(), rpc.path());
    if let Some(doc) = &doc {
        let summary = doc.lines().next().unwrap_or_default();
        op.insert("summary".into(), json!(summary));
        op.insert("description".into(), json!(doc));
    } else {
        op.insert("summary".into(), json!(rpc.name()));
    }

    let mut parameters = Vec::new();
    let mut bound = BTreeSet::new();
    for var in route.template.variables() {
        let name = var.field_path.join(".");
        let fields = crate::transcode::request::resolve_path(&input, &var.field_path);
        let schema = match fields.as_ref().and_then(|f| f.last()) {
            Some(leaf) => schemas.field(leaf),
            None => json!({"type": "string"}),
        };
        if let Some(fields) = fields {
            bound.insert(
                fields
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join("."),
            );
        }
        parameters.push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
    }
    match &route.body {
        BodyRule::Whole => {
            op.insert("requestBody".into(), body(schemas.reference(&input)));
        }
        BodyRule::Field(name) => {
            if let Some(field) = input.get_field_by_name(name) {
                op.insert("requestBody".into(), body(schemas.field(&field)));
            }
            query_parameters(&input, "", 0, Some(name), &bound, schemas, &mut parameters);
        }
        BodyRule::None => {
            query_parameters(&input, "", 0, None, &bound, schemas, &mut parameters);
        }
    }
    if route.streaming() {
        parameters.push(json!({
            "name": "Last-Event-ID", "in": "header", "required": false,
            "description": "resume after this event (sets after_seq)",
            "schema": {"type": "string"}
        }));
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Json::Array(parameters));
    }

    let output = rpc.output();
    let ok = if output.full_name() == "google.api.HttpBody" {
        // Any content: a CSV, a PDF, or JSON in a shape of its own (an OCDS package).
        json!({"description": "the content as it is, with its own content type",
               "content": {"*/*": {"schema": {}}}})
    } else if route.streaming() {
        // The schema is that of each event's data, as SSE-aware tools read it.
        let event = schemas.reference(&output);
        json!({"description": format!(
                "server-sent events; each `data:` is one {} as JSON", output.full_name()),
               "content": {"text/event-stream": {"schema": event}}})
    } else {
        let schema = match route
            .response_body
            .as_deref()
            .and_then(|f| output.get_field_by_name(f))
        {
            Some(field) => schemas.field(&field),
            None => schemas.reference(&output),
        };
        json!({"description": "OK", "content": {"application/json": {"schema": schema}}})
    };
    op.insert(
        "responses".into(),
        json!({
            "200": ok,
            "default": {
                "description": "an error, as problem details (RFC 9457)",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            }
        }),
    );
    op
}

// Path templates as OpenAPI tools read them. A variable named by a field path
// (`{item.id}`) is written `{item_id}`: tools that fill templates take a dot for attribute
// access. Paths of one shape share the names of the first one seen: OpenAPI counts
// `/departments/{department_id}` and `/departments/{department.id}` as one path, and a
// document holding both is invalid.

/// The path with every variable's name left out: `/items/{}/versions/{}`.
fn shape_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

/// The names of the path's variables, in order.
fn variables_of(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

fn rename_variables(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => inside = true,
            '}' => inside = false,
            '.' if inside => {
                out.push('_');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Renames the operation's path parameters from the route's own variable names to the
/// names the document's path uses (same positions).
fn name_path_parameters(op: &mut Map<String, Json>, own: &[String], names: &[String]) {
    let Some(Json::Array(parameters)) = op.get_mut("parameters") else {
        return;
    };
    for p in parameters.iter_mut().filter(|p| p["in"] == "path") {
        let position = own.iter().position(|n| p["name"] == n.as_str());
        if let Some(name) = position.and_then(|i| names.get(i)) {
            p["name"] = json!(name);
        }
    }
}

fn body(schema: Json) -> Json {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn query_parameters(
    message: &MessageDescriptor,
    prefix: &str,
    depth: usize,
    body_field: Option<&str>,
    bound: &BTreeSet<String>,
    schemas: &mut Schemas,
    out: &mut Vec<Json>,
) {
    for field in message.fields() {
        let name = format!("{prefix}{}", field.name());
        if bound.contains(&name) || (depth == 0 && Some(field.name()) == body_field) {
            continue;
        }
        if field.is_map() {
            continue;
        }
        match field.kind() {
            Kind::Message(m) if !is_scalar_like(&m) => {
                if !field.is_list() && depth + 1 < QUERY_DEPTH && m != *message {
                    let nested = format!("{name}.");
                    query_parameters(&m, &nested, depth + 1, None, bound, schemas, out);
                }
            }
            _ => {
                let mut p = json!({
                    "name": name, "in": "query", "required": false,
                    "schema": schemas.field(&field),
                });
                if field.is_list() {
                    p["style"] = json!("form");
                    p["explode"] = json!(true);
                }
                if let Some(doc) = comment(&field.parent_file(), field.path()) {
                    p["description"] = json!(doc);
                }
                out.push(p);
            }
        }
    }
}

/// Messages that the JSON mapping writes as one value (a string, a number).
fn is_scalar_like(m: &MessageDescriptor) -> bool {
    matches!(
        m.full_name(),
        "google.protobuf.Timestamp" | "google.protobuf.Duration" | "google.protobuf.FieldMask"
    ) || (m.full_name().starts_with("google.protobuf.")
        && m.full_name().ends_with("Value")
        && m.full_name() != "google.protobuf.Value"
        && m.full_name() != "google.protobuf.ListValue")
}

/// The leading comment of a descriptor, from the source info kept in the descriptor set.
fn comment(file: &FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let location = info.location.iter().find(|l| l.path == path)?;
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())?;
    let text = text
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    Some(text).filter(|t| !t.is_empty())
}

/// The component schemas of every message and enum that a route reaches.
#[derive(Default)]
struct Schemas {
    pending: VecDeque<MessageDescriptor>,
    enums: BTreeMap<String, EnumDescriptor>,
    queued: BTreeSet<String>,
}

impl Schemas {
    fn reference(&mut self, m: &MessageDescriptor) -> Json {
        if let Some(inline) = well_known(m) {
            return inline;
        }
        if self.queued.insert(m.full_name().to_string()) {
            self.pending.push_back(m.clone());
        }
        json!({"$ref": format!("#/components/schemas/{}", m.full_name())})
    }

    fn field(&mut self, field: &FieldDescriptor) -> Json {
        if field.is_map() {
            if let Kind::Message(entry) = field.kind() {
                let value = entry.map_entry_value_field().kind();
                return json!({"type": "object", "additionalProperties": self.kind(&value)});
            }
        }
        let item = self.kind(&field.kind());
        if field.is_list() {
            json!({"type": "array", "items": item})
        } else {
            item
        }
    }

    fn kind(&mut self, kind: &Kind) -> Json {
        match kind {
            Kind::Double => json!({"type": "number", "format": "double"}),
            Kind::Float => json!({"type": "number", "format": "float"}),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                json!({"type": "integer", "format": "int32"})
            }
            Kind::Uint32 | Kind::Fixed32 => {
                json!({"type": "integer", "format": "int64", "minimum": 0})
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
                json!({"type": "string", "format": "int64"})
            }
            Kind::Uint64 | Kind::Fixed64 => json!({"type": "string", "format": "uint64"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::String => json!({"type": "string"}),
            Kind::Bytes => json!({"type": "string", "format": "byte"}),
            Kind::Enum(e) => {
                self.enums.insert(e.full_name().to_string(), e.clone());
                json!({"$ref": format!("#/components/schemas/{}", e.full_name())})
            }
            Kind::Message(m) => self.reference(m),
        }
    }

    fn finish(mut self) -> Map<String, Json> {
        let mut out = Map::new();
        while let Some(m) = self.pending.pop_front() {
            let mut properties = Map::new();
            for field in m.fields() {
                let mut schema = self.field(&field);
                if let Some(doc) = comment(&field.parent_file(), field.path()) {
                    if schema.get("$ref").is_none() {
                        schema["description"] = json!(doc);
                    }
                }
                properties.insert(field.json_name().to_string(), schema);
            }
            let mut schema = json!({"type": "object", "properties": properties});
            if let Some(doc) = comment(&m.parent_file(), m.path()) {
                schema["description"] = json!(doc);
            }
            out.insert(m.full_name().to_string(), schema);
        }
        for (name, e) in self.enums {
            let values: Vec<String> = e.values().map(|v| v.name().to_string()).collect();
            out.insert(name, json!({"type": "string", "enum": values}));
        }
        out
    }
}

fn well_known(m: &MessageDescriptor) -> Option<Json> {
    Some(match m.full_name() {
        "google.protobuf.Timestamp" => json!({"type": "string", "format": "date-time"}),
        "google.protobuf.Duration" => json!({"type": "string", "example": "1.5s"}),
        "google.protobuf.FieldMask" => json!({"type": "string"}),
        "google.protobuf.Empty" => json!({"type": "object"}),
        "google.protobuf.Struct" => json!({"type": "object", "additionalProperties": {}}),
        "google.protobuf.Value" => json!({}),
        "google.protobuf.ListValue" => json!({"type": "array", "items": {}}),
        "google.protobuf.Any" => json!({
            "type": "object",
            "properties": {"@type": {"type": "string"}},
            "additionalProperties": {}
        }),
        "google.protobuf.StringValue" => json!({"type": "string", "nullable": true}),
        "google.protobuf.BytesValue" => {
            json!({"type": "string", "format": "byte", "nullable": true})
        }
        "google.protobuf.BoolValue" => json!({"type": "boolean", "nullable": true}),
        "google.protobuf.Int32Value" | "google.protobuf.UInt32Value" => {
            json!({"type": "integer", "nullable": true})
        }
        "google.protobuf.Int64Value" | "google.protobuf.UInt64Value" => {
            json!({"type": "string", "format": "int64", "nullable": true})
        }
        "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => {
            json!({"type": "number", "nullable": true})
        }
        _ => return None,
    })
}

fn problem_schema() -> Json {
    let text = json!({"type": "string"});
    json!({
        "type": "object",
        "description": "Problem details (RFC 9457), with the gRPC code and the details of the status.",
        "properties": {
            "type": text, "title": text, "detail": text,
            "status": {"type": "integer", "format": "int32"},
            "code": {"type": "string", "description": "the gRPC status code, e.g. NOT_FOUND"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "field": text, "description": text}}},
            "preconditionFailures": {"type": "array", "items": {"type": "object", "properties": {
                "type": text, "subject": text, "description": text}}},
        }
    })
}
