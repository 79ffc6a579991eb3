"""A presenter who registers after the deadline, on each database (no Kafka: the sweep's own answer and table).

The deadline passes with the abstract uncovered (``PresenterUnregistered``); its presenter registers late
(one ``PresenterRegistered``, not again on the next sweep); then cancels (``PresenterUnregistered`` once more).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from schemas.registration import PresenterRegistered, PresenterUnregistered
from services.registration.adapters import presentations
from services.registration.commands import presenter_deadline
from tests.integration.registration.conftest import Service, close_service, congress_file, open_service, settings_for
from tests.integration.registration.test_earned_roles import register_by_invoice
from tests.integration.registration.test_presenter_deadline import AUTH, author, configured, decided, tokyo


async def causes(service: Service) -> set[str]:
    async with service.deps.sessionmaker() as session:
        return set((await session.execute(select(presentations.notices.c.cause))).scalars())


async def sweep(service: Service, month: int, day: int) -> list[type]:
    return [type(e) for e in await presenter_deadline.sweep(service.deps, tokyo(month, day))]


async def test_a_late_registration_is_reported_once_and_a_cancellation_again(
    db_url: str, stripe_mock_url: str, tmp_path: Path
) -> None:
    settings = settings_for(db_url, stripe_mock_url, congress_file(tmp_path, configured))
    service = await open_service(settings, kafka=False)
    try:
        async with service.deps.units.begin() as session:
            await presenter_deadline.on_decided(
                session, decided(1, author("ana@example.org", "Ana", presenting=True)).data
            )
        assert await sweep(service, 12, 24) == [PresenterUnregistered]
        assert await sweep(service, 12, 25) == []

        late = await register_by_invoice(service, 0, email="Ana@Example.org")
        emitted = await presenter_deadline.sweep(service.deps, tokyo(12, 26))
        assert [type(e) for e in emitted] == [PresenterRegistered]
        (registered,) = emitted
        assert isinstance(registered, PresenterRegistered)
        assert (registered.abstract_id, registered.reference, registered.congress_id) == (
            "abs_p1",
            "ICSEI27-A-0001",
            "icsei-2027",
        )
        assert await causes(service) == {"registered"}
        assert await sweep(service, 12, 27) == []

        cancel = await service.client.post(
            f"/api/organiser/registrations/{late}/cancel", json={"reason": "cannot travel"}, headers=AUTH
        )
        assert cancel.status_code == 200, cancel.text
        assert await sweep(service, 12, 28) == [PresenterUnregistered]
        assert await causes(service) == {"unregistered"}
        assert await sweep(service, 12, 29) == []
    finally:
        await close_service(service, kafka=False)
