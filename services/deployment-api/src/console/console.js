// The Liftoff console: a client of the public API (/v1/...) like the CLI, with the team token
// the person signs in with. Plain DOM, no framework, no build step: the page is small, and
// what it shows is the API's own JSON. Every text from the API goes in as text (never as HTML).
//
// Pages are addressed by the fragment (#/deployments/<id>), so the server serves one page.
// The token lives in sessionStorage only: it is gone when the tab closes.

const TOKEN_KEY = "liftoff.token";
const PAGE = 50;
const HOSTS_PER_DRAW = 200;
const main = document.getElementById("main");
const notice = document.getElementById("notice");

let me = null; // GET /v1/whoami
let leave = []; // what to stop when the page changes (streams, timers)
let expiryTimer = null;

// ---------- DOM ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function show(title, ...content) {
  main.replaceChildren(h("h1", {}, title), ...content);
  document.title = `${title} · Liftoff`;
}

// Runs `draw`, which replaces elements, and gives the keyboard focus back to the element
// that stands where the focused one stood (same control, zone or host): live updates must not
// throw a keyboard user back to the top of the page.
function keepFocus(draw) {
  const a = document.activeElement;
  const key = a && ["control", "zone", "host"].map((k) => [k, a.dataset && a.dataset[k]]).find(([, v]) => v);
  draw();
  if (!key) return;
  const again = document.querySelector(`[data-${key[0]}="${CSS.escape(key[1])}"]`);
  if (again && again !== document.activeElement) again.focus();
}

function say(text) {
  notice.textContent = text || "";
}

const when = (t) => (t ? new Date(t).toLocaleString() : "—");
// Ids are UUIDv7: the first digits are a timestamp, shared by ids made together; the last
// ones tell them apart.
const short = (id) => (id ? String(id).slice(-12) : "—");

function secs(a, b) {
  if (!a || !b) return "—";
  const s = (new Date(b) - new Date(a)) / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// The five states the grid shows, each with a word and an icon (never colour alone).
const STATES = {
  pending: { label: "Pending", icon: "○" },
  in_progress: { label: "In progress", icon: "◐" },
  succeeded: { label: "Succeeded", icon: "✓" },
  failed: { label: "Failed", icon: "✗" },
  skipped: { label: "Skipped", icon: "–" },
};

function hostState(status) {
  switch (status) {
    case "Pending":
    case "Dispatched":
      return "pending";
    case "InProgress":
      return "in_progress";
    case "Succeeded":
      return "succeeded";
    case "Failed":
      return "failed";
    default:
      return "skipped";
  }
}

function badge(kind, text) {
  const s = STATES[kind] || { icon: "•", label: kind };
  return h("span", { class: `state s-${kind}` }, `${s.icon} ${text || s.label}`);
}

// Why a deployment waits (`waiting_for`): queued for a window, or paused between batches.
const WAITING_FOR = {
  outside_window: "outside its deployment window (no new host starts until one opens)",
  frozen: "a freeze is in force (no new host starts until it ends or is lifted)",
};

function deploymentBadge(status) {
  const kind = {
    Succeeded: "succeeded",
    Failed: "failed",
    Stopped: "skipped",
    InProgress: "in_progress",
    Paused: "pending",
    AwaitingApproval: "pending",
  }[status] || "pending";
  return badge(kind, status);
}

// ---------- API ----------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${token()}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) {
    signOut("Your token was refused (expired, revoked or invalid). Sign in again.");
    throw new ApiError(401, "unauthorized", "signed out");
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json && json.error) || {};
    throw new ApiError(res.status, e.code || String(res.status), e.message || res.statusText);
  }
  return json;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => x && q.append(k, x));
    else if (v !== undefined && v !== null && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

const ROLES = ["viewer", "deployer", "admin"];
const may = (role) => me && ROLES.indexOf(me.role) >= ROLES.indexOf(role);

// A control: a labelled button that asks before it acts, then reports what happened.
function control(label, question, act, { danger = false } = {}) {
  return h(
    "button",
    {
      type: "button",
      class: danger ? "danger" : "",
      "data-control": label.toLowerCase().replace(/\s+/g, "-"),
      onclick: async () => {
        if (!window.confirm(question)) return;
        try {
          // An action may say what happened itself.
          const told = await act();
          say(typeof told === "string" ? told : `${label}: done.`);
        } catch (e) {
          if (e.status !== 401) say(`${label} failed: ${e.message}`);
        }
      },
    },
    label,
  );
}

function failure(e) {
  if (e.status === 401) return;
  if (e.status === 404) show("Not found", h("p", { class: "error", id: "not-found" }, "Not found: there is no such object in your team."));
  else show("Error", h("p", { class: "error" }, `${e.status} ${e.code}: ${e.message}`));
}

// ---------- sign in ----------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  clearTimeout(expiryTimer);
  document.getElementById("nav").hidden = true;
  document.getElementById("signout").hidden = true;
  document.getElementById("who").textContent = "";
  if (location.hash !== "#/signin") location.hash = "#/signin";
  else route();
  say(message || "");
}

