//! The request message of a REST call: the body (whole or one field), then query
//! parameters, then path variables, merged as proto3 JSON and decoded in one step, so enums
//! by name, int64 as strings and well-known types follow the standard mapping.

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Map, Value as Json};

use super::routes::{BodyRule, Route};
use crate::problem::Problem;

/// The field a dotted path names, accepting proto names and JSON names at each level.
pub fn resolve_path(desc: &MessageDescriptor, path: &[String]) -> Option<Vec<FieldDescriptor>> {
    let mut out = Vec::with_capacity(path.len());
    let mut current = desc.clone();
    for (i, name) in path.iter().enumerate() {
        let field = current
            .get_field_by_name(name)
            .or_else(|| current.get_field_by_json_name(name))?;
        if i + 1 < path.len() {
            match field.kind() {
                Kind::Message(m) if !field.is_list() && !field.is_map() => current = m,
                _ => return None,
            }
        }
        out.push(field);
    }
    Some(out)
}

/// Builds the request message of `route`.
pub fn build(
    route: &Route,
    path_vars: Vec<(Vec<String>, String)>,
    query: Option<&str>,
    body: impl AsRef<[u8]>,
    extra: &[(String, String)],
) -> Result<DynamicMessage, Problem> {
    let input = route.rpc.input();
    let parsed = match &route.body {
        BodyRule::None => None,
        _ => parse_body(body.as_ref())?,
    };
    // Let go once read (when owned): an upload's body holds its files, in base64.
    drop(body);
    let mut root = match &route.body {
        BodyRule::None => Map::new(),
        BodyRule::Whole => match parsed {
            None => Map::new(),
            Some(Json::Object(map)) => map,
            Some(_) => return Err(Problem::bad_request("the body must be a JSON object")),
        },
        BodyRule::Field(name) => {
            let mut map = Map::new();
            if let (Some(value), Some(field)) = (parsed, input.get_field_by_name(name)) {
                map.insert(field.json_name().to_string(), value);
            }
            map
        }
    };

    let bound_by_path: Vec<String> = path_vars.iter().map(|(p, _)| p.join(".")).collect();
    let mut params: Vec<(String, String)> = query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    params.extend(extra.iter().cloned());
    for (key, value) in params {
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        let Some(fields) = resolve_path(&input, &path) else {
            return Err(Problem::field(key, "no such field"));
        };
        let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
        if bound_by_path.iter().any(|b| *b == names.join(".")) {
            continue; // the path binds it; the path wins
        }
        match &route.body {
            BodyRule::Whole => {
                return Err(Problem::field(key, "set it in the body, not the query"));
            }
            BodyRule::Field(body_field) if names.first() == Some(&body_field.as_str()) => {
                return Err(Problem::field(key, "set it in the body, not the query"));
            }
            _ => {}
        }
        let leaf = fields
            .last()
            .cloned()
            .ok_or_else(|| Problem::field(&key, "empty"))?;
        let json = scalar(&leaf, &value).map_err(|why| Problem::field(&key, why))?;
        set(&mut root, &fields, json, leaf.is_list());
    }
    for (path, value) in path_vars {
        let key = path.join(".");
        let fields =
            resolve_path(&input, &path).ok_or_else(|| Problem::field(&key, "no such field"))?;
        let leaf = fields
            .last()
            .cloned()
            .ok_or_else(|| Problem::field(&key, "empty"))?;
        let json = scalar(&leaf, &value).map_err(|why| Problem::field(&key, why))?;
        set(&mut root, &fields, json, false);
    }
    DynamicMessage::deserialize(input, Json::Object(root))
        .map_err(|e| Problem::bad_request(format!("invalid request: {e}")))
}

fn parse_body(body: &[u8]) -> Result<Option<Json>, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| Problem::bad_request(format!("the body is not valid JSON: {e}")))
}

/// Puts `value` at the field path, creating objects on the way. A key written under the
/// proto name in the body is renamed to the JSON name first, so one field never appears
/// twice.
fn set(root: &mut Map<String, Json>, fields: &[FieldDescriptor], value: Json, append: bool) {
    let mut map = root;
    for (i, field) in fields.iter().enumerate() {
        let json_name = field.json_name().to_string();
        if field.name() != json_name {
            if let Some(v) = map.remove(field.name()) {
                map.entry(json_name.clone()).or_insert(v);
            }
        }
        if i + 1 == fields.len() {
            if append {
                match map.get_mut(&json_name) {
                    Some(Json::Array(items)) => items.push(value),
                    _ => {
                        map.insert(json_name, Json::Array(vec![value]));
                    }
                }
            } else {
                map.insert(json_name, value);
            }
            return;
        }
        let slot = map
            .entry(json_name)
            .or_insert_with(|| Json::Object(Map::new()));
        if !slot.is_object() {
            *slot = Json::Object(Map::new());
        }
        let Json::Object(next) = slot else { return };
        map = next;
    }
}

/// A query or path string as the JSON value of a field's kind.
fn scalar(field: &FieldDescriptor, raw: &str) -> Result<Json, String> {
    if field.is_map() {
        return Err("maps cannot be set from the path or query".into());
    }
    kind_value(&field.kind(), raw)
}

fn kind_value(kind: &Kind, raw: &str) -> Result<Json, String> {
    Ok(match kind {
        Kind::String | Kind::Bytes => Json::String(raw.to_string()),
        Kind::Bool => match raw {
            "true" | "1" => Json::Bool(true),
            "false" | "0" => Json::Bool(false),
            _ => return Err("must be true or false".into()),
        },
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Json::from(
            raw.parse::<i32>()
                .map_err(|_| "must be a 32-bit integer".to_string())?,
        ),
        Kind::Uint32 | Kind::Fixed32 => Json::from(
            raw.parse::<u32>()
                .map_err(|_| "must be an unsigned 32-bit integer".to_string())?,
        ),
        // 64-bit integers travel as strings in proto3 JSON.
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            raw.parse::<i64>()
                .map_err(|_| "must be a 64-bit integer".to_string())?;
            Json::String(raw.to_string())
        }
        Kind::Uint64 | Kind::Fixed64 => {
            raw.parse::<u64>()
                .map_err(|_| "must be an unsigned 64-bit integer".to_string())?;
            Json::String(raw.to_string())
        }
        Kind::Float | Kind::Double => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Json::from(v),
            _ if ["NaN", "Infinity", "-Infinity"].contains(&raw) => Json::String(raw.into()),
            _ => return Err("must be a number".into()),
        },
        Kind::Enum(e) => match raw.parse::<i32>() {
            Ok(n) => Json::from(n),
            Err(_) => {
                if e.get_value_by_name(raw).is_none() {
                    let names: Vec<String> = e.values().map(|v| v.name().to_string()).collect();
                    return Err(format!("must be one of {}", names.join(", ")));
                }
                Json::String(raw.to_string())
            }
        },
        Kind::Message(m) => match m.full_name() {
            "google.protobuf.Timestamp"
            | "google.protobuf.Duration"
            | "google.protobuf.FieldMask" => Json::String(raw.to_string()),
            name if name.starts_with("google.protobuf.") && name.ends_with("Value") => {
                match m.get_field_by_name("value") {
                    Some(inner) => kind_value(&inner.kind(), raw)?,
                    None => return Err("cannot be set from the path or query".into()),
                }
            }
            _ => return Err("a message cannot be set from the path or query".into()),
        },
    })
}
