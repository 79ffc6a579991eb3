// Deletes the copies of a delegate's private pages this device keeps for offline use (see offline-register.js),
// and the workers that keep them: loaded by the page a delegate sees after signing out or erasing their data,
// so the next person on a shared device cannot open someone else's agenda without a network.
'use strict';

(function () {
  const PRIVATE = ['/me/agenda', '/me/programme'];
  const scopes = PRIVATE.map((path) => new URL(path, location.href).href);
  const copies = ('caches' in self) ? scopes.map((scope) => caches.delete('offline:' + scope)) : [];
  const workers = ('serviceWorker' in navigator)
    ? navigator.serviceWorker.getRegistrations().then((found) => Promise.all(
      found.filter((r) => scopes.includes(r.scope)).map((r) => r.unregister())))
    : Promise.resolve();
  Promise.all(copies.concat([workers]))
    .catch((error) => console.warn('offline copy not deleted:', error))
    .finally(() => { document.documentElement.dataset.offlineForgotten = 'true'; });
})();
