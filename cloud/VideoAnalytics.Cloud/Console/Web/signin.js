import { api, ApiError } from "./common.js";

/** Only console pages of this site: never an open redirect to another origin. */
function returnUrl() {
  const target = new URLSearchParams(location.search).get("returnUrl") ?? "";
  return /^\/console\/[A-Za-z0-9\-_/?=&%.]*$/.test(target) && !target.startsWith("//") ? target : "/console/alerts";
}

const form = document.getElementById("signin-form");
const error = document.getElementById("signin-error");
form.addEventListener("submit", async event => {
  event.preventDefault();
  error.hidden = true;
  const button = document.getElementById("signin-button");
  button.disabled = true;
  try {
    await api("/api/session", {
      method: "POST",
      body: { name: document.getElementById("name").value, password: document.getElementById("password").value },
    });
    location.assign(returnUrl());
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.message : "The console cannot be reached.";
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
});
