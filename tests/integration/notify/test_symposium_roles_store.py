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


async def test_a_submitter_erased_before_the_submission_arrives_stays_nameless(db_url: str) -> None:
    """``AuthorErased`` and the abstract's own events travel on different partitions: a submission (or a
    revision) notify opens after the erasure, before it heard the key was shredded, must not bring the
    name back — whether notify had seen the abstract before the erasure or not."""
    from schemas.abstracts import AbstractFormat
    from services.notify.adapters.abstracts import load_abstract, save_abstract
    from services.notify.domain.abstracts import AbstractSeen

    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    named = AbstractSeen(asked_format=AbstractFormat.POSTER, submitter_name="Ximena Quispe")
    async with sessions.begin() as session:
        await save_abstract(session, "a-seen", named, 1)
        await save_abstract(session, "a-other", named, 1)
        await forget_person(session, lambda _email: False, ["a-seen", "a-late"])
        await save_abstract(session, "a-late", named, 1)  # the submission, after the erasure
        await save_abstract(session, "a-seen", named, 2)  # a revision opened late
        late, seen, other = [await load_abstract(session, a) for a in ("a-late", "a-seen", "a-other")]
    assert late is not None and late.submitter_name == "" and late.asked_format is AbstractFormat.POSTER
    assert seen is not None and seen.submitter_name == ""
    assert other is not None and other.submitter_name == "Ximena Quispe"  # someone else's abstract keeps its name
    await engine.dispose()
