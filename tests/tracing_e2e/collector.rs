//! A loopback OpenTelemetry collector for tests: takes OTLP/HTTP protobuf exports on
//! `POST /v1/traces`, decodes each `ExportTraceServiceRequest` with the OTLP protobuf types,
//! and keeps every span with its service, ids and attributes; renders them as a tree.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use prost::Message;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One received span.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub service: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub start_unix_nano: u64,
    pub attributes: BTreeMap<String, String>,
}

impl ReceivedSpan {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

#[derive(Clone, Default)]
pub struct Collector {
    pub url: String,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

impl Collector {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let c = Self {
            url: format!("http://{}", listener.local_addr().unwrap()),
            spans: Arc::default(),
        };
        let spans = c.spans.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, spans.clone()));
            }
        });
        c
    }

    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }

    /// The spans of one trace as an indented tree (children in start order), one span a line:
    /// `name [service] key=value ...` with the attributes in `show`.
    pub fn tree(&self, trace_id: &str, show: &[&str]) -> String {
        let spans: Vec<ReceivedSpan> = self
            .spans()
            .into_iter()
            .filter(|s| s.trace_id == trace_id)
            .collect();
        let ids: std::collections::HashSet<&str> =
            spans.iter().map(|s| s.span_id.as_str()).collect();
        let mut children: HashMap<&str, Vec<&ReceivedSpan>> = HashMap::new();
        for s in &spans {
            // A parent that was not exported (or not yet) makes its child a root here.
            let parent = if ids.contains(s.parent_span_id.as_str()) {
                s.parent_span_id.as_str()
            } else {
                ""
            };
            children.entry(parent).or_default().push(s);
        }
        for list in children.values_mut() {
            list.sort_by_key(|s| s.start_unix_nano);
        }
        let mut out = String::new();
        render(&children, "", 0, show, &mut out);
        out
    }
}

fn render(
    children: &HashMap<&str, Vec<&ReceivedSpan>>,
    parent: &str,
    depth: usize,
    show: &[&str],
    out: &mut String,
) {
    for s in children.get(parent).into_iter().flatten() {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&format!("{} [{}]", s.name, s.service));
        for key in show {
            if let Some(v) = s.attr(key) {
                out.push_str(&format!(" {key}={v}"));
            }
        }
        out.push('\n');
        render(children, &s.span_id, depth + 1, show, out);
    }
}

async fn serve(stream: tokio::net::TcpStream, spans: Arc<Mutex<Vec<ReceivedSpan>>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        if request_line.starts_with("POST /v1/traces")
            && let Ok(req) = ExportTraceServiceRequest::decode(body.as_slice())
        {
            let mut received = spans.lock().unwrap();
            for rs in req.resource_spans {
                let service = rs
                    .resource
                    .iter()
                    .flat_map(|r| r.attributes.iter())
                    .find(|kv| kv.key == "service.name")
                    .and_then(|kv| kv.value.as_ref())
                    .map(text)
                    .unwrap_or_default();
                for span in rs.scope_spans.into_iter().flat_map(|s| s.spans) {
                    received.push(ReceivedSpan {
                        service: service.clone(),
                        name: span.name,
                        trace_id: hex::encode(&span.trace_id),
                        span_id: hex::encode(&span.span_id),
                        parent_span_id: hex::encode(&span.parent_span_id),
                        start_unix_nano: span.start_time_unix_nano,
                        attributes: span
                            .attributes
                            .iter()
                            .filter_map(|kv| Some((kv.key.clone(), text(kv.value.as_ref()?))))
                            .collect(),
                    });
                }
            }
        }
        let ok =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if reader.get_mut().write_all(ok).await.is_err() {
            return;
        }
    }
}

fn text(v: &AnyValue) -> String {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}
