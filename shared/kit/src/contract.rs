//! Completes a service's generated OpenAPI document so that validators (openapi-spec-validator,
//! Redocly, Spectral) and generators (openapi-python-client, openapi-generator) accept it as
//! it is. utoipa writes what the handlers and types declare; the conventions every route
//! shares are stated here once instead of on ~100 handlers:
//!
//! - every response has a `description` (the status's meaning in Liftoff, when the handler
//!   gave none); every operation with a path or query parameter documents 400 (`invalid_path`,
//!   `invalid_query`), with a path parameter 404, with a JSON body 415;
//! - binary bodies (`Vec<u8>` under a non-JSON media type) are `type: string, format: binary`,
//!   and a bundle upload lists every archive media type the server accepts;
//! - `allOf` made by `#[serde(flatten)]` is merged into one object, so a type that denies
//!   unknown fields does not make the composition unsatisfiable;
//! - inline union variants and nullable inline objects get titles, string enums get
//!   `x-enum-varnames` (`AwaitingApproval` → `AWAITING_APPROVAL`), so generated names read well;
//! - `servers`, `license`, `contact`, and every tag an operation uses is declared.
//!
//! The pass works on the JSON form and is idempotent: running it twice changes nothing.

use serde_json::{Map, Value, json};

/// The media types a bundle upload may be sent with (the first is the generic one).
pub const ARCHIVE_MEDIA_TYPES: [&str; 8] = [
    "application/octet-stream",
    "application/gzip",
    "application/x-gzip",
    "application/x-compressed-tar",
    "application/x-gtar",
    "application/x-tar",
    "application/zip",
    "application/x-zip-compressed",
];

/// Where `liftoff up` listens by default; a service run apart is wherever `--listen` says.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7700";

/// A generated document with every convention applied, as served and committed. (Applied to
/// the JSON form: utoipa cannot read back all of what it writes, e.g. the `{}` of any value.)
pub fn finished(doc: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    complete(&mut doc);
    doc
}

/// Applies every convention to a document in its JSON form.
pub fn complete(doc: &mut Value) {
    document_level(doc);
    let mut used_tags = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                operation(op);
                for tag in op["tags"].as_array().into_iter().flatten() {
                    if let Some(t) = tag.as_str()
                        && !used_tags.iter().any(|u| u == t)
                    {
                        used_tags.push(t.to_string());
                    }
                }
            }
        }
    }
    declare_tags(doc, &used_tags);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let snapshot = schemas.clone();
        for (name, schema) in schemas.iter_mut() {
            merge_all_of(schema, &snapshot);
            name_inline_parts(schema, name);
        }
    }
}

fn document_level(doc: &mut Value) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    obj.insert(
        "servers".into(),
        json!([{
            "url": DEFAULT_SERVER,
            "description": "`liftoff up` on its default address (a service run apart with `liftoff serve` answers on its own `--listen` address)"
        }]),
    );
    if let Some(info) = obj.get_mut("info").and_then(Value::as_object_mut) {
        info.insert(
            "license".into(),
            json!({"name": "Apache-2.0", "identifier": "Apache-2.0"}),
        );
        info.insert("contact".into(), json!({"name": "Liftoff maintainers"}));
    }
}

fn declare_tags(doc: &mut Value, used: &[String]) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    let tags = obj.entry("tags").or_insert_with(|| json!([]));
    let Some(tags) = tags.as_array_mut() else {
        return;
    };
    for t in used {
        if !tags.iter().any(|d| d["name"] == t.as_str()) {
            tags.push(json!({"name": t, "description": t}));
        }
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// What each status means on every Liftoff route, for responses whose handler said no more.
fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "304" => "Not modified",
        "400" => {
            "Malformed request: `invalid_json`, `invalid_request` (unknown, missing or ill-typed field), `invalid_path`, `invalid_query` or `invalid_field`"
        }
        "401" => "No token, or a token that is malformed, expired, revoked or for another audience",
        "403" => "The token's role or kind does not allow this",
        "404" => "Not found (another team's objects are not found either)",
        "405" => "Method not allowed on this path (see `Allow`)",
        "409" => "Conflicts with the current state",
        "410" => "Gone",
        "412" => "The precondition (`If-Match`) does not hold",
        "413" => "The body exceeds this route's cap",
        "415" => "Unsupported `Content-Type`",
        "422" => "Well-formed, but invalid",
        "429" => "Rate limited; retry after `Retry-After` seconds",
        "503" => "Not ready (e.g. the database is unreachable); retry after `Retry-After` seconds",
        "507" => "Out of storage",
        _ => "See the error body",
    }
}

