import { api, el, formatTime, query, severityBadge, stateBadge, verifiedBadge, startPage, fillScopeFilters } from "./common.js";

const rows = document.getElementById("alert-rows");
const live = document.getElementById("live");
const branchSelect = document.getElementById("branch");
const siteSelect = document.getElementById("site");
const stateSelect = document.getElementById("state");
const alerts = new Map();
let stream = null;

function filters() {
  return { branch: branchSelect.value, site: siteSelect.value };
}

function visible(alert) {
  const f = filters();
  return (!f.branch || alert.branch === f.branch) && (!f.site || alert.site === f.site)
    && (!stateSelect.value || alert.state === stateSelect.value);
}

function row(alert, fresh) {
  const open = () => location.assign(`/console/alerts/${encodeURIComponent(alert.alertId)}`);
  return el("tr", {
      class: `alert-row state-${alert.state}${fresh ? " fresh" : ""}`, "data-alert-id": alert.alertId, tabindex: 0,
      onclick: open, onkeydown: e => { if (e.key === "Enter") open(); },
    },
    el("td", { class: "time" }, formatTime(alert.openedUtc)),
    el("td", {}, alert.site),
    el("td", {}, alert.camera),
    el("td", {}, alert.rule),
    el("td", {}, severityBadge(alert.severity)),
    el("td", {}, stateBadge(alert.state)),
    el("td", {}, verifiedBadge(alert.verified)),
    el("td", { class: "summary" }, el("a", { href: `/console/alerts/${encodeURIComponent(alert.alertId)}` }, alert.summary)));
}

function render(freshId) {
  const shown = [...alerts.values()].filter(visible).sort((a, b) => b.openedUtc.localeCompare(a.openedUtc));
  rows.replaceChildren(...shown.map(a => row(a, a.alertId === freshId)));
  document.getElementById("empty").hidden = shown.length > 0;
  const open = shown.filter(a => a.state === "new").length;
  document.getElementById("count").textContent = `${shown.length} shown · ${open} new`;
}

async function reload() {
  const list = await api(`/api/alerts${query({ ...filters(), state: stateSelect.value })}`);
  alerts.clear();
  for (const a of list) alerts.set(a.alertId, a);
  render();
}

function setLive(on, text) {
  live.className = `live ${on ? "live-on" : "live-off"}`;
  live.textContent = text;
}

/** Live updates: the list is re-read on every (re)connect, so nothing raised while disconnected is missed. */
function connect() {
  stream?.close();
  stream = new EventSource(`/api/alerts/stream${query(filters())}`);
  stream.addEventListener("open", async () => {
    await reload();
    setLive(true, "live");
  });
  stream.addEventListener("alert", event => {
    const alert = JSON.parse(event.data);
    alerts.set(alert.alertId, alert);
    render(alert.alertId);
  });
  stream.addEventListener("error", () => setLive(false, "reconnecting…"));
}

function saveFiltersInUrl() {
  history.replaceState(null, "", `/console/alerts${query({ ...filters(), state: stateSelect.value })}`);
}

const scope = await startPage("alerts");
const params = new URLSearchParams(location.search);
fillScopeFilters(scope, branchSelect, siteSelect, params);
stateSelect.value = params.get("state") ?? "";
for (const select of [branchSelect, siteSelect]) select.addEventListener("change", () => { saveFiltersInUrl(); connect(); });
stateSelect.addEventListener("change", () => { saveFiltersInUrl(); reload(); });
connect();
