// The offline worker: keeps the pages and assets it is told about so they open without a network.
//
// One registration per page, scoped to that page (see offline-register.js): the worker's own URL
// lists what to keep (?keep=/programme&keep=/static/programme.js). It stores them when it installs,
// then answers each of them network first: a fresh answer replaces the stored copy, and when the
// network is gone the stored copy is served. Everything else goes to the network untouched.
// Plain JavaScript, no framework, no third-party script; same-origin only.
'use strict';

const KEEP = new URL(self.location.href).searchParams.getAll('keep')
  .map((path) => new URL(path, self.location.origin))
  .filter((url) => url.origin === self.location.origin)
  .map((url) => url.pathname);
const CACHE = 'offline:' + self.registration.scope;

function kept(request) {
  const url = new URL(request.url);
  return request.method === 'GET' && url.origin === self.location.origin && KEEP.includes(url.pathname);
}

async function store() {
  const cache = await caches.open(CACHE);
  await Promise.all(KEEP.map(async (path) => {
    const response = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
    if (response.ok) await cache.put(path, response);
  }));
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url).pathname;
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(key);
    if (copy) return copy;
    throw error;
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(store().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  if (kept(event.request)) event.respondWith(networkFirst(event.request));
});
