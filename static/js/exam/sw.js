// The exam page's service worker: the page and its files come from the network when it
// answers, and from the last copy kept here when it does not, so a block reloaded offline
// still opens (its data and unsent changes are in the page's own storage).

const CACHE = "vignette-exam-v1";

function kept(request) {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return false;
  }
  return (
    request.mode === "navigate" ||
    url.pathname.startsWith("/static/") ||
    url.pathname === "/api/v1/lab-values/"
  );
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const copy = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
    if (copy) {
      return copy;
    }
    throw error;
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (kept(event.request)) {
    event.respondWith(networkFirst(event.request));
  }
});