fn operation(op: &mut Value) {
    let params: Vec<(String, String)> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["in"].as_str()?.to_string(),
                p["name"].as_str()?.to_string(),
            ))
        })
        .collect();
    let has_path = params.iter().any(|(place, _)| place == "path");
    let has_query = params.iter().any(|(place, _)| place == "query");
    let json_body = op
        .pointer("/requestBody/content/application~1json")
        .is_some();
    if let Some(content) = op
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    {
        binary_bodies(content, true);
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    if has_path || has_query {
        responses
            .entry("400")
            .or_insert_with(|| error_response(status_description("400")));
    }
    if has_path {
        responses
            .entry("404")
            .or_insert_with(|| error_response(status_description("404")));
    }
    if json_body {
        responses.entry("415").or_insert_with(|| {
            error_response("Unsupported `Content-Type`: send `application/json`")
        });
    }
    for (status, response) in responses.iter_mut() {
        let Some(r) = response.as_object_mut() else {
            continue;
        };
        if r.get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            r.insert("description".into(), status_description(status).into());
        }
        if let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) {
            binary_bodies(content, false);
        }
    }
}

/// Is this utoipa's rendering of `Vec<u8>` (an array of small unsigned integers)?
fn is_byte_array(schema: &Value) -> bool {
    schema["type"] == "array"
        && schema["items"]["type"] == "integer"
        && schema["items"]["minimum"] == 0
}

/// Rewrites byte arrays under non-JSON media types as binary; an octet-stream request body
/// (a bundle upload) is offered under every archive media type too.
fn binary_bodies(content: &mut Map<String, Value>, request: bool) {
    let mut add = Vec::new();
    for (media, entry) in content.iter_mut() {
        if media.ends_with("json") {
            continue;
        }
        if let Some(schema) = entry.get_mut("schema")
            && is_byte_array(schema)
        {
            *schema = json!({"type": "string", "format": "binary"});
            if request && media == ARCHIVE_MEDIA_TYPES[0] {
                add.extend(ARCHIVE_MEDIA_TYPES[1..].iter().map(|m| m.to_string()));
            }
        }
    }
    for media in add {
        content
            .entry(media)
            .or_insert_with(|| json!({"schema": {"type": "string", "format": "binary"}}));
    }
}

/// `allOf: [{$ref: A}, {properties...}]` (what `#[serde(flatten)]` produces) becomes one object
/// with the properties and `required` of every part; it denies unknown fields if a part did.
fn merge_all_of(schema: &mut Value, schemas: &Map<String, Value>) {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return;
    };
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut closed = false;
    for part in parts {
        let resolved = match part.get("$ref").and_then(Value::as_str) {
            Some(r) => match r
                .strip_prefix("#/components/schemas/")
                .and_then(|n| schemas.get(n))
            {
                Some(s) => s,
                None => return,
            },
            None => part,
        };
        // Only objects with their properties spelled out are merged.
        if resolved.get("properties").is_none() {
            return;
        }
        for (k, v) in resolved["properties"].as_object().into_iter().flatten() {
            properties.insert(k.clone(), v.clone());
        }
        for r in resolved["required"].as_array().into_iter().flatten() {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
        closed |= resolved["additionalProperties"] == false;
    }
    let mut merged = Map::new();
    merged.insert("type".into(), "object".into());
    if let Some(d) = schema.get("description") {
        merged.insert("description".into(), d.clone());
    }
    merged.insert("required".into(), Value::Array(required));
    merged.insert("properties".into(), Value::Object(properties));
    if closed {
        merged.insert("additionalProperties".into(), false.into());
    }
    *schema = Value::Object(merged);
}

/// `HostCount`, from `HOST_COUNT` or `host-count`; `AwaitingApproval` stays.
fn pascal(s: &str) -> String {
    let mut out = String::new();
    let words: Vec<&str> = s.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let shout =
        s.chars().any(|c| c.is_ascii_uppercase()) && !s.chars().any(|c| c.is_ascii_lowercase());
    for w in words.iter().filter(|w| !w.is_empty()) {
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            out.push_str(&if shout {
                rest.to_ascii_lowercase()
            } else {
                rest
            });
        }
    }
    out
}

/// `AWAITING_APPROVAL` from `AwaitingApproval`, `awaiting-approval` or `AWAITING_APPROVAL`.
fn screaming_snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !out.ends_with('_') {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "VALUE_");
    }
    out
}

