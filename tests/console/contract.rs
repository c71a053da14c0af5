//! The console's script against the OpenAPI document: every call it makes, read from its
//! source, must be a documented path, method and query parameter.

use liftoff_testkit::TestPlatform;
use serde_json::Value;
/// One call the console's script makes: method, path with `{}` for each interpolated
/// segment, and the query parameter names it sends.
#[derive(Debug)]
struct ConsoleCall {
    method: String,
    path: String,
    query: Vec<String>,
}

/// Every `/v1/...` call in the console's script, read from its source: template literals and
/// string literals that start with `/v1/`, the method from a `method: "..."` right after, the
/// query names from `query({ ... })` (spreads skipped) or a literal `?name=`. A `${path}`
/// segment is each action the script passes to `act("...")`.
fn console_calls(js: &str) -> Vec<ConsoleCall> {
    let actions: Vec<String> = js
        .match_indices("act(\"")
        .map(|(i, m)| {
            let rest = &js[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    let mut out = Vec::new();
    for quote in ['`', '"'] {
        let start = format!("{quote}/v1/");
        for (i, _) in js.match_indices(&start) {
            let body_start = i + 1;
            // The literal ends at the matching quote, skipping `${...}` (which may hold quotes).
            let (mut depth, mut end) = (0usize, body_start);
            let bytes = js.as_bytes();
            while end < bytes.len() {
                let c = bytes[end] as char;
                if quote == '`' && c == '$' && bytes.get(end + 1) == Some(&b'{') {
                    depth += 1;
                    end += 2;
                    continue;
                }
                if depth > 0 && c == '{' {
                    depth += 1;
                } else if depth > 0 && c == '}' {
                    depth -= 1;
                } else if depth == 0 && c == quote {
                    break;
                }
                end += 1;
            }
            let lit = &js[body_start..end];
            let after = &js[end..(end + 80).min(js.len())];
            let method = after
                .split_once("method: \"")
                .filter(|(before, _)| !before.contains(')'))
                .map(|(_, m)| m[..m.find('"').unwrap()].to_string())
                .unwrap_or_else(|| "GET".to_string());
            // The path ends where `${query(` or `?` begins.
            let (path_part, query_part) = match (lit.find("${query("), lit.find('?')) {
                (Some(q), _) => (&lit[..q], &lit[q..]),
                (None, Some(q)) => (&lit[..q], &lit[q..]),
                (None, None) => (lit, ""),
            };
            let mut query = Vec::new();
            if let Some(inner) = query_part.strip_prefix("${query({") {
                let inner = &inner[..inner.rfind("})").unwrap()];
                let mut depth = 0i32;
                let mut item = String::new();
                for c in inner.chars().chain([',']) {
                    match c {
                        '(' | '{' | '[' => depth += 1,
                        ')' | '}' | ']' => depth -= 1,
                        ',' if depth == 0 => {
                            let name = item.trim().split(':').next().unwrap().trim().to_string();
                            if !name.is_empty() && !name.starts_with("...") {
                                query.push(name);
                            }
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
            } else if let Some(q) = query_part.strip_prefix('?') {
                query.extend(
                    q.split('&')
                        .map(|kv| kv.split('=').next().unwrap().to_string()),
                );
            }
            // Each `${...}` segment is a parameter.
            let mut path = String::new();
            let mut rest = path_part;
            while let Some(s) = rest.find("${") {
                path.push_str(&rest[..s]);
                path.push_str("{}");
                let close = rest[s..].find('}').unwrap();
                // `encodeURIComponent(x)` holds no `}`; nested braces do not occur in paths.
                rest = &rest[s + close + 1..];
            }
            path.push_str(rest);
            if path.ends_with("/{}") && lit.contains("${path}") {
                for a in &actions {
                    out.push(ConsoleCall {
                        method: method.clone(),
                        path: format!("{}/{a}", &path[..path.len() - 3]),
                        query: query.clone(),
                    });
                }
            } else {
                out.push(ConsoleCall {
                    method,
                    path,
                    query,
                });
            }
        }
    }
    out
}

/// The console calls only what the OpenAPI documents promise: every path, method and query
/// parameter its script sends is in `liftoff up`'s document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_of_the_console_is_in_the_openapi_document() {
    let p = TestPlatform::start().await.expect("platform");
    let http = p.http();
    let js = http
        .get(format!("{}/console/console.js", p.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc: Value = http
        .get(format!("{}/openapi.json", p.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calls = console_calls(&js);
    assert!(
        calls.len() >= 20,
        "the script's calls were not found: {calls:#?}"
    );
    // The reader finds what is there: a control's action, a paged list's cursor, a literal
    // query, and the stream.
    let has = |method: &str, path: &str, q: &str| {
        calls.iter().any(|c| {
            c.method == method && c.path == path && (q.is_empty() || c.query.iter().any(|x| x == q))
        })
    };
    assert!(
        has("POST", "/v1/deployments/{}/retry-failed-hosts", ""),
        "{calls:#?}"
    );
    assert!(has("POST", "/v1/deployments/{}/pause", ""), "{calls:#?}");
    assert!(has("GET", "/v1/hosts", "cursor"), "{calls:#?}");
    assert!(
        has("GET", "/v1/applications/{}/revisions", "limit"),
        "{calls:#?}"
    );
    assert!(
        has("GET", "/v1/deployments/{}/stream", "events"),
        "{calls:#?}"
    );
    assert!(has("GET", "/v1/whoami", ""), "{calls:#?}");
    let paths = doc["paths"].as_object().unwrap();
    let matches = |template: &str, path: &str| {
        let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter().zip(&p).all(|(t, p)| {
                if *p == "{}" {
                    t.starts_with('{')
                } else {
                    t == p
                }
            })
    };
    let mut missing = Vec::new();
    for call in &calls {
        let Some((_, item)) = paths.iter().find(|(t, _)| matches(t, &call.path)) else {
            missing.push(format!("{} {}: no such path", call.method, call.path));
            continue;
        };
        let Some(op) = item.get(call.method.to_lowercase()) else {
            missing.push(format!("{} {}: no such method", call.method, call.path));
            continue;
        };
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        for q in &call.query {
            if !params.contains(&q.as_str()) {
                missing.push(format!(
                    "{} {}: no query parameter {q}",
                    call.method, call.path
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the console calls what the API does not document:\n{}",
        missing.join("\n")
    );
    p.stop().await;
}
