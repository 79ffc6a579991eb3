"""The shared offline worker's routes: served at the service's root as same-origin JavaScript that the
guard's Content-Security-Policy lets a page load and register, revalidated on every use."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from services.common.offline import STATIC, offline_routes
from services.common.settings import ServiceSettings
from services.common.web_guard import install_web_guard


def app() -> FastAPI:
    application = FastAPI()
    router = APIRouter()
    offline_routes(router)
    application.include_router(router)
    install_web_guard(application, ServiceSettings(CONGRESS_SECRET="offline-test"))
    return application


async def test_the_worker_and_its_register_script_are_served_at_the_root() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://test") as http:
        for name in ("offline-worker.js", "offline-register.js"):
            answer = await http.get(f"/{name}")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/javascript")
            assert answer.content == (STATIC / name).read_bytes()
            # The browser asks again before each use, so a changed worker reaches phones at once.
            assert "no-cache" in answer.headers["cache-control"]
            policy = answer.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "worker-src" not in policy  # same-origin scripts and workers
