/* Shouchuang offline scan queue.
 *
 * A form marked data-scan-form is never sent directly: each scan gets its own key (a UUID made
 * on the phone), goes into IndexedDB first, and the queue is sent to POST /api/v1/scans/bulk
 * whenever there is a signal (now, on the "online" event, on every page load, every 20 s).
 * The server records each key once, so sending a scan twice is harmless; a scan leaves the
 * queue only when the server has answered for it. The queue goes in parts of at most CHUNK
 * scans (a small request gets through a thin signal; the server takes at most 1,000), and each
 * answer is matched to its scan by its index in the request. A scan the server refused (a
 * per-item "rejected": final, the same scan would be refused again) is not sent again: it is
 * parked in its own list with the reason, shown until the person dismisses it. When the whole
 * request fails (no signal, signed out, server error) every scan stays queued. The page shows
 * how many scans are waiting and what came back. Texts come from data-* attributes so that
 * they are translated by Django.
 *
 * The same queue carries the lead's work by card (a batch page's forms with data-endpoint,
 * e.g. /api/v1/card-work/bulk, and data-body, the list's name in the request): such an item
 * keeps every field of its form and remembers where it goes. The queue is sent in the order
 * the phone recorded it (a card's return after the issue it answers), each part to one
 * endpoint; items without their own endpoint go to the box's (the scans).
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-scan-queue]");
  if (!box || !window.indexedDB) return;
  // A queue other than the lot scans' (data-queue-name, e.g. households' payment answers) keeps
  // its own database and lists, so that its items never go to another queue's endpoint.
  var name = box.dataset.queueName ? "-" + box.dataset.queueName : "";
  var DB = "shouchuang" + name, STORE = "scans", RESULTS = "shouchuang-scan-results" + name, MAX_RESULTS = 20;
  var REFUSED = "shouchuang-scan-refused" + name, MAX_REFUSED = 200, CHUNK = 200;
  var text = box.dataset;
  var endpoint = box.dataset.endpoint || "/api/v1/scans/bulk";
  var busy = false, chunk = CHUNK;
  var last = document.querySelector("[data-scan-last]");
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

  // In the order the phone recorded them (the store keeps them by key, a random UUID).
  var all = function () {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return String(a.device_time || "").localeCompare(String(b.device_time || "")); });
    });
  };
  var put = function (scan) { return tx("readwrite", function (s) { s.put(scan); }); };
  var drop = function (keys) { return tx("readwrite", function (s) { keys.forEach(function (k) { s.delete(k); }); }); };

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
  }

  function stored(name) {
    try { return JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }

  var results = function () { return stored(RESULTS); };
  var refused = function () { return stored(REFUSED); };

  function remember(items) {
    localStorage.setItem(RESULTS, JSON.stringify(items.concat(results()).slice(0, MAX_RESULTS)));
  }

  function park(items) {
    localStorage.setItem(REFUSED, JSON.stringify(items.concat(refused()).slice(0, MAX_REFUSED)));
  }

  function describe(scan) {
    var t = new Date(scan.device_time), two = function (n) { return ("0" + n).slice(-2); };
    var when = isNaN(t) ? "" : two(t.getHours()) + ":" + two(t.getMinutes());
    return [scan.code || scan.card_code, scan.label || scan.action, when].filter(Boolean).join(" · ");
  }

  // The latest answer goes where the eye is (above the form) and is scrolled into view: the
  // list under the form may be hidden behind the bottom navigation on a small phone.
  function announce(message, state) {
    if (!last) return;
    last.textContent = message;
    last.className = "scan-last" + (state ? " " + state : "");
    last.hidden = false;
    var box = last.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) last.scrollIntoView({ block: "start" });
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
        li.textContent = describe(scan);
        pending.appendChild(li);
      });
      var parked = refused(), refusedList = box.querySelector("[data-queue-refused]");
      box.querySelector("[data-queue-refused-box]").hidden = !parked.length;
      refusedList.innerHTML = "";
      parked.forEach(function (r) {
        var li = document.createElement("li");
        li.className = "bad";
        li.textContent = r.scan + " · " + r.message;
        refusedList.appendChild(li);
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

  // Send one part of the queue; resolves true when the rest may be sent at once.
  function destination(scan) {
    return scan && scan._endpoint ? scan._endpoint : endpoint;
  }

  function send(part) {
    var body = part.map(function (scan) {
      var sent = Object.assign({}, scan);
      delete sent.label; delete sent._endpoint; delete sent._body;
      return sent;
    });
    var request = {};
    request[(part[0] && part[0]._body) || "scans"] = body;
    return fetch(destination(part[0]), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(request)
    }).then(function (response) {
      if (!response.ok) {
        // The whole request was refused (signed out, server error): keep the queue.
        return response.json().catch(function () { return {}; }).then(function (err) {
          if (response.status === 413 && err.detail && err.detail.limit < chunk) {
            chunk = err.detail.limit; // a server that takes fewer: send smaller parts at once
            return true;
          }
          remember([{ ok: false, code: "—", message: err.message || text.msgFailed }]);
          announce(err.message || text.msgFailed, "bad");
          return false;
        });
      }
      return response.json().then(function (answer) {
        var done = [], shown = [], parked = [];
        // Matched by index (a corrupt scan may have no usable key); an answer whose key is
        // another scan's is not trusted, and that scan stays queued.
        (answer.results || []).forEach(function (r) {
          var scan = part[r.index];
          if (!scan || (typeof r.key === "string" && r.key !== scan.key)) return;
          done.push(scan.key);
          if (r.status === "rejected") {
            var message = (r.error && r.error.message) || text.msgFailed;
            parked.push({ key: scan.key, scan: describe(scan), code: r.error && r.error.code, message: message });
            return;
          }
          var flag = r.scan && r.scan.flag ? "（" + (flags[r.scan.flag] || r.scan.flag) + "）" : "";
          var who = r.household ? r.household + " · " + (scan.label || "") + " · " : "";
          shown.push({ ok: true, code: scan.code || scan.card_code, message: who + (r.status === "replayed" ? text.msgReplayed : text.msgCreated) + flag });
        });
        if (parked.length) announce(parked[parked.length - 1].scan + " · " + parked[parked.length - 1].message, "bad");
        else if (shown.length) announce(shown[shown.length - 1].code + " · " + shown[shown.length - 1].message, "ok");
        remember(shown.reverse());
        park(parked.reverse());
        return drop(done).then(function () { return done.length > 0; });
      });
    }, function () { return false; /* no signal after all: try again later */ });
  }

  function flush() {
    if (busy || !navigator.onLine) return show();
    busy = true;
    function next() {
      return all().then(function (waiting) {
        if (!waiting.length) return;
        // One endpoint a request: the first waiting item's, and those after it going there too.
        var to = destination(waiting[0]), part = [];
        for (var i = 0; i < waiting.length && part.length < chunk && destination(waiting[i]) === to; i++) part.push(waiting[i]);
        return send(part).then(function (answered) {
          if (answered) return show().then(next);
        });
      });
    }
    return next().then(function () { busy = false; return show(); }, function () { busy = false; return show(); });
  }

  // A card-work form: every field of the form (numbers as numbers), its endpoint and a label.
  function cardWork(form) {
    var item = { key: uuid(), device_time: new Date().toISOString(), _endpoint: form.dataset.endpoint, _body: form.dataset.body || "items" };
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "csrfmiddlewaretoken" || field.value === "") return;
      item[field.name] = field.type === "number" || field.dataset.number !== undefined ? Number(field.value) : field.value.trim();
    });
    var count = item[form.dataset.countField || "quantity"];
    item.label = (form.dataset.label || "").replace("{n}", count === undefined ? "" : count);
    return item;
  }

  document.querySelectorAll("form[data-card-work]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var item = cardWork(form);
      if (!item.card_code) return;
      item.card_code = item.card_code.toUpperCase();
      form.querySelectorAll("[data-clear]").forEach(function (field) { field.value = field.defaultValue; });
      announce(item.card_code + " · " + item.label + " · " + text.msgQueued, "");
      put(item).then(function () {
        form.dispatchEvent(new CustomEvent("scan-queued", { bubbles: true, detail: item }));
        return flush();
      });
    });
  });

  // A photo queued with its item (a signed slip): shrunk on the phone to a JPEG data: URL, so
  // that it waits in IndexedDB like the rest and goes up in the same JSON body.
  function photoData(file) {
    return new Promise(function (resolve) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale); canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(""); };
      img.src = url;
    });
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
      announce(code + " · " + text.msgQueued, "");
      var file = form.querySelector("input[type=file][name=photo]");
      var picked = file && file.files && file.files[0];
      if (file) file.value = "";
      (picked ? photoData(picked) : Promise.resolve("")).then(function (photo) {
        if (photo) scan.photo = photo;
        return put(scan);
      }).then(function () {
        form.dispatchEvent(new CustomEvent("scan-queued", { bubbles: true, detail: scan }));
        return flush();
      });
    });
  });

  box.querySelector("[data-queue-dismiss]").addEventListener("click", function () {
    localStorage.removeItem(REFUSED);
    show();
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 20000);
  window.ScanQueue = { flush: flush, all: all, show: show };
  flush();
})();
