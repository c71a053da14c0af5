//! The root span of every request, with the fields and OpenTelemetry conventions of
//! tracing-actix-web's default builder, except that the route pattern (`http.route`, and the
//! span's name `METHOD /route`) is recorded when the request ends, from the route the router
//! matched. The default builder asks for it before routing, a scan of every route's pattern
//! (about 4 % of the control plane's CPU in `liftoff bench throughput`); after routing it is a
//! lookup. Log lines written during a request carry the path (`http.target`) instead.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Version;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Builds the root span of each request (`TracingLogger::<RequestSpan>::new()`).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let method = req.method().as_str();
        let user_agent = req
            .headers()
            .get("User-Agent")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let request_id = req.extensions().get::<RequestId>().copied();
        let info = req.connection_info();
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = Empty,
            http.flavor = flavor(req.version()),
            http.scheme = %info.scheme(),
            http.host = %info.host(),
            http.client_ip = %info.realip_remote_addr().unwrap_or(""),
            http.user_agent = %user_agent,
            http.target = %req.uri().path_and_query().map(|p| p.as_str()).unwrap_or(""),
            http.status_code = Empty,
            otel.name = %method,
            otel.kind = "server",
            otel.status_code = Empty,
            trace_id = Empty,
            request_id = request_id.map(tracing::field::display),
            exception.message = Empty,
            exception.details = Empty,
        );
        drop(info);
        let parent = req
            .headers()
            .get(liftoff_client::trace::TRACEPARENT)
            .and_then(|v| v.to_str().ok());
        liftoff_client::trace::continue_from(&span, parent);
        if let Some(tp) = liftoff_client::trace::traceparent(&span)
            && let Some(id) = liftoff_client::trace::trace_id(&tp)
        {
            span.record("trace_id", id);
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(res) = outcome {
            // After routing: the matched resource's pattern, not a scan.
            let route = res.request().match_pattern();
            let route = route.as_deref().unwrap_or("default");
            span.record("http.route", route);
            span.record("otel.name", format!("{} {route}", res.request().method()));
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

fn flavor(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2.0",
        Version::HTTP_3 => "3.0",
        _ => "unknown",
    }
}
