//! Calling any RPC of the contracts by name with a proto3 JSON request: over gRPC as a
//! dynamic message through a pass-through codec, and through the gateway's REST route that
//! its `google.api.http` rule derives.

use bytes::Bytes;
use onewindow_gateway::transcode::{BodyRule, Route, RouteTable};
use onewindow_gateway::upstream::RawCodec;
use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor, MethodDescriptor, SerializeOptions};
use serde_json::{Map, Value as Json};
use tonic::{Code, Status};

use super::world::World;

/// Every method of every service in the contracts, by full name (`pkg.Service.Method`).
pub fn all_methods() -> Vec<MethodDescriptor> {
    onewindow_proto::descriptor_pool()
        .services()
        .flat_map(|s| s.methods().collect::<Vec<_>>())
        .collect()
}

pub fn method(full_name: &str) -> MethodDescriptor {
    all_methods()
        .into_iter()
        .find(|m| m.full_name() == full_name)
        .unwrap_or_else(|| panic!("no rpc {full_name} in the contracts"))
}

/// Whether a method changes something: its request carries a client-chosen `request_id`.
pub fn is_mutation(m: &MethodDescriptor) -> bool {
    m.input().get_field_by_name("request_id").is_some()
}

/// A message decoded from proto3 JSON (proto or JSON field names).
pub fn try_message(desc: &MessageDescriptor, json: &Json) -> Result<DynamicMessage, String> {
    DynamicMessage::deserialize(desc.clone(), json.clone())
        .map_err(|e| format!("{} from {json}: {e}", desc.full_name()))
}

/// A message decoded from proto3 JSON; the request of a row must decode.
pub fn message(desc: &MessageDescriptor, json: &Json) -> DynamicMessage {
    try_message(desc, json).unwrap_or_else(|e| panic!("{e}"))
}

/// A message as proto3 JSON with the proto field names.
pub fn to_json(message: &DynamicMessage) -> Json {
    let options = SerializeOptions::new().use_proto_field_name(true);
    message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .expect("a message serializes")
}

/// A typed message of the contracts as proto3 JSON (`full_name` is its message type).
pub fn typed_to_json(full_name: &str, m: &impl Message) -> Json {
    let desc = onewindow_proto::descriptor_pool()
        .get_message_by_name(full_name)
        .unwrap_or_else(|| panic!("no message {full_name}"));
    let dynamic = DynamicMessage::decode(desc, m.encode_to_vec().as_slice()).unwrap();
    to_json(&dynamic)
}

/// Calls `m` over gRPC as the holder of `token`; the response as proto3 JSON (a stream's
/// status only: the stream is dropped once the server has answered).
pub async fn grpc(
    world: &World,
    m: &MethodDescriptor,
    request: &Json,
    token: Option<&str>,
) -> Result<Json, Status> {
    let body = Bytes::from(message(&m.input(), request).encode_to_vec());
    let mut req = tonic::Request::new(body);
    if let Some(token) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let path = format!("/{}/{}", m.parent_service().full_name(), m.name())
        .parse()
        .unwrap();
    let mut client = tonic::client::Grpc::new(world.channel.clone());
    client
        .ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    if m.is_server_streaming() {
        client.server_streaming(req, path, RawCodec).await?;
        return Ok(Json::Null);
    }
    let response = client.unary(req, path, RawCodec).await?.into_inner();
    let out = DynamicMessage::decode(m.output(), response)
        .map_err(|e| Status::internal(e.to_string()))?;
    Ok(to_json(&out))
}

/// What a REST call answered.
#[derive(Debug)]
pub struct RestOutcome {
    pub url: String,
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl RestOutcome {
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or(Json::Null)
    }

    /// The gRPC code a problem document names (`code`), if it is one.
    pub fn problem_code(&self) -> Option<String> {
        if !self.content_type.starts_with("application/problem+json") {
            return None;
        }
        self.json()["code"].as_str().map(str::to_string)
    }
}