async function loadMe() {
  me = await api("/v1/whoami");
  document.getElementById("who").textContent = `${me.subject} · team ${me.team} · ${me.role}`;
  document.getElementById("nav").hidden = false;
  document.getElementById("signout").hidden = false;
  clearTimeout(expiryTimer);
  const left = new Date(me.expires_at) - Date.now();
  // Timers longer than ~24.8 days overflow; a later request's 401 covers those.
  if (left < 2 ** 31 - 1) expiryTimer = setTimeout(() => signOut("Your token expired. Sign in again."), Math.max(left, 0));
}

function signInPage() {
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "token-help" });
  const error = h("p", { class: "error", id: "signin-error", role: "alert" });
  const form = h(
    "form",
    { class: "signin", onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const t = input.value.trim();
      if (!t) return;
      const res = await fetch("/v1/whoami", { headers: { Authorization: `Bearer ${t}` } });
      if (!res.ok) {
        error.textContent = res.status === 401
          ? "That token was refused: it is invalid, expired or revoked."
          : `Sign-in failed (${res.status}).`;
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, t);
      say("");
      await loadMe();
      location.hash = sessionStorage.getItem("liftoff.after") || "#/deployments";
      sessionStorage.removeItem("liftoff.after");
    } },
    h("label", { for: "token" }, "Team token"),
    input,
    h("p", { id: "token-help" }, "A team token (", h("code", {}, "liftoff token create"), ", or the admin token ", h("code", {}, "liftoff up"), " writes to ", h("code", {}, "<data-dir>/admin.token"), "). It is kept in this tab only."),
    h("button", { type: "submit", id: "signin" }, "Sign in"),
    error,
  );
  show("Sign in", form);
  input.focus();
}

// ---------- lists with pages ----------

// A table over `rows` showing PAGE at a time (for lists the API answers whole).
function pagedTable(head, rows, render) {
  const body = h("tbody");
  const pager = h("div", { class: "pager" });
  let at = 0;
  const draw = () => {
    body.replaceChildren(...rows.slice(at, at + PAGE).map(render));
    pager.replaceChildren(
      h("span", {}, rows.length ? `${at + 1}–${Math.min(at + PAGE, rows.length)} of ${rows.length}` : "none"),
      at > 0 ? h("button", { type: "button", onclick: () => { at -= PAGE; draw(); } }, "Previous page") : "",
      at + PAGE < rows.length ? h("button", { type: "button", onclick: () => { at += PAGE; draw(); } }, "Next page") : "",
    );
  };
  draw();
  return h("div", {}, h("table", {}, h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))), body), pager);
}

