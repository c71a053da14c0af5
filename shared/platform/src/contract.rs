//! The one OpenAPI document of a process that serves several services on one URL (`liftoff up`
//! serves all four): their paths side by side, their schemas shared by name. It is published
//! at `/openapi.json` and committed as `openapi/liftoff.json`, which the Python client is
//! generated from; each service keeps its own document for services run apart.

use serde_json::{Map, Value, json};

/// Merges the documents of `names` (services of [`crate::SERVICES`]). Two services may use a
/// schema of the same name only if they describe it identically, and an operation id may be
/// used once: a generated client has one namespace for both.
pub fn merged_openapi(names: &[&str]) -> anyhow::Result<Value> {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let mut schemes = Map::new();
    let mut tags: Vec<Value> = Vec::new();
    let mut operation_ids: Vec<(String, String)> = Vec::new();
    for name in names {
        let doc = crate::openapi(name).ok_or_else(|| anyhow::anyhow!("unknown service {name}"))?;
        let doc = liftoff_kit::contract::finished(&doc);
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
                if let Some(id) = op["operationId"].as_str() {
                    if let Some((_, other)) = operation_ids.iter().find(|(i, _)| i == id) {
                        anyhow::bail!("operationId {id} is used by {other} and by {name}");
                    }
                    operation_ids.push((id.to_string(), name.to_string()));
                }
            }
            if paths.insert(path.clone(), item.clone()).is_some() {
                anyhow::bail!("path {path} is served by two services");
            }
        }
        for (key, target) in [
            ("/components/schemas", &mut schemas),
            ("/components/securitySchemes", &mut schemes),
        ] {
            for (schema, body) in doc
                .pointer(key)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                match target.get(schema) {
                    Some(existing) if existing != body => {
                        anyhow::bail!("{name} describes {schema} differently from another service")
                    }
                    _ => {
                        target.insert(schema.clone(), body.clone());
                    }
                }
            }
        }
        for tag in doc["tags"].as_array().into_iter().flatten() {
            if !tags.iter().any(|t| t["name"] == tag["name"]) {
                tags.push(tag.clone());
            }
        }
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Liftoff",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "The whole control plane on one URL, as `liftoff up` serves it: {}. Each service's own document is at `/openapi/<service>.json`.",
                names.join(", ")
            ),
        },
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": schemes},
        "tags": tags,
    });
    liftoff_kit::contract::complete(&mut doc);
    Ok(doc)
}
