//! The OpenAPI document as clients get it: poem-openapi's output, completed with what the
//! HTTP plumbing answers on every operation without the handler's say, so that the
//! document promises exactly what happens (schemathesis checks it, `ops/bench/fuzz`):
//!
//! - an optional property is `nullable`: an absent `Option` goes out as `null`, and a
//!   request may send `null` for it (poem-openapi reads `null` as absent);
//! - a secured operation answers 401 without valid credentials and 403 when the role is
//!   too low or a session request that changes state lacks its CSRF token (`crate::auth`);
//! - an operation with parameters or a body answers 400 when one does not parse (a path
//!   id that is no UUID, a body that is no JSON of the right shape);
//! - an operation with a body answers 413 over `--max-body-bytes` (`crate::hardening`)
//!   and 415 when it is not `application/json`;
//! - every operation answers 503 when the database pool had no free connection in time
//!   (`Problem::of_store`).
//!
//! Every error body is a `Problem` sent as `application/problem+json`
//! (`crate::problem::ProblemJson`).
//!
//! At request time ([`around`], from the same document): a JSON body whose values have
//! other types than the document gives them is refused with 400 (poem-openapi would read
//! `false` or `7` as the string `"false"` or `"7"`), and a 405 names the methods of its
//! path in `Allow`.
//!
//! What it does not do: add statuses a handler decides (those are its `documented!` list).

use std::sync::Arc;

use poem::http::StatusCode;
use poem::http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response};
use serde_json::{Map, Value, json};

use crate::problem::{PROBLEM_CONTENT_TYPE, Problem, ProblemJson};

/// Where the document's paths are mounted.
const API_PREFIX: &str = "/api/v1";

/// The statuses the plumbing adds, by what an operation has.
const AUTH: [(&str, &str); 2] = [
    (
        "401",
        "Not authenticated: no credentials, or they are unknown, expired or revoked.",
    ),
    (
        "403",
        "Not allowed: the role is too low, or a session request that changes state lacks \
         `X-CSRF-Token`.",
    ),
];
const UNPARSABLE: (&str, &str) = (
    "400",
    "A parameter or the body does not parse (e.g. a path id that is no UUID).",
);
const BODY: [(&str, &str); 2] = [
    (
        "413",
        "The body is larger than the server accepts (`--max-body-bytes`).",
    ),
    ("415", "The body is not `application/json`."),
];

const BUSY: (&str, &str) = (
    "503",
    "The database is busy: no connection came free in time. Retry after `Retry-After` seconds.",
);

/// Completes poem-openapi's document (pretty JSON in, pretty JSON out).
pub fn complete(document: &str) -> Result<String, serde_json::Error> {
    let mut doc: Value = serde_json::from_str(document)?;
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.values_mut().for_each(mark_optional_nullable);
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            operation
                .values_mut()
                .filter_map(Value::as_object_mut)
                .for_each(complete_operation);
        }
    }
    serde_json::to_string_pretty(&doc)
}

/// Every property an object schema does not require may be `null`; and an `allOf` keeps
/// only its schemas, not the annotation-only parts poem-openapi adds beside a `$ref` (the
/// description is on the property already): generators such as openapi-python-client
/// cannot combine an enum with them.
fn mark_optional_nullable(schema: &mut Value) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        let Some(p) = property.as_object_mut() else {
            continue;
        };
        if let Some(Value::Array(parts)) = p.get_mut("allOf") {
            let is_schema = |v: &Value| {
                [
                    "$ref",
                    "type",
                    "properties",
                    "allOf",
                    "oneOf",
                    "anyOf",
                    "enum",
                ]
                .iter()
                .any(|k| v.get(k).is_some())
            };
            if parts.iter().any(is_schema) {
                parts.retain(is_schema);
            }
        }
        if required.contains(name) {
            continue;
        }
        // A `$ref` ignores its siblings (OpenAPI 3.0): wrap it to say more.
        if let Some(reference) = p.remove("$ref") {
            p.insert("allOf".into(), json!([{ "$ref": reference }]));
        }
        p.insert("nullable".into(), Value::Bool(true));
    }
}