// A table over a cursor-paged endpoint: `load(cursor)` answers {items, next_cursor}.
function cursorTable(head, load, render) {
  const body = h("tbody");
  const pager = h("div", { class: "pager" });
  const stack = [];
  let current;
  const draw = async (cursor) => {
    const page = await load(cursor);
    current = cursor;
    body.replaceChildren(...(page.items.length ? page.items.map(render) : [h("tr", {}, h("td", { colspan: head.length }, "Nothing here."))]));
    pager.replaceChildren(
      stack.length ? h("button", { type: "button", onclick: () => draw(stack.pop()).catch(failure) }, "Previous page") : "",
      page.next_cursor ? h("button", { type: "button", onclick: () => { stack.push(current); draw(page.next_cursor).catch(failure); } }, "Next page") : "",
    );
  };
  const el = h("div", {}, h("table", {}, h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col" }, x)))), body), pager);
  return { el, ready: draw(undefined) };
}

// ---------- deployments ----------

async function deploymentsPage(params) {
  const t = cursorTable(
    ["Deployment", "Application", "Group", "Status", "Reason", "Created"],
    async (cursor) => {
      const r = await api(`/v1/deployments${query({ limit: PAGE, cursor, application: params.get("application") })}`);
      return { items: r.deployments, next_cursor: r.next_cursor };
    },
    (d) => h("tr", {},
      h("td", {}, h("a", { href: `#/deployments/${d.deployment_id}` }, short(d.deployment_id))),
      h("td", {}, d.application), h("td", {}, d.deployment_group),
      h("td", {}, deploymentBadge(d.status)), h("td", {}, d.reason), h("td", {}, when(d.created_at))),
  );
  await t.ready;
  show("Deployments", t.el);
}

// The live deployment page. One model, redrawn from each event of the stream; what the
// person opened (zones, a host) stays open across redraws. The stream carries counts by zone
// and state only (`hosts=false`), so its size does not grow with the fleet; the hosts of an
// opened zone are read a page at a time from `/v1/deployments/{id}/hosts`, again after each
// change while the zone is open.
async function deploymentPage(id) {
  let d = await api(`/v1/deployments/${encodeURIComponent(id)}`);
  d.hosts = [];
  let config = null;
  try {
    config = await api(`/v1/deployment-configs/${encodeURIComponent(d.deployment_config)}`);
  } catch (e) {
    if (e.status === 401) return;
  }
  const open = new Set(); // zones whose hosts are drawn
  const drawn = new Map(); // zone -> how many hosts drawn
  const zoneHosts = new Map(); // zone -> { hosts, more }: the drawn hosts, as last read
  let selected = null; // host id
  const live = h("p", { class: "live", id: "live", "aria-live": "off" }, "");
  const info = h("div", {});
  // The controls are rebuilt only when which ones apply changes, so a live update never
  // replaces a button under the pointer or the keyboard.
  const controlBox = h("div", { class: "controls", role: "group", "aria-label": "Deployment controls" });
  let controlKey = null;
  const head = h("div", {}, info, controlBox);
  const grid = h("div", {});
  const detail = h("div", {});

  function minHealthy(total) {
    if (!config) return null;
    const m = config.minimum_healthy;
    if (m.type === "HOST_COUNT") return Math.min(m.value, total);
    if (m.type === "FLEET_PERCENT") return Math.ceil((total * m.value) / 100);
    return Math.max(total - 1, 0);
  }

  function drawHead() {
    const o = d.overview;
    const total = o.pending + o.in_progress + o.succeeded + o.failed + o.skipped;
    const done = o.succeeded + o.failed + o.skipped;
    const min = minHealthy(total);
    const controls = [];
    if (may("deployer")) {
      const act = (path, body) => async () => {
        d = await api(`/v1/deployments/${id}/${path}`, { method: "POST", body });
        redraw();
      };
      if (d.status === "InProgress") controls.push(control("Pause", "Pause this deployment? Nothing new starts until it is resumed.", act("pause")));
      if (d.status === "Paused") controls.push(control("Resume", "Resume this deployment?", act("resume")));
      if (d.status === "AwaitingApproval") controls.push(control("Approve", "Approve the rest of the fleet after the canary batch?", act("approve")));
      // The scheduler retries hosts of a running deployment only; a finished one is rolled back.
      if (o.failed > 0 && ["InProgress", "Paused", "AwaitingApproval"].includes(d.status)) controls.push(control("Retry failed", "Give every failed host another attempt?", act("retry-failed-hosts", {})));
      if (!["Succeeded", "Failed", "Stopped"].includes(d.status)) controls.push(control("Stop", "Stop this deployment? Nothing new starts; running hosts finish.", act("stop"), { danger: true }));
      controls.push(control("Rollback", "Roll back: deploy the group's last good revision (stopping this deployment first)?", async () => {
        const r = await api(`/v1/deployments/${id}/rollback`, { method: "POST" });
        location.hash = `#/deployments/${r.deployment_id}`;
      }, { danger: true }));
    }
    const key = controls.map((c) => c.dataset.control).join(" ");
    if (key !== controlKey) {
      controlKey = key;
      keepFocus(() => controlBox.replaceChildren(...controls));
    }
    controlBox.hidden = controls.length === 0;
    info.replaceChildren(
      h("p", {}, "Status: ", h("span", { id: "status" }, deploymentBadge(d.status)), d.error ? h("span", { class: "error" }, ` ${d.error.code}: ${d.error.message}`) : "",
        d.waiting_for ? h("span", { id: "waiting" }, ` waiting: ${WAITING_FOR[d.waiting_for] || d.waiting_for}`) : ""),
      h("label", { for: "progress" }, `Progress: ${done} of ${total} hosts finished (${o.succeeded} succeeded, ${o.failed} failed)`),
      h("progress", { id: "progress", max: Math.max(total, 1), value: done }),
      h("dl", { class: "facts" },
        h("dt", {}, "Application"), h("dd", {}, h("a", { href: `#/applications/${d.application}` }, d.application)),
        h("dt", {}, "Group"), h("dd", {}, d.deployment_group),
        h("dt", {}, "Revision"), h("dd", {}, d.revision_id),
        h("dt", {}, "Configuration"), h("dd", {}, d.deployment_config, config ? ` (${config.zone_mode}${config.canary_batch_size ? `, canary ${config.canary_batch_size}` : ""})` : ""),
        h("dt", {}, "Minimum healthy"), h("dd", { id: "min-healthy" }, min === null ? "—" : `${min} of ${total} hosts`),
        h("dt", {}, "Window"), h("dd", { id: "window" }, min === null ? "—" : `${Math.max(total - min, 1)} hosts at a time`),
        h("dt", {}, "Started by"), h("dd", {}, `${d.created_by} (${d.reason})`),
        h("dt", {}, "Created"), h("dd", {}, when(d.created_at)),
        d.current_zone ? [h("dt", {}, "Current zone"), h("dd", {}, d.current_zone)] : "",
      ),
    );
  }

  // Reads the drawn hosts of each open zone (and of the selected host's zone), one request
  // per zone; a change that arrives while a read runs is read again once it ends.
  let reading = null;
  let readAgain = false;
  async function readZones() {
    if (reading) { readAgain = true; return reading; }
    reading = (async () => {
      do {
        readAgain = false;
        const zones = new Set(open);
        if (selected && selectedZone) zones.add(selectedZone);
        for (const zone of zones) {
          const limit = drawn.get(zone) || HOSTS_PER_DRAW;
          const r = await api(`/v1/deployments/${id}/hosts${query({ zone, limit })}`);
          zoneHosts.set(zone, { hosts: r.hosts, more: Boolean(r.next_cursor) });
        }
      } while (readAgain);
    })();
    try { await reading; } finally { reading = null; }
  }
  let selectedZone = null;

  function drawGrid() {
    const counts = (o) => o.pending + o.in_progress + o.succeeded + o.failed + o.skipped;
    const rows = [];
    for (const { zone, hosts: n } of d.zones || []) {
      const expanded = open.has(zone);
      const total = counts(n);
      rows.push(h("tr", {},
        h("th", { scope: "row" }, zone),
        Object.keys(STATES).map((k) => h("td", { class: "count" }, n[k] ? badge(k, `${n[k]}`) : "0")),
        h("td", {}, h("button", {
          type: "button", "aria-expanded": String(expanded), "data-zone": zone,
          onclick: async () => {
            if (expanded) open.delete(zone); else open.add(zone);
            keepFocus(drawGrid);
            if (!expanded) {
              await readZones().catch(failure);
              keepFocus(drawGrid);
            }
          },
        }, `${expanded ? "Hide" : "Show"} ${total} hosts in ${zone}`)),
      ));
      if (expanded) {
        const limit = drawn.get(zone) || HOSTS_PER_DRAW;
        const z = zoneHosts.get(zone) || { hosts: [], more: false, loading: true };
        const tiles = z.loading ? [h("p", {}, "Loading hosts…")] : z.hosts.map((host) => {
          const k = hostState(host.status);
          return h("button", {
            type: "button", class: `host state s-${k}`, "data-host": host.host_id, "data-state": k,
            "aria-pressed": String(selected === host.host_id),
            "aria-label": `Host ${host.host_id}: ${STATES[k].label}${host.error_code ? ` (${host.error_code})` : ""}`,
            onclick: () => { selected = host.host_id; selectedZone = zone; keepFocus(drawGrid); drawDetail().catch(failure); },
          }, `${STATES[k].icon} ${short(host.host_id)} ${STATES[k].label}`);
        });
        const more = z.more
          ? h("button", { type: "button", onclick: async () => {
            drawn.set(zone, limit + HOSTS_PER_DRAW);
            await readZones().catch(failure);
            keepFocus(drawGrid);
          } }, `Show ${Math.min(HOSTS_PER_DRAW, total - z.hosts.length)} more`)
          : "";
        rows.push(h("tr", {}, h("td", { colspan: 7 }, h("div", { class: "hosts" }, tiles, more))));
      }
    }
    grid.replaceChildren(
      h("h2", {}, "Hosts by zone"),
      h("table", { class: "zones", id: "grid" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Zone"), Object.values(STATES).map((s) => h("th", { scope: "col" }, `${s.icon} ${s.label}`)), h("th", { scope: "col" }, "Hosts"))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7 }, "No hosts yet."))),
      ),
    );
  }

  // The stream carries no hosts, so a host's panel reads that host (with its lifecycle events)
  // when it opens, and again when the host's state changes.
  async function drawDetail() {
    let host = null;
    try {
      host = (await api(`/v1/deployments/${encodeURIComponent(id)}/hosts${query({ host_id: selected })}`)).hosts[0];
    } catch (e) {
      if (e.status === 401) return;
    }
    if (!host) {
      detail.replaceChildren();
      return;
    }
    const k = hostState(host.status);
    let logs = [];
    try {
      logs = (await api(`/v1/history/deployments/${id}/logs${query({ host_id: host.host_id, limit: 100 })}`)).logs;
    } catch (e) {
      if (e.status === 401) return;
    }
    const exclude = may("deployer") && (host.status === "Pending")
      ? control("Exclude host", `Exclude host ${host.host_id} from this deployment?`, async () => {
        d = await api(`/v1/deployments/${id}/hosts/${host.host_id}/exclude`, { method: "POST" });
        redraw();
      })
      : "";
    detail.replaceChildren(h("section", { class: "detail", id: "host-detail", "aria-label": `Host ${host.host_id}` },
      h("h2", {}, `Host ${host.host_id} `, badge(k)),
      host.error_code ? h("p", { class: "error" }, `${host.error_code}${host.message ? `: ${host.message}` : ""}`) : "",
      h("p", {}, `Attempt ${host.attempt}; started ${when(host.started_at)}; finished ${when(host.completed_at)}.`),
      exclude,
      h("table", {},
        h("thead", {}, h("tr", {}, ["Lifecycle event", "Status", "Duration", "Exit code"].map((x) => h("th", { scope: "col" }, x)))),
        h("tbody", {}, host.events.map((e) => h("tr", {},
          h("td", {}, e.event), h("td", {}, badge(hostState(e.status === "TimedOut" ? "Failed" : e.status), e.status)),
          h("td", {}, secs(e.started_at, e.ended_at)), h("td", {}, e.exit_code ?? "—"))))),
      h("h2", {}, "Hook output"),
      host.events.filter((e) => e.status !== "Skipped").map((e) => {
        const full = logs.filter((l) => l.event === e.event).pop();
        const text = full ? full.output : e.output_tail;
        const note = full ? (full.truncated ? ` (cut at the cap: ${full.bytes} of ${full.original_bytes} bytes)` : ` (${full.bytes} bytes, from history)`) : (e.output_truncated ? " (last part only)" : " (tail)");
        return [h("h3", {}, `${e.event}${note}`), h("pre", { class: "hook-output", "data-event": e.event, tabindex: "0" }, text || "(no output)")];
      }),
    ));
  }

  function redraw() {
    keepFocus(() => {
      drawHead();
      drawGrid();
    });
  }

  show(`Deployment ${short(d.deployment_id)}`, head, live, grid, detail);
  redraw();

  // Live: read the stream (fetch, so the token goes in a header), reconnecting until terminal.
  const abort = new AbortController();
  leave.push(() => abort.abort());
  (async () => {
    const terminal = () => ["Succeeded", "Failed", "Stopped"].includes(d.status);
    while (!abort.signal.aborted && !terminal()) {
      live.textContent = "Live: following this deployment.";
      try {
        await follow(`/v1/deployments/${id}/stream?events=false&hosts=false`, abort.signal, (next) => {
          const statusOf = () => selected && ((zoneHosts.get(selectedZone) || { hosts: [] }).hosts.find((x) => x.host_id === selected) || {}).status;
          const was = statusOf();
          d = next;
          redraw();
          if (open.size || selected) {
            readZones().then(() => {
              keepFocus(drawGrid);
              if (selected && statusOf() !== was) drawDetail().catch(() => {});
            }).catch(() => {});
          }
        });
      } catch (e) {
        if (abort.signal.aborted || e.status === 401) return;
        if (e.status === 404) return failure(e);
      }
      if (!terminal()) await new Promise((r) => setTimeout(r, 1000));
    }
    if (!abort.signal.aborted) live.textContent = `Finished: ${d.status}.`;
  })();
}

// Reads server-sent events from `path` until the server ends the stream.
async function follow(path, signal, onDeployment) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token()}`, Accept: "text/event-stream" }, signal });
  if (res.status === 401) {
    signOut("Your token was refused (expired, revoked or invalid). Sign in again.");
    throw new ApiError(401, "unauthorized", "signed out");
  }
  if (!res.ok) throw new ApiError(res.status, String(res.status), res.statusText);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (event === "deployment" && data.length) onDeployment(JSON.parse(data.join("\n")));
    }
  }
}

// ---------- applications ----------

async function applicationsPage() {
  const t = cursorTable(["Application", "Description", "Stages", "Created"],
    async (cursor) => {
      const r = await api(`/v1/applications${query({ limit: PAGE, cursor })}`);
      return { items: r.applications, next_cursor: r.next_cursor };
    },
    (a) => h("tr", {},
      h("td", {}, h("a", { href: `#/applications/${a.name}` }, a.name)),
      h("td", {}, a.description || ""), h("td", {}, (a.stages || []).join(" → ")), h("td", {}, when(a.created_at))));
  await t.ready;
  show("Applications", t.el);
}

