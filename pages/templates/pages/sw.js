/* Shouchuang service worker {{ version }}: keeps the scan page and its assets on the phone so
   that scans can be made with no signal (they wait in IndexedDB; see static/js/offline.js). */
const CACHE = "shouchuang-{{ version }}";
const ASSETS = [{% for url in assets %}"{{ url|escapejs }}", {% endfor %}"{{ offline_url }}"];
// Pages worth keeping for use without signal once they have been opened: the scan page, and a
// batch page (the lead hands out and takes back work by card there, walking the village).
const OFFLINE_PAGES = ["/scan/"];
const OFFLINE_PATTERNS = [/^\/work\/batches\/\d+\/$/];
const keptOffline = (path) => OFFLINE_PAGES.includes(path) || OFFLINE_PATTERNS.some((p) => p.test(path));

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    // Network first; without signal, the copy kept from the last visit, or the offline page.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected && keptOffline(url.pathname)) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() =>
          caches.match(url.pathname).then((hit) => hit || caches.match("{{ offline_url }}"))
        )
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    // Hashed names never change content: the cache is always right. Kept on first use (so the
    // barcode decoder, fetched only when the camera is used, also works without signal later).
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          })
      )
    );
  }
});
