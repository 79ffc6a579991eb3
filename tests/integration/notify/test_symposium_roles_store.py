"""What notify keeps of a symposium's chair and discussant, on SQLite and PostgreSQL: the latest decision's
holders by abstract, kept with the session's presenters once told (so a cancellation reaches them), and
forgotten when the person is erased (``AuthorErased``)."""

from __future__ import annotations

from services.common.db import create_tables, make_engine, make_sessionmaker
from services.notify.adapters.abstracts import SqlAbstracts
from services.notify.adapters.db import notify_metadata
from services.notify.adapters.person_erasure import forget_person
from services.notify.adapters.programme import load_session, remember_session
from services.notify.domain.programme import role_told
from services.notify.domain.programme_samples import sample_session
from services.notify.domain.symposium_roles import CHAIR, DISCUSSANT, RoleHolder

SESSION = sample_session()
ABSTRACT = SESSION.presentations[0].abstract_id
HOLDERS = (
    RoleHolder(ABSTRACT, CHAIR, "chidi@example.org", "Chidi Okeke", "fr"),
    RoleHolder(ABSTRACT, DISCUSSANT, "dana@example.org", "Dana Weiss", "en"),
)


async def test_roles_are_kept_told_and_forgotten(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        store = SqlAbstracts(session)
        await store.save_roles("a-other", HOLDERS[:1])
        await store.save_roles(ABSTRACT, HOLDERS[:1])
        await store.save_roles(ABSTRACT, HOLDERS)  # a later decision names both: it replaces the first
        assert await store.roles_of([ABSTRACT]) == HOLDERS
        await store.save_roles("a-other", ())  # rejected after all: nobody kept
        assert await store.roles_of(["a-other"]) == ()
        await remember_session(session, SESSION, role_told(SESSION, HOLDERS))
        _, told = await load_session(session, SESSION.session_id)
        assert {"chidi@example.org", "dana@example.org"} <= {t.email for t in told}
        await forget_person(session, lambda email: email == "chidi@example.org", [])
        assert await store.roles_of([ABSTRACT]) == HOLDERS[1:]
        _, told = await load_session(session, SESSION.session_id)
        assert "chidi@example.org" not in {t.email for t in told}
    await engine.dispose()