async function applicationPage(name) {
  const app = encodeURIComponent(name);
  // Revisions and groups page on the server; each table keeps its own cursor.
  const revs = cursorTable(["Label", "Revision", "Digest", "First deployed", "Last deployed"],
    async (cursor) => {
      const r = await api(`/v1/applications/${app}/revisions${query({ limit: PAGE, cursor })}`);
      return { items: r.revisions, next_cursor: r.next_cursor };
    },
    (r) => h("tr", {},
      h("td", {}, r.version_label || "—"), h("td", {}, short(r.revision_id)), h("td", {}, h("code", {}, short(r.sha256))),
      h("td", {}, when(r.first_deployed_at)), h("td", {}, when(r.last_deployed_at))));
  const groups = cursorTable(["Group", "Selector", "Configuration", "Stage", "Current revision"],
    async (cursor) => {
      const r = await api(`/v1/applications/${app}/deployment-groups${query({ limit: PAGE, cursor })}`);
      return { items: r.deployment_groups, next_cursor: r.next_cursor };
    },
    (g) => h("tr", {},
      h("td", {}, g.name), h("td", {}, Object.entries(g.selector || {}).map(([k, v]) => `${k}=${v.join("|")}`).join(", ")),
      h("td", {}, g.deployment_config), h("td", {}, g.stage || "—"),
      h("td", {}, g.last_successful_deployment_id ? h("a", { href: `#/deployments/${g.last_successful_deployment_id}` }, short(g.last_successful_revision_id)) : "—")));
  const [stages] = await Promise.all([api(`/v1/applications/${app}/stages`), revs.ready, groups.ready]);
  const stageRows = stages.stages.map((s, i) => {
    const next = stages.stages[i + 1];
    return h("tr", {},
      h("td", {}, s.name), h("td", {}, s.deployment_groups.join(", ")),
      h("td", {}, s.last_successful_revision_id ? short(s.last_successful_revision_id) : "—"), h("td", {}, when(s.last_succeeded_at)),
      h("td", {}, may("deployer") && next && s.last_successful_revision_id
        ? control(`Promote to ${next.name}`, `Deploy what last succeeded in ${s.name} to every group of ${next.name}?`, async () => {
          const r = await api(`/v1/applications/${app}/promote`, { method: "POST", body: { from: s.name, to: next.name } });
          // Into a stage that requires approval the answer is a request, not deployments.
          if (r.request_id) {
            return `Stage ${next.name} requires approval: request ${r.request_id} waits for someone else to approve it (liftoff promotion approve ${r.request_id}).`;
          }
          location.hash = `#/deployments${query({ application: name })}`;
        })
        : ""));
  });
  show(`Application ${name}`,
    h("p", {}, h("a", { href: `#/deployments${query({ application: name })}` }, `Deployments of ${name}`)),
    h("h2", {}, "Revisions"),
    revs.el,
    h("h2", {}, "Deployment groups"),
    groups.el,
    h("h2", {}, "Stages"),
    stageRows.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Stage", "Groups", "Last successful revision", "When", ""].map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, stageRows)) : h("p", {}, "No stages."),
  );
}

