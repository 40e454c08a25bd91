// Small client helpers; everything else is htmx attributes. No inline scripts (CSP forbids them).
(() => {
  var root = document.documentElement;
  root.classList.add("js");
  var theme = root.getAttribute("data-theme-pref") || "system";
  if (theme !== "system") root.setAttribute("data-theme", theme);

  // A 401 from any htmx request means the session ended: go back to the login page.
  document.addEventListener("htmx:responseError", (e) => {
    if (e.detail.xhr && e.detail.xhr.status === 401) window.location.href = "/";
  });

  // Forms that post JSON to the API and show the contract's error message inline.
  document.addEventListener("htmx:configRequest", (e) => {
    var el = e.detail.elt;
    if (el && el.hasAttribute && el.hasAttribute("data-json")) e.detail.headers["Content-Type"] = "application/json";
  });

  // Phone menu: the button folds the nav open and shut; following a link closes it again.
  document.addEventListener("click", (e) => {
    var toggle = e.target && e.target.closest ? e.target.closest(".nav-toggle") : null;
    if (toggle) {
      var bar = toggle.closest(".topbar");
      var open = !bar.classList.contains("nav-open");
      bar.classList.toggle("nav-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    if (e.target && e.target.closest && e.target.closest("#main-nav a")) {
      var shell = document.querySelector(".topbar.nav-open");
      if (shell) shell.classList.remove("nav-open");
    }
  });

  // Folder pickers in a dialog (views/components/folder-picker.tsx): Browse… shows the panel,
  // Done or Escape hides it and gives focus back to the button.
  document.addEventListener("click", (e) => {
    var t = e.target && e.target.closest ? e.target : null;
    if (!t) return;
    var opener = t.closest("[data-picker-open]");
    var closer = t.closest("[data-picker-close]");
    if (opener) {
      var panel = document.getElementById(opener.getAttribute("data-picker-open"));
      if (panel) {
        panel.hidden = false;
        var first = panel.querySelector("button");
        if (first) first.focus();
      }
    } else if (closer) {
      closePanel(document.getElementById(closer.getAttribute("data-picker-close")));
    } else if (t.classList && t.classList.contains("picker-backdrop")) {
      closePanel(t.querySelector(".picker-panel"));
    }
  });
  function closePanel(panel) {
    if (!panel) return;
    panel.hidden = true;
    var opener = document.querySelector('[data-picker-open="' + panel.id + '"]');
    if (opener) opener.focus();
  }
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    var open = document.querySelector(".picker-panel:not([hidden])");
    if (open) {
      e.preventDefault();
      closePanel(open);
    }
  });

  // <button data-copy="#input-id">: copies that field's value (new API keys are shown once).
  document.addEventListener("click", (e) => {
    var btn = e.target && e.target.closest ? e.target.closest("[data-copy]") : null;
    if (!btn) return;
    var field = document.querySelector(btn.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = () => {
      btn.textContent = "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, () => {});
    else if (document.execCommand && document.execCommand("copy")) done();
  });
})();