fn complete_operation(operation: &mut Map<String, Value>) {
    let secured = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let has_body = operation.contains_key("requestBody");
    let has_parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut added: Vec<(&str, &str)> = Vec::new();
    if secured {
        added.extend(AUTH);
    }
    if has_parameters || has_body {
        added.push(UNPARSABLE);
    }
    if has_body {
        added.extend(BODY);
    }
    added.push(BUSY);
    for (status, description) in added {
        if !responses.contains_key(status) {
            responses.insert(
                status.to_owned(),
                json!({
                    "description": description,
                    "content": {
                        PROBLEM_CONTENT_TYPE: {
                            "schema": { "$ref": "#/components/schemas/Problem" }
                        }
                    }
                }),
            );
        }
    }
    // Keep the statuses in order, as a reader looks for them.
    let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(sorted);
}

/// What the document says of each path, for checks at request time: the methods (`Allow`
/// on a 405) and each method's JSON body schema.
#[derive(Debug, Clone, Default)]
pub struct Routes(Arc<RoutesInner>);

#[derive(Debug, Default)]
struct RoutesInner {
    paths: Vec<PathEntry>,
    schemas: Map<String, Value>,
}

#[derive(Debug)]
struct PathEntry {
    /// `None` stands for a `{param}` segment, which matches any one segment.
    segments: Vec<Option<String>>,
    allow: String,
    /// (METHOD, body schema)
    bodies: Vec<(String, Value)>,
}

impl Routes {
    /// From a document (unparsable: nothing known, nothing checked).
    pub fn from_document(document: &str) -> Self {
        let mut doc: Value = serde_json::from_str(document).unwrap_or_default();
        let schemas = match doc.pointer_mut("/components/schemas").map(Value::take) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| paths.iter().map(|(t, ops)| path_entry(t, ops)).collect())
            .unwrap_or_default();
        Self(Arc::new(RoutesInner { paths, schemas }))
    }

    /// The entry of the API path `path` (under `/api/v1`). A literal segment wins over a
    /// parameter (`/servers/probe-host-key` is not `/servers/{id}`).
    fn entry(&self, path: &str) -> Option<&PathEntry> {
        let rest = path.strip_prefix(API_PREFIX)?;
        let wanted: Vec<&str> = rest.split('/').collect();
        self.0
            .paths
            .iter()
            .filter(|e| {
                e.segments.len() == wanted.len()
                    && e.segments
                        .iter()
                        .zip(&wanted)
                        .all(|(s, w)| s.as_deref().is_none_or(|lit| lit == *w))
            })
            .max_by_key(|e| e.segments.iter().filter(|s| s.is_some()).count())
    }

    /// The methods of the API path `path`, as `Allow` lists them.
    pub fn allow(&self, path: &str) -> Option<&str> {
        self.entry(path).map(|e| e.allow.as_str())
    }

    /// The JSON body schema the document gives `method` on the API path `path`.
    fn body_schema(&self, method: &str, path: &str) -> Option<&Value> {
        let entry = self.entry(path)?;
        entry
            .bodies
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, schema)| schema)
    }

    /// Whether a JSON request body has the types the document gives it: a string where a
    /// string is expected, not a number or boolean that poem-openapi would turn into one.
    /// `Err` is the 400 to answer. Bodies the document does not describe pass.
    pub fn check_body(&self, method: &str, path: &str, body: &Value) -> Result<(), Problem> {
        self.body_schema(method, path)
            .map_or(Ok(()), |schema| self.check_against(schema, body))
    }

    fn check_against(&self, schema: &Value, body: &Value) -> Result<(), Problem> {
        match self.type_error(body, schema, "", 0) {
            None => Ok(()),
            Some((at, message)) => {
                let field = at.split(['.', '[']).next().unwrap_or_default();
                let problem = Problem::validation(format!("{}: {message}", at_or_body(&at)));
                Err(problem.with_field((!field.is_empty()).then_some(field)))
            }
        }
    }

    /// The first place (a JSON path like `retention.daily` or `paths[2]`) where `value`
    /// has another type than `schema`, and what is wrong there. `null` is left to the
    /// parser (it knows what is optional); so are `oneOf`/`anyOf` choices.
    fn type_error(
        &self,
        value: &Value,
        schema: &Value,
        at: &str,
        depth: usize,
    ) -> Option<(String, String)> {
        if value.is_null() || depth > 32 {
            return None;
        }
        let schema = self.resolve(schema);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            return parts
                .iter()
                .find_map(|p| self.type_error(value, p, at, depth + 1));
        }
        let expected = schema.get("type").and_then(Value::as_str)?;
        let fits = match expected {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        if !fits {
            return Some((
                at.to_owned(),
                format!("expected {}, got {}", article(expected), kind_of(value)),
            ));
        }
        match value {
            Value::Array(items) => {
                let item_schema = schema.get("items")?;
                items.iter().enumerate().find_map(|(i, item)| {
                    self.type_error(item, item_schema, &format!("{at}[{i}]"), depth + 1)
                })
            }
            Value::Object(fields) => {
                let properties = schema.get("properties").and_then(Value::as_object)?;
                fields.iter().find_map(|(name, field)| {
                    let at = if at.is_empty() {
                        name.clone()
                    } else {
                        format!("{at}.{name}")
                    };
                    properties
                        .get(name)
                        .and_then(|p| self.type_error(field, p, &at, depth + 1))
                })
            }
            _ => None,
        }
    }

    /// `schema`, or the component its `$ref` names.
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .and_then(|name| self.0.schemas.get(name))
            .unwrap_or(schema)
    }
}

