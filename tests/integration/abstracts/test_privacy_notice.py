"""The submission form shows the privacy notice and each abstract records the version (and language) it was
shown; a version the edition never published is refused by name (issue 16)."""

from __future__ import annotations

from sqlalchemy import select

from services.abstracts.adapters.notices import notices_shown
from tests.forms import submit
from tests.integration.abstracts.conftest import Service, abstract
from tests.integration.abstracts.test_pages import FORM


async def shown(service: Service) -> list[tuple[str, str]]:
    async with service.runtime.engine.connect() as conn:
        stmt = select(notices_shown.c.notice_version, notices_shown.c.notice_language)
        return [(v, lang) for v, lang in (await conn.execute(stmt)).tuples()]


async def test_the_form_shows_the_notice_and_the_abstract_records_its_version(offline: Service) -> None:
    page = await offline.client.get("/submit")
    assert "Privacy notice (version 2026-05)" in page.text and 'name="notice_version" value="2026-05"' in page.text
    assert "事務局" in (await offline.client.get("/privacy?lang=ja")).text

    done = await submit(offline.client, "/submit", "/submit", FORM | {"notice_version": "2026-05"})
    assert done.status_code == 201, done.text[-500:]
    via_api = await offline.client.post("/api/abstracts", json=abstract())  # no version sent: the current one
    assert via_api.status_code == 201, via_api.text
    assert sorted(await shown(offline)) == [("2026-05", "en"), ("2026-05", "ja")]


async def test_an_unknown_notice_version_is_refused(offline: Service) -> None:
    answer = await offline.client.post("/api/abstracts", json=abstract(notice_version="1999-01"))
    assert answer.status_code == 422
    assert {"field": "notice_version", "detail": answer.json()["errors"][0]["detail"]} in answer.json()["errors"]
    again = await submit(offline.client, "/submit", "/submit", FORM | {"notice_version": "1999-01"})
    assert again.status_code == 422 and 'name="notice_version" value="1999-01"' in again.text
    assert await shown(offline) == []
