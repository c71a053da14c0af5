//! W3C trace context (`traceparent`) carried where no HTTP header can carry it: in a database
//! row between an API request and the background step that continues it, and in a command
//! between the scheduler and the agent that runs it, so one deployment is one trace.
//!
//! The header itself is written and read by OpenTelemetry's `TraceContextPropagator`, never by
//! hand. Without an OTLP exporter (no `OTEL_EXPORTER_OTLP_ENDPOINT`) no span has a trace
//! context: [`traceparent`] answers `None` after one lookup, and [`continue_from`] leaves the
//! span as it is, so propagation costs a short optional string and nothing else.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The span exporter of a process, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: OTLP/HTTP
/// protobuf, batched (`OTEL_BSP_SCHEDULE_DELAY` and the other standard variables apply), with
/// W3C trace context as the global propagator, which the HTTP clients and servers use for the
/// `traceparent` header. Shut the provider down at exit to flush what is left.
pub fn otlp_provider(service: &str) -> Option<opentelemetry_sdk::trace::SdkTracerProvider> {
    std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok()?;
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("OTLP exporter disabled: {e}");
            return None;
        }
    };
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service.to_string())
        .build();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Some(provider)
}

/// The header (and hook environment variable, upper-cased) that carries the trace context.
pub const TRACEPARENT: &str = "traceparent";

/// The span's trace context as a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), or
/// `None` when the span is not exported (no OTLP exporter, or the span is disabled).
pub fn traceparent(span: &Span) -> Option<String> {
    if span.is_disabled() {
        return None;
    }
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return None;
    }
    let mut carrier: HashMap<String, String> = HashMap::with_capacity(1);
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// The current span's `traceparent` (see [`traceparent`]).
pub fn current() -> Option<String> {
    traceparent(&Span::current())
}

/// Makes `span` (just created, not yet entered) a child of the span `parent` names, so it
/// joins that trace. A missing or malformed `parent` leaves the span where it was.
pub fn continue_from(span: &Span, parent: Option<&str>) {
    let Some(parent) = parent else {
        return;
    };
    if span.is_disabled() {
        return;
    }
    let carrier = HashMap::from([(TRACEPARENT.to_string(), parent.to_string())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    if cx.span().span_context().is_valid() {
        // Fails only when no OpenTelemetry layer is installed: then nothing is exported anyway.
        let _ = span.set_parent(cx);
    }
}

/// The trace id (32 hex digits) of a `traceparent`, for log lines.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.split('-');
    let (_version, id) = (parts.next()?, parts.next()?);
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// What a hook gets as `TRACEPARENT`: its script span's context when spans are exported,
/// else the context the command arrived with (the scheduler's dispatch span), so a team's
/// script joins the deployment's trace whether or not this host exports its own spans.
pub fn for_child_process(span: &Span, inherited: Option<&str>) -> Option<String> {
    traceparent(span).or_else(|| inherited.map(str::to_string))
}

/// What a hook gets as `TRACEPARENT` when no trace is recorded anywhere (no exporter on the
/// control plane or the host): the deployment's id as the trace id, so every hook of one
/// deployment still shares one, a fresh span id, and the `sampled` flag off (W3C: the caller
/// did not record its span), so a tracer downstream knows there is nothing above it.
pub fn unrecorded(deployment_id: uuid::Uuid) -> String {
    let span = uuid::Uuid::new_v4().as_u64_pair().1.max(1);
    format!("00-{}-{span:016x}-00", deployment_id.simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_exporter_spans_have_no_context_and_the_inherited_one_passes_through() {
        let span = tracing::info_span!("script");
        assert_eq!(traceparent(&span), None);
        let inherited = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        continue_from(&span, Some(inherited));
        assert_eq!(
            for_child_process(&span, Some(inherited)).as_deref(),
            Some(inherited)
        );
        assert_eq!(
            trace_id(inherited),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(trace_id("garbage"), None);
    }

    #[test]
    fn an_unrecorded_context_is_w3c_with_the_deployment_as_trace_and_not_sampled() {
        let deployment = uuid::Uuid::now_v7();
        let tp = unrecorded(deployment);
        let parts: Vec<&str> = tp.split('-').collect();
        assert_eq!(parts.len(), 4, "{tp}");
        assert_eq!(parts[0], "00");
        assert_eq!(parts[1], deployment.simple().to_string());
        assert!(
            parts[2].len() == 16 && parts[2] != "0000000000000000",
            "{tp}"
        );
        assert_eq!(parts[3], "00");
        // The propagator reads it back as a valid (remote, unsampled) context.
        let carrier = HashMap::from([(TRACEPARENT.to_string(), tp.clone())]);
        let cx = TraceContextPropagator::new().extract(&carrier);
        assert!(cx.span().span_context().is_valid());
        assert!(!cx.span().span_context().is_sampled());
    }
}
