// The run page's log: level filter and auto-scroll for any log, and for an active run the live
// stream from /api/ws/logs/:run_id. The server sends the stored lines first, then live ones, then
// a final status and closes: nothing to merge on this side beyond skipping ids already shown.
(() => {
  "use strict";
  var MAX_LINES = 20000; // keep the page responsive on huge logs; the API has them all
  var current = null; // { el, ws, lastId, queue, scheduled }

  function follow(box) {
    var box2 = document.querySelector('[data-log-follow="' + box.id + '"]');
    return !box2 || box2.checked;
  }

  function lineEl(m) {
    var div = document.createElement("div");
    div.className = "log-line " + (m.level === "warning" || m.level === "error" ? m.level : "info");
    if (m.id !== undefined) div.setAttribute("data-id", String(m.id));
    var t = document.createElement("span");
    t.className = "log-time";
    t.textContent = String(m.timestamp || "").slice(11, 19);
    var l = document.createElement("span");
    l.className = "log-level";
    l.textContent = m.level;
    var msg = document.createElement("span");
    msg.className = "log-msg";
    msg.textContent = m.message; // textContent: log text is never parsed as HTML
    div.appendChild(t);
    div.appendChild(document.createTextNode(" "));
    div.appendChild(l);
    div.appendChild(document.createTextNode(" "));
    div.appendChild(msg);
    return div;
  }

  function flush(state) {
    state.scheduled = false;
    if (!state.queue.length) return;
    var frag = document.createDocumentFragment();
    for (var i = 0; i < state.queue.length; i++) frag.appendChild(lineEl(state.queue[i]));
    state.queue = [];
    var box = state.el;
    var empty = box.querySelector(".log-empty");
    if (empty) empty.remove();
    box.appendChild(frag);
    while (box.childElementCount > MAX_LINES) box.removeChild(box.firstElementChild);
    if (follow(box)) box.scrollTop = box.scrollHeight;
  }

  function setState(text) {
    var el = document.getElementById("log-state");
    if (el) el.textContent = text;
  }

  function onMessage(state, ev) {
    var m;
    try {
      m = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (m.type === "log") {
      if (m.id !== undefined) {
        if (m.id <= state.lastId) return;
        state.lastId = m.id;
      }
      state.queue.push(m);
      // The newest file the run copied ("copy <folder>/<file>" lines at normal detail), under the bar.
      if (typeof m.message === "string" && m.message.indexOf("copy ") === 0) {
        var current = document.querySelector('[data-file-for-run="' + state.el.getAttribute("data-run-id") + '"]');
        if (current) current.textContent = "Last copied: " + m.message.slice(5);
      }
      if (!state.scheduled) {
        state.scheduled = true;
        requestAnimationFrame(() => {
          flush(state);
        });
      }
    } else if (m.type === "status") {
      flush(state);
      state.finished = true;
      state.el.setAttribute("data-live", "false");
      setState("Run " + m.status + ".");
      var files = document.getElementById("run-files");
      if (files) files.textContent = String(m.files_transferred);
      var summary = document.getElementById("run-summary");
      if (summary && window.htmx) window.htmx.trigger(summary, "dm:refresh");
    }
  }

  function connect(el) {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var runId = Number(el.getAttribute("data-run-id"));
    var last = el.querySelector(".log-line:last-child");
    var state = { el: el, ws: null, lastId: last ? Number(last.getAttribute("data-id")) || 0 : 0, queue: [], scheduled: false, finished: false };
    var ws = new WebSocket(proto + "//" + location.host + "/api/ws/logs/" + runId);
    state.ws = ws;
    ws.onopen = () => {
      setState("Live.");
    };
    ws.onmessage = (ev) => {
      onMessage(state, ev);
    };
    ws.onclose = () => {
      flush(state);
      if (!state.finished && current === state) setState("Live log disconnected: reload the page to resume.");
    };
    current = state;
  }

  function stop() {
    if (current && current.ws) current.ws.close(1000, "page left");
    current = null;
  }

  function init() {
    var el = document.getElementById("run-logs");
    if (current && current.el !== el) stop();
    if (!el) return;
    if (el.getAttribute("data-live") === "true" && (!current || current.el !== el)) connect(el);
    else if (follow(el)) el.scrollTop = el.scrollHeight;
  }

  // Delegated, so they work for content swapped in by htmx without re-binding.
  document.addEventListener("change", (e) => {
    var t = e.target;
    if (!t || !t.getAttribute) return;
    var filterFor = t.getAttribute("data-log-filter");
    if (filterFor) {
      var box = document.getElementById(filterFor);
      if (box) box.setAttribute("data-filter", t.value);
    }
    var followFor = t.getAttribute("data-log-follow");
    if (followFor && t.checked) {
      var b = document.getElementById(followFor);
      if (b) b.scrollTop = b.scrollHeight;
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:load", init);
  document.addEventListener("htmx:afterSettle", init);
})();
