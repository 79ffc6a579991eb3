"""``ports.ExportSources`` over HTTP: each service's ``GET /internal/export`` (``services.common.personal_export``),
asked with a short-lived bearer token naming the person. A service that does not answer is named in the
archive with the reason instead of failing the whole export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from services.common.personal_export import PATH, Person, export_token


class HttpExportSources:
    """Asks every configured service (name -> base URL) in turn; ``transports`` replace the network in tests."""

    def __init__(
        self,
        secret: str,
        urls: Mapping[str, str],
        *,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.secret, self.urls, self.transports, self.timeout = secret, dict(urls), dict(transports or {}), timeout

    async def gather(self, person: Person) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {export_token(self.secret, person)}"}
        answers: dict[str, Any] = {}
        for service, base in self.urls.items():
            transport = self.transports.get(service)
            async with httpx.AsyncClient(base_url=base, transport=transport, timeout=self.timeout) as client:
                try:
                    answer = await client.get(PATH, headers=headers)
                    answer.raise_for_status()
                    answers[service] = answer.json()["data"]
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    answers[service] = {"unavailable": f"{type(exc).__name__}: {exc}"[:300]}
        return answers
