"""Erasing an organiser account through every service on real Kafka and SMTP (decision 73).

The seeded admin invites an organiser (the invitation is mailed, so notify's ledger holds the address),
deactivates and then erases the account from the accounts page. The account's tombstone reaches
``congress.organisers``; a reader as every service runs it (``RevocationReader``, from the topic's start)
ends with the account forgotten; notify's database holds neither the address nor the name any more. An
active account and the admin's own are refused on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord

from schemas import topics
from services.common.congress import load_congress
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.common.session_events import RevocationReader
from tests.forms import submit
from tests.integration.notify.sink import RecordingSink
from tests.integration.organisers.harness import ADMIN, ADMIN_PASSWORD, SECRET, every_service
from tests.integration.organisers.test_invitation_flow import sign_in
from tests.integration.privacy_search import rows_naming
from tests.kafka_helpers import eventually, read_records

EMAIL, NAME = "ines.valdoria@example.org", "Ines Valdoria"  # ASCII: JSON may escape other letters
PAGE = "/organiser/accounts"


async def test_an_erased_account_is_forgotten_everywhere_and_gone_from_notifys_database(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str
) -> None:
    with RecordingSink() as sink:
        async with every_service(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url, sink.port) as world:
            notify = world.clients["notify"]
            assert (await sign_in(notify, ADMIN, ADMIN_PASSWORD)).status_code == 303
            invited = await submit(notify, PAGE, PAGE, {"email": EMAIL, "name": NAME, "roles": ["desk"]})
            assert invited.status_code == 303, invited.text[-500:]

            def invitation() -> EmailMessage | None:
                return next((m for m in sink.handler.snapshot() if m["To"].addresses[0].addr_spec == EMAIL), None)

            await eventually(lambda: invitation() is not None, timeout=60)
            account_id = next(a.account_id for a in await world.accounts.listing() if a.email == EMAIL)
            admin_id = next(a.account_id for a in await world.accounts.listing() if a.email == ADMIN)

            active = await submit(notify, PAGE, f"{PAGE}/{account_id}/erase", {"confirm": "yes"})
            assert active.status_code == 409 and "Deactivate the account first" in active.text
            own = await submit(notify, PAGE, f"{PAGE}/{admin_id}/erase", {"confirm": "yes"})
            assert own.status_code == 409 and "your own account" in own.text
            assert (await submit(notify, PAGE, f"{PAGE}/{account_id}/deactivate")).status_code == 303
            erased = await submit(notify, PAGE, f"{PAGE}/{account_id}/erase", {"confirm": "yes"})
            assert erased.status_code == 303, erased.text[-500:]
            page = await notify.get(PAGE)
            assert EMAIL not in page.text and NAME not in page.text and f"an erased account ({account_id})" in page.text

            def tombstoned(records: list[ConsumerRecord[Any, Any]]) -> bool:
                return any(r.key == account_id.encode() and r.value is None for r in records)

            on_topic = await read_records(kafka_bootstrap, topic_prefix + topics.ORGANISERS, until=tombstoned)
            assert tombstoned(on_topic)
            mine = [r for r in on_topic if r.key == account_id.encode()]
            assert mine[-1].value is None and len(mine) > 1  # its snapshots before, the tombstone last

            elsewhere = OrganiserSessions(SECRET, ConfiguredOrganisers(load_congress()), access={})
            reader = RevocationReader(kafka_bootstrap, elsewhere, topic_prefix=topic_prefix, client_id="erasure-test")
            following = asyncio.create_task(reader.run())
            try:
                applied = sum(1 for r in on_topic if r.value is None or b"OrganiserAccountChanged" in r.value)
                await eventually(lambda: reader.applied >= applied, timeout=60)
            finally:
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await following
            assert elsewhere.accounts.get(EMAIL) is None
            assert elsewhere.accounts.get(ADMIN) is not None

            found = await rows_naming(f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}", [EMAIL, NAME])
            assert found == [], found
