// Refused forms (views/components/form-errors.tsx): when a form comes back with errors, open the
// folded section holding the first invalid field, focus it and scroll it to the middle of the
// screen (clear of the sticky header and Save bar). Links in the error summary do the same.
(() => {
  "use strict";

  function reveal(field) {
    for (var el = field.parentElement; el; el = el.parentElement) {
      if (el.tagName && el.tagName.toLowerCase() === "details" && !el.open) el.open = true;
    }
    field.scrollIntoView({ block: "center" });
    try {
      field.focus({ preventScroll: true });
    } catch (e) {
      field.focus();
    }
  }

  function firstInvalid(root) {
    var list = root.querySelectorAll('[aria-invalid="true"]');
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      if (el.type === "hidden") continue;
      return el;
    }
    return null;
  }

  function handle(root) {
    var summaries = (root || document).querySelectorAll("[data-form-errors]:not([data-form-errors-done])");
    for (var i = 0; i < summaries.length; i++) {
      var summary = summaries[i];
      summary.setAttribute("data-form-errors-done", "");
      var form = summary.closest("form") || document;
      var field = firstInvalid(form);
      if (field) reveal(field);
      else summary.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("click", (e) => {
    var link = e.target && e.target.closest ? e.target.closest(".error-summary a[href^='#']") : null;
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    e.preventDefault();
    reveal(field);
  });

  // The connection test's answer: brought on screen, clear of the sticky Save bar (scroll-margin in app.css).
  document.addEventListener("htmx:afterSettle", (e) => {
    var el = e.target;
    if (el && el.id === "test-result") el.scrollIntoView({ block: "nearest" });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => handle(document));
  else handle(document);
  document.addEventListener("htmx:load", (e) => handle(e.target.querySelectorAll ? e.target : document));
})();
