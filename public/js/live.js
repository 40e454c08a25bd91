// Live job status for the dashboard, job and run pages, from /api/ws/status (JSON messages, as
// the API reference defines them). Loaded on every page by the layout; it acts only while the
// page holds an element with [data-live-status]. Pages stay correct without it: it only
// refreshes what the server already rendered.
//  - job_progress: updates [data-files-for-run], [data-bytes-for-run], [data-bar-for-run], and for
//    verify runs [data-checked-for-run], [data-differences-for-run]
//  - job_started / job_completed: fires "dm:refresh" on #job-<id> and #run-summary, whose
//    hx-get re-renders them from the server.
// Also turns <time data-local-time> into the browser's local time.
(() => {
  "use strict";
  var socket = null;
  var retry = 0;
  var timer = null;

  function formatBytes(n) {
    var units = ["B", "KB", "MB", "GB", "TB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
  }

  function each(selector, fn) {
    var list = document.querySelectorAll(selector);
    for (var i = 0; i < list.length; i++) fn(list[i]);
  }

  function refresh(selector) {
    each(selector, (el) => {
      if (window.htmx) window.htmx.trigger(el, "dm:refresh");
    });
  }

  function onMessage(ev) {
    var m;
    try {
      m = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (m.type === "job_progress") {
      each('[data-files-for-run="' + m.run_id + '"]', (el) => {
        el.textContent = String(m.files_transferred);
      });
      each('[data-bytes-for-run="' + m.run_id + '"]', (el) => {
        el.textContent = formatBytes(m.bytes_transferred);
      });
      if (typeof m.files_checked === "number") {
        each('[data-checked-for-run="' + m.run_id + '"]', (el) => {
          el.textContent = String(m.files_checked);
        });
        each('[data-differences-for-run="' + m.run_id + '"]', (el) => {
          el.textContent = String(m.differences);
        });
      }
      if (m.bytes_total) {
        each('[data-bar-for-run="' + m.run_id + '"]', (el) => {
          el.max = m.bytes_total;
          el.value = Math.min(m.bytes_transferred, m.bytes_total);
        });
      }
    } else if (m.type === "job_started" || m.type === "job_completed") {
      refresh("#job-" + Number(m.job_id));
      if (m.type === "job_completed") refresh('#run-summary[data-run-id="' + Number(m.run_id) + '"]');
    }
  }

  function wanted() {
    return document.querySelector("[data-live-status]") !== null;
  }

  function connect() {
    timer = null;
    if (socket || !wanted()) return;
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(proto + "//" + location.host + "/api/ws/status");
    socket = ws;
    ws.onopen = () => {
      retry = 0;
    };
    ws.onmessage = onMessage;
    ws.onclose = () => {
      if (socket === ws) socket = null;
      // Reconnect with backoff while the page still wants live status (server restart, network).
      if (wanted() && !timer) {
        retry = Math.min(retry + 1, 6);
        timer = setTimeout(connect, 500 * 2 ** (retry - 1));
        // Anything missed while disconnected: re-render the cards from the server.
        refresh("[data-job-id]");
      }
    };
  }

  function sync() {
    if (wanted()) {
      if (!socket && !timer) connect();
    } else if (socket) {
      var s = socket;
      socket = null;
      s.close(1000, "page left");
    }
  }

  function localTimes(root) {
    var list = (root || document).querySelectorAll("time[data-local-time]");
    for (var i = 0; i < list.length; i++) {
      var el = list[i];
      if (el.hasAttribute("data-localized")) continue;
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) continue;
      el.setAttribute("data-localized", "");
      el.title = el.textContent; // the UTC text stays available on hover
      el.textContent = d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    }
  }

  function boot() {
    localTimes(document);
    sync();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
  // htmx:load fires for every piece of content htmx swaps in (boosted navigation included).
  document.addEventListener("htmx:load", (e) => {
    localTimes(e.target);
    sync();
  });
  document.addEventListener("htmx:afterSettle", sync);
})();
