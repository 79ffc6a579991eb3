"""Two consumers of one notify (the registration events' and the delegate snapshots') may both meet a delegate
new to them in the same moment: the one that writes second must not fail its batch on the first one's row
(the fault suite saw `notify_contacts_pkey` violations dead-letter events on PostgreSQL), and an older version
must not overwrite a newer one."""

from __future__ import annotations

from sqlalchemy import insert, select

from services.common.db import create_tables
from services.common.runtime import ServiceRuntime
from services.notify.adapters.db import contacts, notify_metadata
from services.notify.adapters.staging import StagedWrites
from services.notify.config import NotifySettings
from services.notify.domain.rules import Contact


async def test_a_contact_written_meanwhile_by_another_consumer_is_updated_not_a_failed_batch(db_url: str) -> None:
    runtime = ServiceRuntime(NotifySettings(database_url=db_url), metadata=notify_metadata)
    await create_tables(runtime.engine, notify_metadata)
    try:
        async with runtime.engine.begin() as conn:  # the other consumer's commit, after this batch looked
            await conn.execute(
                insert(contacts),
                [
                    {
                        "delegate_id": "d-old",
                        "email": "old@x.org",
                        "name": "Old",
                        "language": "en",
                        "registration_number": "R1",
                        "version": 1,
                    },
                    {
                        "delegate_id": "d-new",
                        "email": "newer@x.org",
                        "name": "Newer",
                        "language": "fr",
                        "registration_number": "R2",
                        "version": 5,
                    },
                ],
            )
        staged = StagedWrites()  # this batch believes both are new to it
        staged.contact_writes["d-old"] = Contact("d-old", "fresh@x.org", "Fresh", "de", "R1", 2)
        staged.contact_writes["d-new"] = Contact("d-new", "stale@x.org", "Stale", "en", "R2", 3)
        staged.contact_writes["d-3"] = Contact("d-3", "three@x.org", "Three", "es", "R3", 0)
        async with runtime.sessionmaker() as session, session.begin():
            await staged.write(session)
        async with runtime.engine.connect() as conn:
            rows = {r.delegate_id: r for r in (await conn.execute(select(contacts))).all()}
        assert (rows["d-old"].email, rows["d-old"].version) == ("fresh@x.org", 2)  # newer: taken
        assert (rows["d-new"].email, rows["d-new"].version) == ("newer@x.org", 5)  # older: kept out
        assert rows["d-3"].email == "three@x.org"
    finally:
        await runtime.engine.dispose()
