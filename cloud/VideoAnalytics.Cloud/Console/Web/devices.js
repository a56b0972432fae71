import { api, badge, el, formatTime, query, startPage, timeAgo, fillScopeFilters } from "./common.js";

const REFRESH_MS = 15000;
const branchSelect = document.getElementById("branch");
const siteSelect = document.getElementById("site");

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

function stateCell(view) {
  if (view.status.state === "offline") return badge("offline", "offline");
  if (view.stale) return badge("stale", "no news", "Online at last report, but no status has arrived for a while");
  return badge("online", "online");
}

function cameras(status) {
  if (status.cameras.length === 0) return el("span", { class: "muted" }, "none");
  return el("ul", { class: "cameras" }, status.cameras.map(c => el("li", { title: c.lastError ?? "" },
    el("strong", {}, c.camera), " ", badge(c.state === "ok" || c.state === "online" ? "online" : "stale", c.state),
    ` ${c.fps.toFixed(1)} fps`, c.framesDropped > 0 ? el("span", { class: "muted" }, ` · ${c.framesDropped} dropped`) : null,
    c.lastError ? el("div", { class: "error small" }, c.lastError) : null)));
}

function spool(status) {
  const s = status.spool;
  if (!s) return el("span", { class: "muted" }, "—");
  const dropped = s.droppedClips + s.droppedTrackBatches;
  return el("span", {}, `${bytes(s.bytes)} · ${s.items} items`,
    dropped > 0 ? el("div", { class: "error small" }, `${s.droppedClips} clips, ${s.droppedTrackBatches} track batches dropped`) : null);
}

function models(status) {
  const entries = Object.entries(status.modelVersions);
  if (entries.length === 0) return el("span", { class: "muted" }, "—");
  return el("ul", { class: "models" }, entries.map(([name, version]) => el("li", {}, `${name} `, el("code", {}, version))));
}

async function refresh() {
  const list = await api(`/api/devices${query({ branch: branchSelect.value, site: siteSelect.value })}`);
  document.getElementById("device-rows").replaceChildren(...list.map(view => el("tr", { "data-device": view.status.device },
    el("td", {}, `${view.status.branch} / ${view.status.site}`),
    el("td", {}, view.status.device),
    el("td", {}, stateCell(view)),
    el("td", { title: formatTime(view.receivedUtc) }, timeAgo(view.receivedUtc)),
    el("td", {}, view.status.agentVersion || "—"),
    el("td", {}, cameras(view.status)),
    el("td", {}, spool(view.status)),
    el("td", {}, models(view.status)))));
  document.getElementById("empty").hidden = list.length > 0;
  const online = list.filter(v => v.status.state === "online" && !v.stale).length;
  document.getElementById("count").textContent = `${list.length} devices · ${online} online`;
  document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString(undefined, { hourCycle: "h23" })}`;
}

const scope = await startPage("devices");
fillScopeFilters(scope, branchSelect, siteSelect, new URLSearchParams(location.search));
for (const select of [branchSelect, siteSelect]) select.addEventListener("change", refresh);
await refresh();
setInterval(refresh, REFRESH_MS);