fn path_entry(template: &str, operations: &Value) -> PathEntry {
    let segments = template
        .split('/')
        .map(|seg| (!seg.starts_with('{')).then(|| seg.to_owned()))
        .collect();
    let operations = operations.as_object();
    let mut methods: Vec<String> = operations
        .map(|o| o.keys().map(|m| m.to_uppercase()).collect())
        .unwrap_or_default();
    methods.sort();
    let bodies = operations
        .into_iter()
        .flatten()
        .filter_map(|(method, op)| {
            let content = op.pointer("/requestBody/content")?.as_object()?;
            let schema = content
                .iter()
                .find(|(ct, _)| ct.starts_with("application/json"))
                .and_then(|(_, media)| media.get("schema"))?;
            Some((method.to_uppercase(), schema.clone()))
        })
        .collect();
    PathEntry {
        segments,
        allow: methods.join(", "),
        bodies,
    }
}

fn at_or_body(at: &str) -> &str {
    if at.is_empty() { "body" } else { at }
}

fn article(ty: &str) -> &'static str {
    match ty {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "an array",
        _ => "an object",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Request-time checks from the document, around the API: a JSON body of the wrong types
/// is refused with 400 before a handler sees it, and a 405 gets `Allow` (RFC 9110).
pub async fn around<E: Endpoint>(
    endpoint: Arc<E>,
    mut req: Request,
    routes: Routes,
) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let schema = is_json
        .then(|| routes.body_schema(req.method().as_str(), &path))
        .flatten();
    if let Some(schema) = schema {
        let bytes = req.take_body().into_bytes().await?;
        // A body that is no JSON is left to the parser's own 400.
        if let Ok(body) = serde_json::from_slice::<Value>(&bytes)
            && let Err(problem) = routes.check_against(schema, &body)
        {
            return Ok(ProblemJson(problem).into_response());
        }
        req.set_body(bytes);
    }
    let mut response = match endpoint.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(value) = routes
            .allow(&path)
            .and_then(|m| HeaderValue::from_str(m).ok())
    {
        response.headers_mut().insert(ALLOW, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed(doc: Value) -> Value {
        let out = complete(&doc.to_string()).expect("valid JSON");
        serde_json::from_str(&out).expect("valid JSON")
    }

    #[test]
    fn optional_properties_become_nullable_and_required_ones_stay_as_they_are() {
        let doc = completed(json!({
            "components": { "schemas": { "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": { "type": "string" },
                    "note": { "type": "string" },
                    "owner": { "$ref": "#/components/schemas/Owner" },
                    "level": {
                        "allOf": [{ "$ref": "#/components/schemas/Level" }, { "description": "How bad." }],
                        "description": "How bad."
                    }
                }
            }}}
        }));
        let props = &doc["components"]["schemas"]["Thing"]["properties"];
        assert_eq!(props["id"], json!({ "type": "string" }));
        assert_eq!(props["note"]["nullable"], json!(true));
        assert_eq!(
            props["owner"]["allOf"][0]["$ref"],
            "#/components/schemas/Owner"
        );
        assert_eq!(props["owner"]["nullable"], json!(true));
        assert!(props["owner"].get("$ref").is_none());
        assert_eq!(
            props["level"]["allOf"],
            json!([{ "$ref": "#/components/schemas/Level" }])
        );
        assert_eq!(props["level"]["description"], "How bad.");
    }

    #[test]
    fn plumbing_statuses_are_added_by_what_an_operation_has() {
        let doc = completed(json!({ "paths": {
            "/open": { "get": { "responses": { "200": { "description": "" } } } },
            "/things/{id}": { "put": {
                "parameters": [{ "name": "id", "in": "path" }],
                "requestBody": {},
                "security": [{ "bearerToken": [] }],
                "responses": { "200": {}, "400": { "description": "mine" } }
            }}
        }}));
        let open: Vec<&String> = doc["paths"]["/open"]["get"]["responses"]
            .as_object()
            .map(|r| r.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            open,
            ["200", "503"],
            "every operation may find the database busy"
        );
        let put = &doc["paths"]["/things/{id}"]["put"]["responses"];
        let statuses: Vec<&String> = put
            .as_object()
            .map(|r| r.keys().collect())
            .unwrap_or_default();
        assert_eq!(statuses, ["200", "400", "401", "403", "413", "415", "503"]);
        assert_eq!(
            put["400"]["description"], "mine",
            "a handler's own entry is kept"
        );
        assert!(put["415"]["content"][PROBLEM_CONTENT_TYPE].is_object());
    }

    #[test]
    fn allow_names_the_methods_of_the_path_a_literal_segment_first() {
        let doc = json!({ "paths": {
            "/servers/{id}": { "get": {}, "delete": {}, "patch": {} },
            "/servers/probe-host-key": { "post": {} },
            "/servers": { "get": {}, "post": {} }
        }});
        let routes = Routes::from_document(&doc.to_string());
        assert_eq!(
            routes.allow("/api/v1/servers/1234"),
            Some("DELETE, GET, PATCH")
        );
        assert_eq!(routes.allow("/api/v1/servers/probe-host-key"), Some("POST"));
        assert_eq!(routes.allow("/api/v1/servers"), Some("GET, POST"));
        assert_eq!(routes.allow("/api/v1/servers/1/x"), None);
        assert_eq!(routes.allow("/other"), None);
    }

    fn thing_routes() -> Routes {
        let doc = json!({
            "paths": { "/things": { "post": { "requestBody": { "content": {
                "application/json; charset=utf-8": { "schema": { "$ref": "#/components/schemas/Thing" } }
            }}}}},
            "components": { "schemas": {
                "Thing": { "type": "object", "properties": {
                    "name": { "type": "string" },
                    "count": { "type": "integer" },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "limits": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Limits" }] }
                }},
                "Limits": { "type": "object", "properties": { "max": { "type": "integer" } } }
            }}
        });
        Routes::from_document(&doc.to_string())
    }

    #[test]
    fn a_body_of_the_documented_types_passes_and_nulls_are_left_to_the_parser() {
        let routes = thing_routes();
        let ok =
            json!({ "name": "a", "count": 3, "tags": ["x"], "limits": { "max": 2 }, "extra": 1 });
        assert!(routes.check_body("POST", "/api/v1/things", &ok).is_ok());
        let nulls = json!({ "name": null, "limits": null });
        assert!(routes.check_body("POST", "/api/v1/things", &nulls).is_ok());
        let undocumented = json!({ "name": 5 });
        assert!(
            routes
                .check_body("PUT", "/api/v1/things", &undocumented)
                .is_ok()
        );
    }

    #[test]
    fn a_value_of_another_type_is_refused_naming_where() {
        let routes = thing_routes();
        let cases = [
            (
                json!({ "name": false }),
                "name",
                "name: expected a string, got a boolean",
            ),
            (
                json!({ "name": 7 }),
                "name",
                "name: expected a string, got a number",
            ),
            (
                json!({ "count": "3" }),
                "count",
                "count: expected an integer, got a string",
            ),
            (
                json!({ "count": 1.5 }),
                "count",
                "count: expected an integer, got a number",
            ),
            (
                json!({ "tags": ["x", 1] }),
                "tags",
                "tags[1]: expected a string, got a number",
            ),
            (
                json!({ "limits": { "max": "9" } }),
                "limits",
                "limits.max: expected an integer, got a string",
            ),
            (json!([1]), "", "body: expected an object, got an array"),
        ];
        for (body, field, detail) in cases {
            let problem = routes
                .check_body("POST", "/api/v1/things", &body)
                .expect_err("refused");
            assert_eq!(problem.status, 400);
            assert_eq!(problem.detail.as_deref(), Some(detail));
            assert_eq!(
                problem.field.as_deref(),
                (!field.is_empty()).then_some(field)
            );
        }
    }
}
