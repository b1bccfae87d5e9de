//! The OpenAPI document: valid OpenAPI 3 (parsed by a real model), every annotated RPC in it,
//! schemas following the JSON mapping.

use openapiv3::{OpenAPI, ReferenceOr};

use crate::TestGateway;

#[tokio::test]
async fn the_document_is_openapi_3_and_lists_every_annotated_rpc() {
    let t = TestGateway::start().await;
    let r = t.get("/api/v1/openapi.json").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let doc: OpenAPI = serde_json::from_str(&text).expect("a valid OpenAPI 3.0 document");
    assert!(doc.openapi.starts_with("3.0"));

    let pool = onewindow_proto::descriptor_pool();
    let http = pool.get_extension_by_name("google.api.http").unwrap();
    let mut checked = 0;
    for service in pool.services() {
        for method in service.methods() {
            let options = method.options();
            if !options.has_extension(&http) {
                continue;
            }
            let rule = options.get_extension(&http);
            let rule = rule.as_message().unwrap();
            let (verb, template) = ["get", "put", "post", "delete", "patch"]
                .into_iter()
                .find(|v| rule.has_field_by_name(v))
                .map(|v| {
                    let path = rule
                        .get_field_by_name(v)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string();
                    (v, path)
                })
                .unwrap();
            // Variables may be renamed in the document (no dots; one name per path shape).
            let found = doc
                .paths
                .paths
                .iter()
                .find(|(path, _)| shape(path) == shape(&template));
            let Some((_, ReferenceOr::Item(item))) = found else {
                panic!("{} ({template}) is missing", method.full_name());
            };
            let op = match verb {
                "get" => &item.get,
                "put" => &item.put,
                "post" => &item.post,
                "delete" => &item.delete,
                _ => &item.patch,
            };
            let op = op
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no {verb}", method.full_name()));
            assert_eq!(
                op.operation_id.as_deref(),
                Some(format!("{}_{}", service.name(), method.name()).as_str())
            );
            assert!(op.responses.default.is_some(), "problem response");
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} rpcs");

    let components = doc.components.unwrap();
    let schema = |name: &str| match components.schemas.get(name) {
        Some(ReferenceOr::Item(s)) => serde_json::to_value(s).unwrap(),
        _ => panic!("schema {name} missing"),
    };
    assert_eq!(
        schema("onewindow.catalog.v1.Fee")["properties"]["amountFen"]["type"],
        "string",
        "int64 as string"
    );
    let item_type = schema("onewindow.catalog.v1.ItemType");
    assert!(item_type["enum"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "ITEM_TYPE_LICENSE"));
    assert!(components.schemas.contains_key("Problem"));
    assert!(components.security_schemes.contains_key("bearerAuth"));
}

#[tokio::test]
async fn parameters_come_from_the_path_template_and_the_request_fields() {
    let t = TestGateway::start().await;
    let doc: serde_json::Value = t.get_json("/api/v1/openapi.json").await;
    let list = &doc["paths"]["/api/v1/items"]["get"]["parameters"];
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"query") && names.contains(&"page_size") && names.contains(&"type"));

    // Variables named by a field path (`{item.id}`) are written without the dot, and share
    // the names of the other operations on the same path.
    let (path, item) = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(p, v)| {
            p.starts_with("/api/v1/items/{")
                && p.contains("}/versions/{")
                && v.get("patch").is_some()
        })
        .unwrap();
    assert!(!path.contains('.'), "{path}");
    let update = &item["patch"];
    let params = update["parameters"].as_array().unwrap();
    let in_path: Vec<&str> = params
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(in_path.len(), 2);
    assert!(
        in_path.iter().all(|n| path.contains(&format!("{{{n}}}"))),
        "{path}: {in_path:?}"
    );
    assert!(params
        .iter()
        .any(|p| p["name"] == "request_id" && p["in"] == "query"));
    assert_eq!(
        update["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/onewindow.catalog.v1.Item"
    );

    let export = &doc["paths"]["/api/v1/catalog:export"]["get"]["responses"]["200"]["content"];
    assert!(export.get("*/*").is_some(), "HttpBody is raw content");
    let watch = &doc["paths"]["/api/v1/catalog/events"]["get"]["responses"]["200"]["content"];
    assert!(watch.get("text/event-stream").is_some());
}

/// The path with its variables' names left out: `/api/v1/items/{}/versions/{}`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}
