// fakedesk inspector: reads everything through the control API of the page's origin.
"use strict";

const MAX_ROWS = 5000;
const $ = (id) => document.getElementById(id);

// A bearer token given as #token=... in the URL goes with every request.
const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");

function headers(extra) {
  const h = Object.assign({ Accept: "application/json" }, extra || {});
  if (token) h.Authorization = "Bearer " + token;
  return h;
}

async function api(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = text; }
  return { status: resp.status, ok: resp.ok, json };
}

function toast(message) {
  const t = $("toast");
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 3500);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---------------------------------------------------------------- JSON tree
function jsonTree(value, open = 2, key = null) {
  const label = key === null ? [] : [el("span", { class: "k", text: JSON.stringify(key) }), ": "];
  if (value === null || typeof value !== "object") {
    const cls = typeof value === "string" ? "str" : typeof value === "number" ? "num" : "lit";
    return el("div", { class: "row" }, ...label, el("span", { class: cls, text: JSON.stringify(value) }));
  }
  const isArray = Array.isArray(value);
  const keys = isArray ? value.map((_, i) => i) : Object.keys(value);
  const summary = el("summary", {}, ...label,
    el("span", { class: "note", text: isArray ? `[${keys.length}]` : `{${keys.length}}` }));
  const d = el("details", open > 0 ? { open: "" } : {}, summary);
  for (const k of keys) d.append(jsonTree(value[k], open - 1, isArray ? null : k));
  return d;
}

function bodyView(body) {
  if (body === null || body === undefined) return el("p", { class: "na", text: "(empty)" });
  if (typeof body === "object") return el("div", { class: "json" }, jsonTree(body, 3));
  return el("pre", { text: String(body) });
}

function headerTable(h) {
  const t = el("table", { class: "kv" });
  for (const [k, v] of Object.entries(h || {})) t.append(el("tr", {}, el("td", { text: k }), el("td", { text: v })));
  return t;
}

// ---------------------------------------------------------------- journal table
const state = { entries: [], paused: false, held: [], selected: null, lastId: 0, vendors: [] };

function statusClass(e) { return e.status == null ? "none" : String(e.status)[0]; }

function faultText(f) {
  if (!f) return "";
  if (typeof f !== "object") return String(f);
  return [f.action, f.id].filter(Boolean).join(" ") || JSON.stringify(f);
}

