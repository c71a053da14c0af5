//! The contracts in openapi/ are generated from the code; this fails when they drift.
//! Regenerate with: cargo run -p liftoff -- openapi --out openapi

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn committed_openapi_documents_match_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi");
    let mut drift = Vec::new();
    for name in liftoff_platform::DOCUMENTS {
        let doc = liftoff_platform::document(name).expect("the document builds");
        let generated = format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("serialize")
        );
        let path = dir.join(format!("{name}.json"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            drift.push(path.display().to_string());
        }
    }
    assert!(
        drift.is_empty(),
        "OpenAPI drift in {drift:?}; regenerate with: cargo run -p liftoff -- openapi --out openapi"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    for name in liftoff_platform::DOCUMENTS {
        let doc = liftoff_platform::document(name).expect("the document builds");
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let responses = op["responses"].as_object().expect("responses");
                assert!(
                    responses.keys().any(|k| k.starts_with('4')),
                    "{name} {method} {path} documents no 4xx"
                );
                // Every operation states its security; the one public route states it is public.
                let security = op["security"].as_array().expect("security stated");
                let public = path == "/v1/hosts/enroll";
                assert_eq!(
                    security
                        .iter()
                        .all(|s| s.as_object().is_some_and(|o| o.is_empty())),
                    public,
                    "{name} {method} {path} security"
                );
            }
        }
    }
}

/// `liftoff up` publishes the merged document (what clients/python is generated from) at
/// `/openapi.json`, exactly as committed in openapi/liftoff.json.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_the_merged_document_at_openapi_json() {
    let p = liftoff_testkit::TestPlatform::start().await.unwrap();
    let served: serde_json::Value = reqwest::get(format!("{}/openapi.json", p.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/liftoff.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        served, committed,
        "/openapi.json differs from openapi/liftoff.json"
    );
    // One namespace for a generated client: every operation id once.
    let mut ids = Vec::new();
    for item in served["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.push(op["operationId"].as_str().unwrap().to_string());
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operationIds");
    p.stop().await;
}
