// Registers the offline worker for the page that loads this script, and says when the page is an offline copy.
//
// Use: <script src="/offline-register.js" data-keep="/static/page.js /static/other.css" defer></script>
// The page and this script are always kept; data-keep adds its assets (same-origin paths, space separated).
// An element with the attribute data-offline-notice is shown while the browser is offline.
'use strict';

(function () {
  const script = document.currentScript;
  const notice = document.querySelector('[data-offline-notice]');
  function showState() {
    if (notice) notice.hidden = navigator.onLine;
  }
  window.addEventListener('online', showState);
  window.addEventListener('offline', showState);
  showState();
  if (!('serviceWorker' in navigator) || !script) return;
  const keep = [location.pathname, '/offline-register.js'].concat((script.dataset.keep || '').split(/\s+/).filter(Boolean));
  const query = keep.map((path) => 'keep=' + encodeURIComponent(path)).join('&');
  navigator.serviceWorker.register('/offline-worker.js?' + query, { scope: location.pathname })
    .catch((error) => console.warn('offline copy unavailable:', error));
})();