fn routes() -> &'static RouteTable {
    static ROUTES: std::sync::OnceLock<RouteTable> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| {
        RouteTable::from_pool(onewindow_proto::descriptor_pool()).expect("the contracts' routes")
    })
}

/// The (first) REST route of `m`.
pub fn route(m: &MethodDescriptor) -> Route {
    routes()
        .routes()
        .iter()
        .find(|r| r.rpc.full_name() == m.full_name())
        .cloned()
        .unwrap_or_else(|| panic!("{} has no REST route", m.full_name()))
}

/// Unreserved characters stay, everything else is percent-encoded (one path segment).
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn take_path(root: &mut Json, path: &[String]) -> Option<Json> {
    let (last, parents) = path.split_last()?;
    let mut at = root;
    for p in parents {
        at = at.get_mut(p.as_str())?;
    }
    at.as_object_mut()?.remove(last.as_str())
}

/// The text of a field's default value, as a path variable.
fn default_of(desc: &MessageDescriptor, path: &[String]) -> String {
    let mut current = desc.clone();
    for (i, name) in path.iter().enumerate() {
        let Some(field) = current.get_field_by_name(name) else {
            return String::new();
        };
        match field.kind() {
            prost_reflect::Kind::Message(m) if i + 1 < path.len() => current = m,
            prost_reflect::Kind::String | prost_reflect::Kind::Bytes => return String::new(),
            prost_reflect::Kind::Bool => return "false".into(),
            prost_reflect::Kind::Message(_) | prost_reflect::Kind::Enum(_) => return String::new(),
            _ => return "0".into(),
        }
    }
    String::new()
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, v: &Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                flatten(prefix, item, out);
            }
        }
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

/// Calls `m` through the gateway's REST route as the holder of `token`: path variables from
/// the request, the body as the rule says, the rest as query parameters.
pub async fn rest(
    world: &World,
    m: &MethodDescriptor,
    request: &Json,
    token: Option<&str>,
) -> RestOutcome {
    let route = route(m);
    let mut json = to_json(&message(&m.input(), request));
    let body_value = match &route.body {
        BodyRule::Field(f) => json.get(f.as_str()).cloned(),
        _ => None,
    };
    let mut path = route.template.source().to_string();
    for var in route.template.variables() {
        // A default value is left out of proto3 JSON; the path still needs it.
        let value = take_path(&mut json, &var.field_path)
            .map(|v| scalar(&v))
            .unwrap_or_else(|| default_of(&m.input(), &var.field_path));
        let name = var.field_path.join(".");
        path = path.replace(&format!("{{{name}}}"), &encode_segment(&value));
    }
    let mut query = Vec::new();
    let body = match &route.body {
        BodyRule::None => {
            flatten("", &json, &mut query);
            None
        }
        BodyRule::Whole => Some(json),
        BodyRule::Field(f) => {
            if let Some(map) = json.as_object_mut() {
                map.remove(f.as_str());
            }
            flatten("", &json, &mut query);
            Some(body_value.unwrap_or(Json::Object(Map::new())))
        }
    };
    let url = format!("{}{path}", world.http_base);
    let method = reqwest::Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
    let mut req = world.http.request(method, &url).query(&query);
    if let Some(body) = body {
        req = req.json(&body);
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let response = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // A stream answers at once and then stays open: its head is enough.
    let body = if content_type.starts_with("text/event-stream") {
        String::new()
    } else {
        response.text().await.unwrap_or_default()
    };
    RestOutcome {
        url,
        status,
        content_type,
        body,
    }
}

/// The HTTP status the gateway maps a gRPC code to.
pub fn http_status(code: Code) -> u16 {
    onewindow_gateway::problem::http_status(code).as_u16()
}

/// A gRPC code from its name (`PERMISSION_DENIED`).
pub fn code_of(name: &str) -> Code {
    let all = [
        Code::Ok,
        Code::Cancelled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];
    all.into_iter()
        .find(|c| onewindow_gateway::problem::code_name(*c) == name)
        .unwrap_or_else(|| panic!("{name} is no gRPC code"))
}