function matches(e) {
  const v = $("f-vendor").value, d = $("f-direction").value, s = $("f-status").value;
  const q = $("f-text").value.trim().toLowerCase();
  if (v && e.vendor !== v) return false;
  if (d && e.direction !== d) return false;
  if (s && statusClass(e) !== s) return false;
  if (q) {
    const hay = [e.seq, e.vendor, e.direction, e.method, e.path, e.query, e.url, e.status, e.error, faultText(e.fault)]
      .join(" ").toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

function row(e) {
  const time = (e.started_at || "").slice(11, 23);
  const dur = e.duration_us == null ? "" : (e.duration_us / 1000).toFixed(1) + " ms";
  const sc = statusClass(e);
  const target = e.direction === "outbound" && e.url ? e.url : e.path + (e.query ? "?" + e.query : "");
  const tr = el("tr", { tabindex: "-1", "data-seq": e.seq, "aria-selected": String(state.selected === e.seq) },
    el("td", { text: e.seq }),
    el("td", { class: "col-time", text: time }),
    el("td", { text: e.vendor }),
    el("td", { class: e.direction === "outbound" ? "dir-out" : "", text: e.direction === "outbound" ? "out" : "in", title: e.direction }),
    el("td", { text: e.method }),
    el("td", { class: "path", text: target, title: target }),
    el("td", { class: "s" + sc, text: e.status == null ? (e.error ? "error" : "—") : e.status }),
    el("td", { class: "col-dur", text: dur }),
    el("td", { class: "fault", text: faultText(e.fault) }));
  return tr;
}

function render() {
  const rows = $("rows");
  const shown = [];
  for (let i = state.entries.length - 1; i >= 0 && shown.length < MAX_ROWS; i--) {
    if (matches(state.entries[i])) shown.push(row(state.entries[i]));
  }
  rows.replaceChildren(...shown);
  focusable();
  updateCount();
}

function updateCount() {
  const n = $("rows").children.length;
  $("empty").hidden = state.entries.length > 0;
  const held = state.held.length ? ` · ${state.held.length} new while paused` : "";
  $("count").textContent = `${n} shown of ${state.entries.length}${held}`;
}

function focusable() {
  const rows = $("rows").children;
  let any = false;
  for (const r of rows) {
    const sel = r.getAttribute("aria-selected") === "true";
    r.tabIndex = sel ? 0 : -1;
    any = any || sel;
  }
  if (!any && rows.length) rows[0].tabIndex = 0;
}

function add(entries) {
  if (!entries.length) return;
  if (state.paused) { state.held.push(...entries); updateCount(); return; }
  state.entries.push(...entries);
  if (state.entries.length > MAX_ROWS * 2) state.entries.splice(0, state.entries.length - MAX_ROWS);
  const rows = $("rows");
  for (const e of entries) {
    if (!matches(e)) continue;
    const tr = row(e);
    tr.classList.add("fresh");
    rows.prepend(tr);
  }
  while (rows.children.length > MAX_ROWS) rows.lastChild.remove();
  focusable();
  updateCount();
}

function cleared() {
  state.entries = []; state.held = []; state.selected = null;
  render();
  $("detail").replaceChildren(el("p", { class: "empty", text: "The journal was cleared." }));
}

// ---------------------------------------------------------------- live stream
function setConn(text, cls) { const c = $("conn"); c.textContent = text; c.className = "conn " + (cls || ""); }

async function stream() {
  for (;;) {
    try {
      const h = headers({ Accept: "text/event-stream" });
      if (state.lastId) h["Last-Event-ID"] = String(state.lastId);
      const resp = await fetch("/journal/stream", { headers: h, cache: "no-store" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      setConn("live", "live");
      const reader = resp.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let cut;
        const batch = [];
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev = parseEvent(block);
          if (!ev) continue;
          if (ev.event === "clear") { add(batch.splice(0)); state.lastId = 0; cleared(); continue; }
          if (ev.id) state.lastId = ev.id;
          try { batch.push(JSON.parse(ev.data)); } catch (_) { /* not an entry */ }
        }
        add(batch);
      }
      setConn("stream ended, reconnecting…", "down");
    } catch (err) {
      setConn("disconnected (" + err.message + "), retrying…", "down");
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function parseEvent(block) {
  const ev = { event: "message", data: [], id: 0 };
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") ev.data.push(value);
    else if (field === "event") ev.event = value;
    else if (field === "id") ev.id = Number(value) || 0;
  }
  if (!ev.data.length) return null;
  ev.data = ev.data.join("\n");
  return ev;
}

// ---------------------------------------------------------------- detail
function entryUrl(e) {
  if (e.direction === "outbound" && e.url) return e.url;
  const host = (e.request && e.request.headers && e.request.headers.host) || location.host;
  return "http://" + host + e.path + (e.query ? "?" + e.query : "");
}

function shellQuote(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

function curl(e) {
  const parts = ["curl", "-X", e.method, shellQuote(entryUrl(e))];
  const skip = new Set(["host", "content-length", "connection"]);
  for (const [k, v] of Object.entries((e.request && e.request.headers) || {})) {
    if (!skip.has(k)) parts.push("-H", shellQuote(k + ": " + v));
  }
  const body = e.request && e.request.body;
  if (body !== null && body !== undefined) {
    parts.push("--data-raw", shellQuote(typeof body === "string" ? body : JSON.stringify(body)));
  }
  return parts.join(" ");
}

async function copyCurl(e) {
  const text = curl(e);
  try {
    await navigator.clipboard.writeText(text);
    toast("Copied the request as curl.");
  } catch (_) {
    toast("The clipboard is not available: the command is shown below.");
  }
  const pre = $("curl-text");
  if (pre) { pre.textContent = text; pre.parentElement.hidden = false; }
}

async function select(seq, focusDetail) {
  state.selected = seq;
  for (const r of $("rows").children) r.setAttribute("aria-selected", String(Number(r.dataset.seq) === seq));
  focusable();
  const d = $("detail");
  d.replaceChildren(el("p", { class: "empty", text: "Loading entry " + seq + "…" }));
  const r = await api("GET", "/journal/" + seq);
  if (state.selected !== seq) return;
  if (!r.ok) {
    d.replaceChildren(el("p", { class: "empty", text: `Entry ${seq} is no longer in the journal (${r.json && r.json.error || r.status}).` }));
    return;
  }
  d.replaceChildren(...detailView(r.json));
  if (focusDetail) d.focus();
  if (r.json.direction === "outbound") {
    signature(r.json);
    attempts(r.json);
  }
}

function detailView(e) {
  const resp = e.response;
  const facts = el("dl", {},
    el("dt", { text: "Vendor" }), el("dd", { text: `${e.vendor} · ${e.direction === "outbound" ? "outbound (the fake called your system)" : "inbound (your system called the fake)"}` }),
    el("dt", { text: "Started" }), el("dd", { text: e.started_at }),
    el("dt", { text: "Duration" }), el("dd", { text: (e.duration_us / 1000).toFixed(3) + " ms" }),
    el("dt", { text: "Status" }), el("dd", { text: resp ? String(resp.status) : "no response" + (e.error ? ": " + e.error : "") }),
    el("dt", { text: "Fault" }), el("dd", { class: e.fault ? "fault" : "na", text: e.fault ? faultText(e.fault) : "none applied" }));
  if (e.attempt) facts.append(el("dt", { text: "Delivery" }), el("dd", { text: `${e.delivery} · attempt ${e.attempt}` }));
  const out = [
    el("h2", { text: `#${e.seq} ${e.method} ${entryUrl(e)}` }),
    el("div", { class: "tools" },
      button("Copy as curl", () => copyCurl(e))),
    el("div", { hidden: "" }, el("pre", { id: "curl-text" })),
    facts,
  ];
  if (e.fault && typeof e.fault === "object") out.push(el("h3", { text: "Fault applied" }), el("div", { class: "json" }, jsonTree(e.fault, 2)));
  if (e.direction === "outbound") {
    out.push(el("h3", { text: "Signature" }), el("p", { id: "sig", class: "na", text: "checking…" }));
    out.push(el("h3", { text: "Delivery attempts" }), el("div", { id: "attempts", class: "na", text: "loading…" }));
  }
  out.push(el("h3", { text: "Request headers" }), headerTable(e.request.headers));
  out.push(el("h3", { text: "Request body" + (e.request.truncated ? " (truncated)" : "") }), bodyView(e.request.body));
  if (resp) {
    out.push(el("h3", { text: "Response headers" }), headerTable(resp.headers));
    out.push(el("h3", { text: "Response body" }), bodyView(resp.body));
  }
  return out;
}

function button(text, onClick) {
  const b = el("button", { type: "button", text });
  b.addEventListener("click", onClick);
  return b;
}

async function signature(e) {
  const r = await api("GET", `/journal/${e.seq}/signature`);
  const p = $("sig");
  if (!p || state.selected !== e.seq) return;
  if (!r.ok) { p.textContent = "not available (" + r.status + ")"; return; }
  const s = r.json;
  if (!s.signed) { p.className = "na"; p.textContent = s.detail; return; }
  p.className = "";
  p.replaceChildren(
    el("span", { class: "verdict " + (s.verified ? "yes" : "no"), text: s.verified ? "✓ verifies" : "✗ does not verify" }),
    " — " + s.detail, el("br"), el("small", { class: "na", text: s.scheme }));
}

async function attempts(e) {
  const box = $("attempts");
  if (!box || !e.delivery) { if (box) box.textContent = "a single request"; return; }
  const r = await api("GET", "/journal?vendor=" + encodeURIComponent(e.vendor));
  if (!box.isConnected) return;
  if (!r.ok) { box.textContent = "not available (" + r.status + ")"; return; }
  const same = r.json.entries.filter((x) => x.delivery === e.delivery);
  const t = el("table", { class: "kv attempts" });
  for (const a of same) {
    const outcome = a.response ? "HTTP " + a.response.status : "no response: " + (a.error || "unknown");
    const tr = el("tr", {}, el("td", { text: `attempt ${a.attempt} · #${a.seq}` }),
      el("td", { text: `${a.started_at} · ${outcome} · ${(a.duration_us / 1000).toFixed(1)} ms` }));
    if (a.seq === e.seq) tr.style.fontWeight = "600";
    t.append(tr);
  }
  box.className = "";
  box.replaceChildren(t);
}

// ---------------------------------------------------------------- other views
async function panel(name) {
  const box = $(name + "-body");
  const r = await api("GET", "/" + name).catch((err) => ({ status: 0, json: String(err) }));
  if (r.status === 404 || r.status === 405) {
    box.replaceChildren(el("p", { class: "na", text: `Not available: this fakedesk has no /${name} endpoint.` }));
  } else if (!r.ok) {
    box.replaceChildren(el("p", { class: "na", text: `/${name} answered ${r.status}` }), el("div", { class: "json" }, jsonTree(r.json, 2)));
  } else {
    box.replaceChildren(el("div", { class: "json" }, jsonTree(r.json, 3)));
  }
}

async function vendorState() {
  const v = $("state-vendor").value;
  const box = $("state-tree");
  if (!v) return;
  const r = await api("GET", "/state/" + encodeURIComponent(v));
  box.replaceChildren(r.ok ? el("div", { class: "json" }, jsonTree(r.json, 2))
    : el("p", { class: "na", text: `/state/${v} answered ${r.status}` }));
}

function showTab(tab) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
  const name = tab.id.replace("tab-", "");
  if (name === "state") vendorState();
  else if (name !== "traffic") panel(name);
}

// ---------------------------------------------------------------- wiring
async function downloadHar() {
  const v = $("f-vendor").value;
  const resp = await fetch("/journal.har" + (v ? "?vendor=" + encodeURIComponent(v) : ""), { headers: headers() });
  if (!resp.ok) { toast("HAR export failed: HTTP " + resp.status); return; }
  const blob = await resp.blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: "fakedesk" + (v ? "-" + v : "") + ".har" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function wire() {
  for (const id of ["f-vendor", "f-direction", "f-status"]) $(id).addEventListener("change", render);
  $("f-text").addEventListener("input", render);
  for (const f of document.querySelectorAll("form")) f.addEventListener("submit", (ev) => ev.preventDefault());
  $("pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("pause").setAttribute("aria-pressed", String(state.paused));
    $("pause").textContent = state.paused ? "Resume" : "Pause";
    if (!state.paused) { const held = state.held.splice(0); add(held); }
    updateCount();
  });
  $("clear").addEventListener("click", async () => {
    const r = await api("DELETE", "/journal");
    toast(r.ok ? "Journal cleared." : "Clearing failed: HTTP " + r.status);
  });
  $("reset").addEventListener("click", async () => {
    if (!confirm("Reset every vendor to its seeded state and clear the journal?")) return;
    const r = await api("POST", "/reset", {});
    toast(r.ok ? "Every vendor reset." : "Reset failed: HTTP " + r.status);
  });
  $("har").addEventListener("click", downloadHar);
  $("state-vendor").addEventListener("change", vendorState);
  $("state-refresh").addEventListener("click", vendorState);
  for (const b of document.querySelectorAll("button.refresh")) b.addEventListener("click", () => panel(b.dataset.panel));
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const t of tabs) {
    t.addEventListener("click", () => showTab(t));
    t.addEventListener("keydown", (ev) => {
      const i = tabs.indexOf(t);
      const next = ev.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : ev.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
      if (next) { ev.preventDefault(); next.focus(); showTab(next); }
    });
  }
  $("rows").addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr) select(Number(tr.dataset.seq), false);
  });
  $("rows").addEventListener("keydown", (ev) => {
    const tr = ev.target.closest("tr");
    if (!tr) return;
    let to = null;
    if (ev.key === "ArrowDown") to = tr.nextElementSibling;
    else if (ev.key === "ArrowUp") to = tr.previousElementSibling;
    else if (ev.key === "Home") to = tr.parentElement.firstElementChild;
    else if (ev.key === "End") to = tr.parentElement.lastElementChild;
    else if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(Number(tr.dataset.seq), true); return; }
    if (to) { ev.preventDefault(); tr.tabIndex = -1; to.tabIndex = 0; to.focus(); }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, select, textarea")) return;
    if (ev.key === "/") { ev.preventDefault(); $("f-text").focus(); }
    else if (ev.key === "p") $("pause").click();
  });
}

async function init() {
  wire();
  const r = await api("GET", "/health").catch(() => null);
  if (r && r.ok) {
    state.vendors = r.json.vendors.map((v) => v.name);
    for (const name of state.vendors) {
      $("f-vendor").append(el("option", { value: name, text: name }));
      $("state-vendor").append(el("option", { value: name, text: name }));
    }
    document.title = "fakedesk " + r.json.version + " inspector";
  } else if (r && r.status === 401) {
    setConn("the control API wants a token: open this page as /#token=YOUR_TOKEN", "down");
  }
  updateCount();
  stream();
}

init();
