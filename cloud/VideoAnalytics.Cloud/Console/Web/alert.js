import { api, ApiError, el, formatTime, severityBadge, stateBadge, verifiedBadge, startPage } from "./common.js";
import { KeyframePlayer } from "./player.js";

const alertId = decodeURIComponent(location.pathname.split("/").pop());
const $ = id => document.getElementById(id);
const player = new KeyframePlayer({
  canvas: $("player-canvas"), counter: $("frame-counter"), timeLabel: $("frame-time"),
  trackList: $("track-list"), message: $("player-message"), playButton: $("play"),
});

function showAlert(alert) {
  document.title = `${alert.rule} at ${alert.site} · VideoAnalytics`;
  $("alert-title").textContent = `${alert.rule} — ${alert.site} / ${alert.camera}`;
  $("alert-badges").replaceChildren(severityBadge(alert.severity), stateBadge(alert.state), verifiedBadge(alert.verified));
  $("alert-where").textContent =
    `Branch ${alert.branch} · site ${alert.site} · device ${alert.device} · camera ${alert.camera} · opened ${formatTime(alert.openedUtc)}`;
  $("alert-summary").textContent = alert.summary;
  const final = alert.state === "confirmed" || alert.state === "dismissed";
  $("acknowledge").disabled = alert.state !== "new";
  $("confirm").disabled = final;
  $("dismiss").disabled = final;
}

function showEvidence(evidence) {
  if (evidence.length === 0) {
    $("evidence").replaceChildren(el("p", { class: "muted" }, "No judgment yet."));
    return;
  }
  $("evidence").replaceChildren(...evidence.map(e => el("div", { class: "evidence" },
    el("div", { class: "evidence-head" },
      el("strong", {}, e.kind === "judgment" ? (e.verdict ?? "judgment").replace("_", " ") : "edge certain"),
      e.confidence !== null ? el("span", {}, ` · confidence ${Math.round(e.confidence * 100)}%`) : null,
      e.score !== null ? el("span", {}, ` · gate score ${e.score.toFixed(2)}`) : null,
      el("span", { class: "muted" }, ` · ${formatTime(e.timeUtc)}`)),
    el("p", { class: "reason" }, e.reason),
    el("p", { class: "backend muted" }, e.kind === "judgment" ? `Backend: ${e.backend ?? "unknown"}` : "Decided on the edge (no judge)"))));
}

function showAudit(audit) {
  $("audit").replaceChildren(...audit.map(a => el("li", {},
    el("span", { class: "muted" }, formatTime(a.timeUtc)), " ",
    el("strong", {}, a.actor), ` ${a.action}`,
    a.note ? el("div", { class: "note" }, a.note) : null)));
}

async function showClips(clips) {
  const select = $("clip-select");
  select.hidden = clips.length < 2;
  select.replaceChildren(...clips.map((c, i) =>
    el("option", { value: i }, `${c.camera} · ${formatTime(c.startUtc)} · score ${c.score.toFixed(2)}`)));
  select.onchange = () => loadClip(clips[Number(select.value)]);
  if (clips.length === 0) player.show("No clip was uploaded for this alert.");
  else await loadClip(clips[0]);
}

async function loadClip(clip) {
  try {
    await player.load(clip);
  } catch (e) {
    player.show(`The keyframes cannot be shown: ${e.message}`);
  }
}

async function load() {
  const detail = await api(`/api/alerts/${encodeURIComponent(alertId)}`);
  showAlert(detail.alert);
  showEvidence(detail.evidence);
  showAudit(detail.audit);
  return detail;
}

async function act(action) {
  const message = $("action-message");
  message.textContent = "";
  try {
    const alert = await api(`/api/alerts/${encodeURIComponent(alertId)}/${action}`, { method: "POST", body: { note: $("note").value } });
    showAlert(alert);
    $("note").value = "";
    message.textContent = `Alert ${alert.state}.`;
    showAudit((await api(`/api/alerts/${encodeURIComponent(alertId)}`)).audit);
  } catch (e) {
    message.textContent = e instanceof ApiError ? `Not done: ${e.message}` : "Not done: the console cannot be reached.";
  }
}

await startPage("alerts");
$("play").addEventListener("click", () => player.toggle());
$("prev-frame").addEventListener("click", () => { player.pause(); player.step(-1); });
$("next-frame").addEventListener("click", () => { player.pause(); player.step(1); });
for (const action of ["acknowledge", "confirm", "dismiss"]) $(action).addEventListener("click", () => act(action));
try {
  const detail = await load();
  await showClips(detail.clips);
} catch (e) {
  $("load-error").textContent = e instanceof ApiError ? `This alert cannot be shown: ${e.message}` : String(e);
  $("load-error").hidden = false;
}
