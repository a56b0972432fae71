// Shared helpers of the console pages: API calls, safe DOM building, header, time formatting.

/** Calls the console API. State-changing calls carry the anti-forgery header; 401 sends the user to sign in. */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["X-VA-Console"] = "1";
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && !path.startsWith("/api/session")) {
    goToSignIn();
    throw new Error("signed out");
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data?.error ?? response.statusText);
  return data;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function goToSignIn() {
  const back = location.pathname + location.search;
  location.assign(`/console/signin?returnUrl=${encodeURIComponent(back)}`);
}

/** Builds an element; children are nodes or text (never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatTime(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

export function timeAgo(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function badge(kind, text, title) {
  return el("span", { class: `badge badge-${kind}`, title }, text);
}

export function severityBadge(severity) {
  return badge(`sev-${severity}`, severity);
}

export function stateBadge(state) {
  return badge(`state-${state}`, state);
}

export function verifiedBadge(verified) {
  return verified
    ? badge("verified", "verified", "A judge confirmed this alert")
    : badge("unverified", "unverified", "No judge has confirmed this alert yet (edge-certain only, or judge unavailable)");
}

/** Renders the top bar and returns the signed-in user. */
export async function startPage(active) {
  const scope = await api("/api/scope");
  const user = scope.user;
  const signOut = async () => {
    await api("/api/session", { method: "DELETE" });
    location.assign("/console/signin");
  };
  const link = (href, text, key) => el("a", { href, class: key === active ? "active" : undefined }, text);
  const header = el("header", { class: "topbar" },
    el("span", { class: "brand" }, "VideoAnalytics · Security console"),
    el("nav", {}, link("/console/alerts", "Alerts", "alerts"), link("/console/devices", "Devices", "devices")),
    el("span", { class: "who", id: "who" }, `${user.name} · ${user.role}${user.branch ? " · " + user.branch : ""}`),
    el("button", { class: "quiet", id: "sign-out", onclick: signOut }, "Sign out"));
  document.body.prepend(header);
  return scope;
}

/** Fills branch/site selects from the scope; staff see only their branch. */
export function fillScopeFilters(scope, branchSelect, siteSelect, params) {
  const admin = scope.user.role === "admin";
  branchSelect.replaceChildren(...(admin ? [el("option", { value: "" }, "All branches")] : []),
    ...scope.branches.map(b => el("option", { value: b }, b)));
  branchSelect.disabled = !admin;
  branchSelect.value = params.get("branch") ?? (admin ? "" : scope.user.branch);
  const fillSites = () => {
    const branch = branchSelect.value;
    const sites = scope.sites.filter(s => !branch || s.branch === branch);
    siteSelect.replaceChildren(el("option", { value: "" }, "All sites"),
      ...sites.map(s => el("option", { value: s.site }, admin && !branch ? `${s.branch} / ${s.site}` : s.site)));
  };
  fillSites();
  siteSelect.value = params.get("site") ?? "";
  branchSelect.addEventListener("change", () => { fillSites(); siteSelect.value = ""; });
}

/** Query string of the non-empty filters. */
export function query(filters) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) q.set(key, value);
  const text = q.toString();
  return text ? `?${text}` : "";
}
