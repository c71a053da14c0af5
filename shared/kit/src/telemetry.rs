//! Logs and traces (tracing, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set)
//! and the process-wide Prometheus recorder.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Flushes exported spans on drop.
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown();
        }
    }
}

/// Installs the global subscriber once; later calls are no-ops. Logs go to stderr
/// (`RUST_LOG` filters; `LIFTOFF_LOG_FORMAT=json` for JSON lines).
pub fn init(service: &str, default_filter: &str) -> Telemetry {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("LIFTOFF_LOG_FORMAT").is_ok_and(|v| v == "json");
    let fmt_layer = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .boxed()
    };
    let provider = liftoff_client::trace::otlp_provider(service);
    let otel_layer = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("liftoff")));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init();
    Telemetry { provider }
}

use tracing_subscriber::Layer as _;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Bucket bounds of every `*_seconds` histogram: from a fast API call (5 ms) to a long
/// deployment (an hour), so one set aggregates across replicas and routes.
pub const SECONDS_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0,
    1800.0, 3600.0,
];

/// Bucket bounds of host-count histograms (`liftoff_deployments_target_hosts`).
pub const HOST_COUNT_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
];

/// The process-wide Prometheus recorder (installed on first use, with its upkeep thread).
/// Durations are histograms (`_bucket`, `_sum`, `_count`), never summaries, so they add up
/// across replicas.
pub fn metrics_handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("liftoff_deployments_target_hosts".into()),
                    HOST_COUNT_BUCKETS,
                )
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("liftoff_completions_per_commit".into()),
                    HOST_COUNT_BUCKETS,
                )
            });
        let recorder = match builder {
            Ok(b) => b.build_recorder(),
            Err(e) => {
                eprintln!("histogram buckets rejected ({e}); durations fall back to summaries");
                PrometheusBuilder::new().build_recorder()
            }
        };
        let handle = recorder.handle();
        // A second recorder (another library) keeps ours private; rendering still works.
        let _ = metrics::set_global_recorder(recorder);
        metrics::gauge!("liftoff_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
        handle
    })
}

/// Gauges a service computes from its own tables (hosts by state, deployments by status):
/// refreshed from the background tick at most once per `every`, so the query's cost does not
/// grow with the tick rate, and a label set that disappears is set to 0 instead of keeping its
/// last value.
pub struct GaugeRefresh {
    every: Duration,
    last: Mutex<Option<Instant>>,
    seen: Mutex<BTreeSet<GaugeKey>>,
}

/// A gauge's name and label pairs.
type GaugeKey = (String, Vec<(String, String)>);

impl Default for GaugeRefresh {
    fn default() -> Self {
        Self::every(Duration::from_secs(5))
    }
}

impl GaugeRefresh {
    pub fn every(every: Duration) -> Self {
        Self {
            every,
            last: Mutex::new(None),
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// True (and the clock restarted) when a refresh is due.
    pub fn due(&self) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        if last.is_some_and(|t| t.elapsed() < self.every) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    /// Sets gauge `name` for each label set in `values`, and 0 for label sets this refresher set
    /// before that are gone now.
    pub fn set(&self, name: &'static str, values: Vec<(Vec<(String, String)>, f64)>) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let now: BTreeSet<GaugeKey> = values
            .iter()
            .map(|(labels, _)| (name.to_string(), labels.clone()))
            .collect();
        for (_, labels) in seen.iter().filter(|k| k.0 == name && !now.contains(k)) {
            metrics::gauge!(name, labels_of(labels)).set(0.0);
        }
        for (labels, value) in values {
            metrics::gauge!(name, labels_of(&labels)).set(value);
        }
        seen.retain(|k| k.0 != name);
        seen.extend(now);
    }
}

fn labels_of(labels: &[(String, String)]) -> Vec<metrics::Label> {
    labels
        .iter()
        .map(|(k, v)| metrics::Label::new(k.clone(), v.clone()))
        .collect()
}

/// A background tick step that took at least this long is logged at `warn`: the steps after it
/// (a host-registry's liveness sweep among them) waited that long.
pub const SLOW_TICK_STEP: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs one step of `service`'s background tick, recording how long it took as
/// `liftoff_tick_step_duration_seconds{service,step}`, and warning when it took longer than
/// [`SLOW_TICK_STEP`].
pub async fn tick_step<T>(
    service: &'static str,
    step: &'static str,
    f: impl Future<Output = T>,
) -> T {
    let start = std::time::Instant::now();
    let out = f.await;
    let took = start.elapsed();
    metrics::histogram!("liftoff_tick_step_duration_seconds", "service" => service, "step" => step)
        .record(took.as_secs_f64());
    if took >= SLOW_TICK_STEP {
        tracing::warn!(
            service,
            step,
            seconds = took.as_secs_f64(),
            "a background tick step was slow; the steps after it waited"
        );
    }
    out
}