// ---------- fleet ----------

const HOST_STATES = ["Pending", "Installing", "InService", "Failed", "Lost", "Deregistered"];

async function fleetPage(params) {
  const f = { state: params.get("state") || "", zone: params.get("zone") || "", tag: params.get("tag") || "", group: params.get("group") || "" };
  const tags = f.tag ? [f.tag] : [];
  if (f.group) {
    // A group is its selector: the hosts with its tags (a key listed twice means either value).
    const [app, name] = f.group.split("/");
    const g = await api(`/v1/applications/${encodeURIComponent(app)}/deployment-groups/${encodeURIComponent(name || "")}`);
    for (const [k, vs] of Object.entries(g.selector || {})) vs.forEach((v) => tags.push(`${k}=${v}`));
  }
  // The fleet pages on the server (a 10,000-host fleet is 200 pages, not one answer); lost
  // hosts are counted across the whole filtered fleet, not the page shown.
  const lostHosts = f.state && f.state !== "Lost" ? { hosts: [] }
    : await api(`/v1/hosts${query({ state: "Lost", zone: f.zone, tag: tags, limit: 1000 })}`);
  const table = cursorTable(["Host", "State", "Zone", "Tags", "Last heartbeat", "Revisions"],
    async (cursor) => {
      const r = await api(`/v1/hosts${query({ state: f.state, zone: f.zone, tag: tags, limit: PAGE, cursor })}`);
      return { items: r.hosts, next_cursor: r.next_cursor };
    },
    (x) => h("tr", {},
      h("td", {}, h("a", { href: `#/history${query({ host: x.host_id })}` }, `${x.name || "host"} · ${short(x.host_id)}`)),
      h("td", {}, x.state === "Lost" ? h("span", { class: "state s-lost" }, "⚠ Lost") : badge(x.state === "InService" ? "succeeded" : x.state === "Failed" ? "failed" : "pending", x.state)),
      h("td", {}, x.zone), h("td", {}, Object.entries(x.tags || {}).map(([k, v]) => `${k}=${v}`).join(", ")),
      h("td", {}, when(x.last_heartbeat_at)),
      h("td", {}, (x.revisions || []).map((v) => `${v.application}: ${short(v.revision_id)}`).join(", "))));
  await table.ready;
  const form = h("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    location.hash = `#/fleet${query({ state: data.get("state"), zone: data.get("zone"), group: data.get("group"), tag: data.get("tag") })}`;
  } },
  h("label", {}, "State", h("select", { name: "state" }, h("option", { value: "" }, "any"), HOST_STATES.map((s) => h("option", { value: s, selected: s === f.state }, s)))),
  h("label", {}, "Zone", h("input", { name: "zone", value: f.zone })),
  h("label", {}, "Group (application/group)", h("input", { name: "group", value: f.group, placeholder: "shop/web" })),
  h("label", {}, "Tag (key=value)", h("input", { name: "tag", value: f.tag, placeholder: "role=web" })),
  h("button", { type: "submit" }, "Filter"));
  const lost = lostHosts.hosts.length;
  const lostText = `⚠ ${lost}${lostHosts.next_cursor ? "+" : ""} lost host${lost > 1 ? "s" : ""}`;
  show("Fleet", form,
    lost ? h("p", { class: "error", id: "lost-hosts" }, lostText) : "",
    table.el);
}

