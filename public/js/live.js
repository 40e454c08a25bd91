// Live job status for the dashboard, job and run pages, from /api/ws/status (JSON messages, as
// the API reference defines them). Loaded on every page by the layout; it acts only while the
// page holds an element with [data-live-status]. Pages stay correct without it: it only
// refreshes what the server already rendered.
//  - job_progress: updates [data-files-for-run], [data-bytes-for-run], [data-bar-for-run], and for
//    verify runs [data-checked-for-run], [data-differences-for-run]
//  - job_started / job_completed: fires "dm:refresh" on #job-<id> and #run-summary, whose
//    hx-get re-renders them from the server.
// Also renders every [data-local-time] in the one time format of the UI (see describeTime).
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
      progress(m);
    } else if (m.type === "job_started" || m.type === "job_completed") {
      if (m.type === "job_completed") {
        delete samples[m.run_id];
        // The counters drop at once; the card's re-render confirms it.
        each('[data-job-id="' + Number(m.job_id) + '"]', (el) => {
          el.setAttribute("data-active", "false");
          el.setAttribute("data-last-status", m.status);
        });
      } else {
        each('[data-job-id="' + Number(m.job_id) + '"]', (el) => {
          el.setAttribute("data-active", "true");
        });
      }
      recount();
      refresh("#job-" + Number(m.job_id));
      if (m.type === "job_completed") refresh('#run-summary[data-run-id="' + Number(m.run_id) + '"]');
    }
  }

  // Speed over the last SPEED_WINDOW_MS of updates (bytes count when files land, so one update
  // alone is bursty); before there is such a window, the average since the run started.
  var SPEED_WINDOW_MS = 10000;
  var samples = {};

  function speedOf(m) {
    var now = Date.now();
    var list = samples[m.run_id] || (samples[m.run_id] = []);
    list.push({ t: now, b: m.bytes_transferred });
    while (list.length > 2 && now - list[0].t > SPEED_WINDOW_MS) list.shift();
    var first = list[0];
    if (now - first.t >= 2000) return ((m.bytes_transferred - first.b) * 1000) / (now - first.t);
    var box = document.querySelector('[data-progress-run="' + m.run_id + '"]');
    var started = box ? Date.parse(box.getAttribute("data-started") || "") : NaN;
    if (isNaN(started) || now - started < 1000) return null;
    return (m.bytes_transferred * 1000) / (now - started);
  }

  function setText(selector, text) {
    each(selector, (el) => {
      if (el.textContent !== text) el.textContent = text;
    });
  }

  function percent(done, total) {
    return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : null;
  }

  function progress(m) {
    var r = '-for-run="' + m.run_id + '"]';
    // Verify runs count what they compared.
    if (typeof m.files_checked === "number") {
      setText("[data-checked" + r, String(m.files_checked));
      setText("[data-differences" + r, String(m.differences));
    }
    setText("[data-files" + r, String(m.files_transferred));
    setText("[data-bytes" + r, formatBytes(m.bytes_transferred));
    var pct = percent(m.bytes_transferred, m.bytes_total);
    var filesPct = percent(m.files_transferred, m.files_total);
    setText("[data-pct" + r, pct === null ? "" : pct + "%");
    setText("[data-files-total" + r, m.files_total ? " of " + m.files_total : "");
    setText("[data-files-pct" + r, filesPct === null ? "" : " (" + filesPct + "%)");
    setText("[data-bytes-total" + r, m.bytes_total ? " of " + formatBytes(m.bytes_total) : "");
    if (m.bytes_total) {
      each("[data-bar" + r, (el) => {
        el.max = m.bytes_total;
        el.value = Math.min(m.bytes_transferred, m.bytes_total);
      });
    }
    var speed = speedOf(m);
    setText("[data-speed" + r, speed ? formatBytes(speed) + "/s" : "");
    var eta = speed && m.bytes_total ? Math.max(0, (m.bytes_total - m.bytes_transferred) / speed) : null;
    setText("[data-eta" + r, eta === null ? "" : formatDuration(eta) + " left");
  }

  // The dashboard's "N running · N failed last time" follow the cards (which follow the stream).
  function recount() {
    var cards = document.querySelectorAll("[data-job-id][data-active]");
    if (!cards.length && !document.querySelector("[data-count]")) return;
    var running = 0;
    var failed = 0;
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].getAttribute("data-active") === "true") running++;
      else if (cards[i].getAttribute("data-last-status") === "failed") failed++;
    }
    setText('[data-count="running"]', String(running));
    setText('[data-count="failed"]', String(failed));
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

  // One time format everywhere (window.dmTime, shared with the other scripts): relative when
  // within a day ("5 min ago", "in 3 h"), else a short date; the hover title holds the full
  // absolute time with the zone named. Elements: [data-local-time] with `datetime` (or
  // `data-datetime` for SVG text), optional data-prefix/data-suffix around the text, and
  // data-time-zone to show a fixed zone (schedule previews: absolute, in the schedule's zone).
  var browserZone = (() => {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  })();

  // In the zone asked for; a zone this browser does not know falls back to its own.
  function inZone(d, opts, zone) {
    if (zone) opts.timeZone = zone;
    try {
      return d.toLocaleString(undefined, opts);
    } catch (e) {
      delete opts.timeZone;
      return d.toLocaleString(undefined, opts);
    }
  }

  function absolute(d, zone, withSeconds) {
    var opts = { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    if (withSeconds) opts.second = "2-digit";
    return inZone(d, opts, zone);
  }

  function shortDate(d, zone) {
    var opts = { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
    if (new Date().getFullYear() !== d.getFullYear()) opts.year = "numeric";
    return inZone(d, opts, zone);
  }

  function relative(d, now) {
    var s = Math.round((d.getTime() - now) / 1000);
    var a = Math.abs(s);
    if (a >= 86400) return null;
    var text = a < 45 ? "moments" : a < 3600 ? Math.round(a / 60) + " min" : Math.round(a / 3600) + " h";
    if (text === "moments") return s <= 0 ? "just now" : "in a moment";
    return s < 0 ? text + " ago" : "in " + text;
  }

  /** { text, title } of an ISO time as the whole UI shows it. */
  function describeTime(iso, zone) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    var full = absolute(d, zone, true) + (zone || browserZone ? " (" + (zone || browserZone) + ")" : "");
    if (zone) return { text: shortDate(d, zone) + " " + zoneAbbrev(d, zone), title: full, relative: false };
    var rel = relative(d, Date.now());
    return { text: rel || shortDate(d), title: full, relative: !!rel };
  }

  function zoneAbbrev(d, zone) {
    try {
      var parts = new Intl.DateTimeFormat(undefined, { timeZone: zone, timeZoneName: "short" }).formatToParts(d);
      for (var i = 0; i < parts.length; i++) if (parts[i].type === "timeZoneName") return parts[i].value;
    } catch (e) {}
    return zone;
  }

  window.dmTime = describeTime;

  function renderTime(el) {
    var iso = el.getAttribute("datetime") || el.getAttribute("data-datetime");
    var t = iso ? describeTime(iso, el.getAttribute("data-time-zone") || "") : null;
    if (!t) return;
    el.setAttribute("data-localized", "");
    // A time shown in a fixed zone (schedule previews) keeps the server's text, in that zone; only the hover is added.
    if (el.getAttribute("data-time-zone")) {
      el.setAttribute("title", t.title);
      return;
    }
    var text = (el.getAttribute("data-prefix") || "") + t.text + (el.getAttribute("data-suffix") || "");
    if (el.textContent !== text) el.textContent = text;
    if (el.tagName.toLowerCase() !== "title") el.setAttribute("title", t.title);
    if (t.relative) el.setAttribute("data-relative", "");
    else el.removeAttribute("data-relative");
  }

  function localTimes(root) {
    var list = (root || document).querySelectorAll("[data-local-time]");
    for (var i = 0; i < list.length; i++) renderTime(list[i]);
  }

  // Relative times and running durations tick.
  function tick() {
    each("[data-local-time][data-relative]", renderTime);
    each("[data-ticking-since]", (el) => {
      var start = Date.parse(el.getAttribute("data-ticking-since"));
      if (!isNaN(start)) el.textContent = formatDuration((Date.now() - start) / 1000);
    });
  }
  setInterval(tick, 1000);

  function formatDuration(seconds) {
    if (seconds < 1) return "<1 s";
    if (seconds < 60) return Math.round(seconds) + " s";
    var m = Math.floor(seconds / 60);
    if (m < 60) return m + " min " + Math.round(seconds % 60) + " s";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }
  window.dmDuration = formatDuration;

  function boot() {
    localTimes(document);
    sync();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
  // htmx:load fires for every piece of content htmx swaps in (boosted navigation included).
  document.addEventListener("htmx:load", (e) => {
    localTimes(e.target);
    recount();
    sync();
  });
  document.addEventListener("htmx:afterSettle", sync);
})();