/// Titles inline union variants and nullable inline objects after where they sit, and names
/// enum members, through the whole schema.
fn name_inline_parts(schema: &mut Value, title: &str) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(values) = obj.get("enum").and_then(Value::as_array)
        && values.iter().all(Value::is_string)
        && values.len() > 1
    {
        let names: Vec<Value> = values
            .iter()
            .filter_map(Value::as_str)
            .map(|v| screaming_snake(v).into())
            .collect();
        obj.insert("x-enum-varnames".into(), Value::Array(names));
    }
    // `type: ["object", "null"]` with properties: a nullable inline object.
    let nullable_object = obj
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "object") && t.iter().any(|x| x == "null"));
    if nullable_object {
        let mut inner = obj.clone();
        inner.insert("type".into(), "object".into());
        inner.insert("title".into(), title.into());
        inner.remove("description");
        let description = obj.get("description").cloned();
        obj.clear();
        obj.insert(
            "oneOf".into(),
            json!([Value::Object(inner), {"type": "null"}]),
        );
        if let Some(d) = description {
            obj.insert("description".into(), d);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for v in variants.iter_mut() {
                if v.get("$ref").is_some() || v["type"] == "null" {
                    continue;
                }
                let variant = v
                    .pointer("/properties/type/enum/0")
                    .and_then(Value::as_str)
                    .map(pascal);
                if v.get("title").is_none() && v["type"] == "object" {
                    let t = match &variant {
                        Some(tag) => format!("{title}{tag}"),
                        None => title.to_string(),
                    };
                    if let Some(o) = v.as_object_mut() {
                        o.insert("title".into(), t.into());
                    }
                }
                let inner_title = v["title"].as_str().unwrap_or(title).to_string();
                name_inline_parts(v, &inner_title);
            }
        }
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, p) in props.iter_mut() {
            name_inline_parts(p, &format!("{title}{}", pascal(name)));
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = obj.get_mut(key)
            && inner.is_object()
        {
            name_inline_parts(inner, title);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_member_names_split_words() {
        assert_eq!(screaming_snake("AwaitingApproval"), "AWAITING_APPROVAL");
        assert_eq!(screaming_snake("HOST_COUNT"), "HOST_COUNT");
        assert_eq!(screaming_snake("zone-at-a-time"), "ZONE_AT_A_TIME");
        assert_eq!(screaming_snake("scale_out"), "SCALE_OUT");
        assert_eq!(screaming_snake("InService"), "IN_SERVICE");
        assert_eq!(pascal("HOST_COUNT"), "HostCount");
        assert_eq!(pascal("scale_out"), "ScaleOut");
    }

    #[test]
    fn flattened_parts_merge_into_one_satisfiable_object() {
        let schemas = json!({
            "Inner": {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}, "additionalProperties": false}
        });
        let mut outer = json!({"allOf": [
            {"$ref": "#/components/schemas/Inner"},
            {"type": "object", "required": ["seq"], "properties": {"seq": {"type": "integer"}}}
        ]});
        merge_all_of(&mut outer, schemas.as_object().unwrap_or(&Map::new()));
        assert_eq!(outer["required"], json!(["a", "seq"]));
        assert_eq!(outer["additionalProperties"], json!(false));
        assert!(outer["properties"]["a"].is_object() && outer["properties"]["seq"].is_object());
    }

    #[test]
    fn completing_twice_changes_nothing() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/v1/x/{id}": {"post": {
                "tags": ["x"],
                "parameters": [{"in": "path", "name": "id", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "array", "items": {"type": "integer", "format": "int32", "minimum": 0}}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "string"}}}}}
            }}},
            "components": {"schemas": {"S": {"type": "string", "enum": ["InService", "Lost"]}}}
        });
        complete(&mut doc);
        let once = doc.clone();
        complete(&mut doc);
        assert_eq!(doc, once);
        let op = &doc["paths"]["/v1/x/{id}"]["post"];
        assert_eq!(op["responses"]["200"]["description"], "OK");
        assert!(op["responses"]["404"].is_object() && op["responses"]["400"].is_object());
        assert_eq!(
            op["requestBody"]["content"]["application/gzip"]["schema"]["format"],
            "binary"
        );
        assert_eq!(
            doc["components"]["schemas"]["S"]["x-enum-varnames"],
            json!(["IN_SERVICE", "LOST"])
        );
        assert_eq!(doc["tags"][0]["name"], "x");
    }
}
