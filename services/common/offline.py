"""Pages that open without a network: the shared offline worker and the script that registers it.

``offline_routes(router)`` serves two plain-JavaScript files from ``services/common/static``:

* ``/offline-worker.js`` — the service worker. It sits at the root so that it may control any page of
  the service (a worker controls only paths under its own); it must be same-origin, which the
  Content-Security-Policy (``default-src 'self'``, no ``worker-src``) allows and requires.
* ``/offline-register.js`` — what a page loads to be kept::

      <script src="/offline-register.js" data-keep="/static/page.js" defer></script>
      <p data-offline-notice hidden>You are offline: this is the copy saved on this device.</p>

  It registers the worker scoped to the page's own path, keeping the page and the assets named in
  ``data-keep``; the page is then answered network first and from the saved copy when the network is gone.
  The page should say itself when its content last changed, since an offline copy may be old.

A service that wants an offline page calls ``offline_routes`` on its router and adds the script tag. The
copy lives in the browser's Cache Storage under ``offline:<scope>``; a private page (a delegate's agenda)
should delete it when its owner signs out (``caches.delete('offline:' + new URL(page, location).href)``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

STATIC = Path(__file__).parent / "static"
SCRIPTS = ("offline-worker.js", "offline-register.js")


def offline_routes(router: APIRouter) -> None:
    """Add ``GET /offline-worker.js`` and ``GET /offline-register.js`` to ``router``."""
    for name in SCRIPTS:
        router.add_api_route(f"/{name}", _script(name), methods=["GET"], include_in_schema=False)


def _script(name: str) -> Callable[[], Awaitable[Response]]:
    body = (STATIC / name).read_bytes()

    async def script() -> Response:
        # ``no-cache``: the browser asks again before using its copy, so a changed worker reaches it at once.
        return Response(body, media_type="text/javascript", headers={"cache-control": "no-cache"})

    script.__name__ = name.replace("-", "_").removesuffix(".js")
    return script