// ---------- history and audit ----------

async function historyPage(params) {
  const host = params.get("host") || "";
  const app = params.get("application") || "";
  const group = params.get("group") || "";
  const at = params.get("at") || "";
  const hostForm = h("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    location.hash = `#/history${query({ host: new FormData(ev.target).get("host") })}`;
  } }, h("label", {}, "Host id", h("input", { name: "host", value: host, size: 38 })), h("button", { type: "submit" }, "Show timeline"));
  const groupForm = h("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const t = data.get("at") ? new Date(data.get("at")).toISOString() : "";
    location.hash = `#/history${query({ application: data.get("application"), group: data.get("group"), at: t })}`;
  } },
  h("label", {}, "Application", h("input", { name: "application", value: app })),
  h("label", {}, "Group", h("input", { name: "group", value: group })),
  h("label", {}, "At (local time)", h("input", { name: "at", type: "datetime-local" })),
  h("button", { type: "submit" }, "What ran then"));
  const parts = [h("h2", {}, "A host's timeline"), hostForm];
  if (host) {
    const t = cursorTable(["When", "Event", "Deployment", "Actor"], async (cursor) => {
      const r = await api(`/v1/events${query({ host_id: host, limit: PAGE, cursor })}`);
      return { items: r.events, next_cursor: r.next_cursor };
    }, (e) => h("tr", {}, h("td", {}, when(e.occurred_at)), h("td", {}, e.event_type),
      h("td", {}, e.deployment_id ? h("a", { href: `#/deployments/${e.deployment_id}` }, short(e.deployment_id)) : "—"), h("td", {}, e.actor || "—")));
    await t.ready;
    parts.push(t.el);
  }
  parts.push(h("h2", {}, "A group at a moment"), groupForm);
  if (app && group && at) {
    const r = await api(`/v1/history/deployment-groups/${encodeURIComponent(group)}/at${query({ application: app, at, limit: 200 })}`);
    parts.push(h("p", {}, `${group} at ${when(r.at)}: target revision ${short(r.target_revision_id)}`),
      pagedTable(["Host", "Revision", "Since"], r.hosts, (x) => h("tr", {}, h("td", {}, x.host_id), h("td", {}, short(x.revision_id)), h("td", {}, when(x.since)))));
  }
  show("History", ...parts);
}

