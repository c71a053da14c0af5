//! The Grafana dashboard's panels drawn as one SVG from a real Prometheus's data: rows as
//! headings, time series as lines, stats as their last values, tables as label/value lines,
//! laid out on the dashboard's own 24-column grid. `docs/dashboard.svg` is this picture, from
//! the observability end-to-end test's Prometheus (regenerate it with
//! `LIFTOFF_DASHBOARD_SVG=$PWD/docs/dashboard.svg cargo test -p liftoff --test observability
//! prometheus_answers`, see `docs/observability.md`).

use serde_json::Value;

const COL: f64 = 50.0;
const ROW: f64 = 30.0;
const TOP: f64 = 40.0;
const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

/// One series of a range query: its legend and its (time, value) points.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// `legend` with each `{{label}}` replaced by the series' label value; without a legend, the
/// labels as `k=v`.
fn legend(format: Option<&str>, metric: &serde_json::Map<String, Value>) -> String {
    match format {
        Some(f) if !f.is_empty() => {
            let mut out = f.to_string();
            for (k, v) in metric {
                out = out.replace(&format!("{{{{{k}}}}}"), v.as_str().unwrap_or(""));
            }
            // A label the series lacks shows as nothing, as in Grafana.
            while let (Some(a), Some(b)) = (out.find("{{"), out.find("}}")) {
                if b < a {
                    break;
                }
                out.replace_range(a..b + 2, "");
            }
            out.trim().to_string()
        }
        _ => metric
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `expr` over `[start, end]` (Unix seconds) at `step` seconds.
pub async fn query_range(
    http: &reqwest::Client,
    url: &str,
    expr: &str,
    legend_format: Option<&str>,
    (start, end, step): (f64, f64, f64),
) -> Vec<Series> {
    let res: Value = http
        .get(format!("{url}/api/v1/query_range"))
        .query(&[
            ("query", expr.to_string()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step.to_string()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["status"], "success", "{expr}: {res}");
    res["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| Series {
            label: legend(legend_format, r["metric"].as_object().unwrap()),
            points: r["values"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| {
                    let v: f64 = p[1].as_str()?.parse().ok()?;
                    v.is_finite().then(|| (p[0].as_f64().unwrap_or(0.0), v))
                })
                .collect(),
        })
        .collect()
}

/// The dashboard drawn from the data at `url` over `window`; also the titles of panels that had
/// no data.
pub async fn dashboard(
    http: &reqwest::Client,
    url: &str,
    doc: &Value,
    window: (f64, f64, f64),
) -> (String, Vec<String>) {
    let panels = doc["panels"].as_array().unwrap();
    let bottom = panels
        .iter()
        .map(|p| p["gridPos"]["y"].as_f64().unwrap() + p["gridPos"]["h"].as_f64().unwrap())
        .fold(0.0, f64::max);
    let (width, height) = (24.0 * COL, TOP + bottom * ROW + 10.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"8\" y=\"24\" font-size=\"18\" font-weight=\"bold\">{}</text>\n",
        escape(doc["title"].as_str().unwrap_or("Liftoff"))
    );
    let mut empty = Vec::new();
    for p in panels {
        let g = &p["gridPos"];
        let (x, y) = (
            g["x"].as_f64().unwrap() * COL + 4.0,
            TOP + g["y"].as_f64().unwrap() * ROW + 4.0,
        );
        let (w, h) = (
            g["w"].as_f64().unwrap() * COL - 8.0,
            g["h"].as_f64().unwrap() * ROW - 8.0,
        );
        let title = p["title"].as_str().unwrap_or("");
        if p["type"] == "row" {
            svg.push_str(&format!(
                "<text x=\"{x}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                y + 16.0,
                escape(title)
            ));
            continue;
        }
        let mut series = Vec::new();
        for t in p["targets"].as_array().unwrap() {
            series.extend(
                query_range(
                    http,
                    url,
                    t["expr"].as_str().unwrap(),
                    t["legendFormat"].as_str(),
                    window,
                )
                .await,
            );
        }
        svg.push_str(&format!(
            "<g><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#fafafa\" \
             stroke=\"#cccccc\"/>\n<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n",
            x + 6.0,
            y + 15.0,
            escape(title)
        ));
        if series.is_empty() {
            empty.push(title.to_string());
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"#999999\">no data</text></g>\n",
                x + 6.0,
                y + 35.0
            ));
            continue;
        }
        series.retain(|s| !s.points.is_empty());
        if series.is_empty() {
            // Series exist but hold only NaN: a quantile of a rate with no increase in the
            // window (what Grafana shows as no value).
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"#999999\">NaN: nothing observed in the window</text></g>\n",
                x + 6.0,
                y + 35.0
            ));
            continue;
        }
        match p["type"].as_str() {
            Some("timeseries") => plot(&mut svg, &series, (x, y + 22.0, w, h - 22.0)),
            _ => values(
                &mut svg,
                &series,
                (x, y + 22.0, w, h - 22.0),
                p["type"] == "stat",
            ),
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    (svg, empty)
}

/// Lines, with the value range on the left and a legend of the first series at the bottom.
fn plot(svg: &mut String, series: &[Series], (x, y, w, h): (f64, f64, f64, f64)) {
    let legend_rows = series.len().min(3) as f64;
    let (px, py, pw, ph) = (x + 44.0, y + 4.0, w - 52.0, h - 12.0 - legend_rows * 13.0);
    let all = series.iter().flat_map(|s| s.points.iter());
    let (t0, t1) = all.clone().fold((f64::MAX, f64::MIN), |(a, b), (t, _)| {
        (a.min(*t), b.max(*t))
    });
    let (lo, hi) = all.fold((0.0f64, f64::MIN), |(a, b), (_, v)| (a.min(*v), b.max(*v)));
    let hi = if hi <= lo { lo + 1.0 } else { hi };
    let span = (t1 - t0).max(1.0);
    svg.push_str(&format!(
        "<line x1=\"{px}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999999\"/>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#666666\">{}</text>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#666666\">{}</text>\n",
        py + ph,
        px + pw,
        py + ph,
        px - 4.0,
        py + 8.0,
        fmt(hi),
        px - 4.0,
        py + ph,
        fmt(lo)
    ));
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points: Vec<String> = s
            .points
            .iter()
            .map(|(t, v)| {
                format!(
                    "{:.1},{:.1}",
                    px + (t - t0) / span * pw,
                    py + ph - (v - lo) / (hi - lo) * ph
                )
            })
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{}\"/>\n",
            points.join(" ")
        ));
        if i < 3 {
            let more = if i == 2 && series.len() > 3 {
                format!(" (+{} more)", series.len() - 3)
            } else {
                String::new()
            };
            svg.push_str(&format!(
                "<text x=\"{px}\" y=\"{}\" fill=\"{color}\">{}{more}</text>\n",
                py + ph + 14.0 + i as f64 * 13.0,
                escape(&s.label)
            ));
        }
    }
}

/// Each series' last value: large for a stat, as label/value lines for a table.
fn values(svg: &mut String, series: &[Series], (x, y, w, h): (f64, f64, f64, f64), big: bool) {
    let line = if big { 22.0 } else { 13.0 };
    let fits = ((h - 6.0) / line).floor().max(1.0) as usize;
    for (i, s) in series.iter().take(fits).enumerate() {
        let last = s.points.last().map_or(0.0, |p| p.1);
        let ty = y + 4.0 + line * (i as f64 + 1.0);
        if big {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{ty}\"><tspan font-size=\"18\" font-weight=\"bold\" \
                 fill=\"{}\">{}</tspan> {}</text>\n",
                x + 8.0,
                COLORS[i % COLORS.len()],
                fmt(last),
                escape(&s.label)
            ));
        } else {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{ty}\">{}</text>\
                 <text x=\"{}\" y=\"{ty}\" text-anchor=\"end\">{}</text>\n",
                x + 8.0,
                escape(&s.label),
                x + w - 8.0,
                fmt(last)
            ));
        }
    }
}
