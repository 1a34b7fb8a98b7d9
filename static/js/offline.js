/* Shouchuang offline scan queue.
 *
 * A form marked data-scan-form is never sent directly: each scan gets its own key (a UUID made
 * on the phone), goes into IndexedDB first, and the queue is sent to POST /api/v1/scans/bulk
 * whenever there is a signal (now, on the "online" event, on every page load, every 20 s).
 * The server records each key once, so sending a scan twice is harmless; a scan leaves the
 * queue only when the server has answered for it. The page shows how many scans are waiting
 * and what came back. Texts come from data-* attributes so that they are translated by Django.
 */
(function () {
  "use strict";
  var DB = "shouchuang", STORE = "scans", RESULTS = "shouchuang-scan-results", MAX_RESULTS = 20;
  var box = document.querySelector("[data-scan-queue]");
  if (!box || !window.indexedDB) return;
  var text = box.dataset;
  var endpoint = box.dataset.endpoint || "/api/v1/scans/bulk";
  var busy = false;
  var flagsNode = document.getElementById("scan-flags");
  var flags = flagsNode ? JSON.parse(flagsNode.textContent) : {};

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  var all = function () { return tx("readonly", function (s) { return s.getAll(); }); };
  var put = function (scan) { return tx("readwrite", function (s) { s.put(scan); }); };
  var drop = function (keys) { return tx("readwrite", function (s) { keys.forEach(function (k) { s.delete(k); }); }); };

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
  }

  function results() {
    try { return JSON.parse(localStorage.getItem(RESULTS) || "[]"); } catch (e) { return []; }
  }

  function remember(items) {
    localStorage.setItem(RESULTS, JSON.stringify(items.concat(results()).slice(0, MAX_RESULTS)));
  }

  function show() {
    return all().then(function (waiting) {
      var count = box.querySelector("[data-queue-count]");
      count.textContent = String(waiting.length);
      box.classList.toggle("waiting", waiting.length > 0);
      box.querySelector("[data-queue-state]").textContent =
        waiting.length ? (navigator.onLine ? text.msgSending : text.msgOffline) : text.msgAllSent;
      var pending = box.querySelector("[data-queue-pending]");
      pending.innerHTML = "";
      waiting.forEach(function (scan) {
        var li = document.createElement("li");
        li.textContent = scan.code + " · " + (scan.label || scan.action) + " · " + scan.device_time.slice(11, 16);
        pending.appendChild(li);
      });
      var list = box.querySelector("[data-queue-results]");
      list.innerHTML = "";
      results().forEach(function (r) {
        var li = document.createElement("li");
        li.className = r.ok ? "ok" : "bad";
        li.textContent = r.code + " · " + r.message;
        list.appendChild(li);
      });
    });
  }

  function flush() {
    if (busy || !navigator.onLine) return show();
    busy = true;
    return all().then(function (waiting) {
      if (!waiting.length) return;
      var body = waiting.map(function (scan) {
        var sent = Object.assign({}, scan);
        delete sent.label;
        return sent;
      });
      return fetch(endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept-Language": document.documentElement.lang },
        body: JSON.stringify({ scans: body })
      }).then(function (response) {
        if (!response.ok) {
          // The whole request was refused (signed out, server error): keep the queue.
          return response.json().catch(function () { return {}; }).then(function (err) {
            remember([{ ok: false, code: "—", message: err.message || text.msgFailed }]);
          });
        }
        return response.json().then(function (answer) {
          var byKey = {};
          waiting.forEach(function (s) { byKey[s.key] = s; });
          var done = [], shown = [];
          (answer.results || []).forEach(function (r) {
            var scan = byKey[r.key];
            if (!scan) return;
            done.push(r.key);
            var ok = r.status !== "rejected", message;
            if (!ok) message = (r.error && r.error.message) || text.msgFailed;
            else message = (r.status === "replayed" ? text.msgReplayed : text.msgCreated) + (r.scan && r.scan.flag ? "（" + (flags[r.scan.flag] || r.scan.flag) + "）" : "");
            shown.push({ ok: ok, code: scan.code, message: message });
          });
          remember(shown.reverse());
          return drop(done);
        });
      }).catch(function () { /* no signal after all: try again later */ });
    }).then(function () { busy = false; return show(); }, function () { busy = false; return show(); });
  }

  document.querySelectorAll("form[data-scan-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form), action = form.querySelector("[name=action]");
      var code = String(data.get("code") || "").trim().toUpperCase();
      if (!code) return;
      var scan = { key: uuid(), code: code, action: data.get("action"), device_time: new Date().toISOString() };
      if (action && action.selectedOptions) scan.label = action.selectedOptions[0].textContent;
      // Cleared at once, not after the write: the next code may be typed while it is stored.
      form.querySelector("[name=code]").value = "";
      put(scan).then(function () {
        form.dispatchEvent(new CustomEvent("scan-queued", { bubbles: true, detail: scan }));
        return flush();
      });
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 20000);
  window.ScanQueue = { flush: flush, all: all, show: show };
  flush();
})();