async function auditPage(params) {
  const f = { actor: params.get("actor") || "", action: params.get("action") || "", since: params.get("since") || "", until: params.get("until") || "" };
  const form = h("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const iso = (v) => (v ? new Date(v).toISOString() : "");
    location.hash = `#/audit${query({ actor: data.get("actor"), action: data.get("action"), since: iso(data.get("since")), until: iso(data.get("until")) })}`;
  } },
  h("label", {}, "Actor", h("input", { name: "actor", value: f.actor })),
  h("label", {}, "Action (e.g. deployment.*)", h("input", { name: "action", value: f.action })),
  h("label", {}, "Since (local time)", h("input", { name: "since", type: "datetime-local" })),
  h("label", {}, "Until (local time)", h("input", { name: "until", type: "datetime-local" })),
  h("button", { type: "submit" }, "Filter"));
  const t = cursorTable(["When", "Actor", "Action", "Object"], async (cursor) => {
    const r = await api(`/v1/audit${query({ ...f, limit: PAGE, cursor, order: "desc" })}`);
    return { items: r.entries, next_cursor: r.next_cursor };
  }, (e) => h("tr", {}, h("td", {}, when(e.occurred_at)), h("td", {}, e.actor), h("td", {}, e.action), h("td", {}, `${e.object_type} ${e.object_id || ""}`)));
  await t.ready;
  show("Audit log", form, t.el);
}

// ---------- routing ----------

async function route() {
  for (const stop of leave) stop();
  leave = [];
  if (!location.hash.startsWith("#/signin")) say("");
  const [path, q] = (location.hash.slice(1) || "/deployments").split("?");
  const params = new URLSearchParams(q || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "signin" || !token()) {
    if (parts[0] !== "signin") sessionStorage.setItem("liftoff.after", location.hash);
    return signInPage();
  }
  try {
    if (!me) await loadMe();
    main.focus({ preventScroll: true });
    switch (parts[0]) {
      case "deployments":
        return await (parts[1] ? deploymentPage(parts[1]) : deploymentsPage(params));
      case "applications":
        return await (parts[1] ? applicationPage(parts[1]) : applicationsPage());
      case "fleet":
        return await fleetPage(params);
      case "history":
        return await historyPage(params);
      case "audit":
        return await auditPage(params);
      default:
        return await deploymentsPage(params);
    }
  } catch (e) {
    failure(e);
  }
}

document.getElementById("signout").addEventListener("click", () => signOut("Signed out."));
window.addEventListener("hashchange", route);
route();
