"""Fields of people known by email (authors, presenters, reviewers) are sealed with each person's own key, filed
under a pseudonym of the address; erasing one author leaves the co-authors readable (schemas/personal.py
``Personal(person=...)``, services/common/keyring.py ``person_ref``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.abstracts import AbstractFormat, AbstractSubmitted, Author
from schemas.base import decode
from schemas.personal import ERASED
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.keyring import Keyring, person_keys_table, person_ref
from services.common.outbox import Outbox, outbox_table
from services.common.unit_of_work import transaction

ANA, BO = "Ana.Lima@Example.org", "bo@example.org"


def submitted() -> AbstractSubmitted:
    def author(given: str, email: str, presenting: bool) -> Author:
        return Author(
            given_name=given, family_name="Quispe", email=email, affiliation="PUCP", country="PE", presenting=presenting
        )

    return AbstractSubmitted(
        congress_id="icsei27",
        abstract_id="abs-1",
        reference="ICSEI27-A-0001",
        content_version=1,
        format=AbstractFormat.PAPER,
        network="ecen",
        title="Play in early years",
        text="Text.",
        authors=(author("Ana", ANA, True), author("Bo", BO, False)),
        submitter_email=ANA,
        submitted_at=datetime(2026, 9, 1, tzinfo=UTC),
    )


@pytest.fixture
async def sm() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


def test_a_pseudonym_ignores_case_and_blanks_and_needs_the_secret() -> None:
    ref = person_ref("secret", ANA)
    assert ref == person_ref("secret", "  ana.lima@example.ORG ") and ref.startswith("person-")
    assert ref != person_ref("another secret", ANA) and ref != person_ref("secret", BO)
    assert "ana" not in ref.lower()


async def test_each_author_is_sealed_with_their_own_key_and_erased_alone(sm: async_sessionmaker[AsyncSession]) -> None:
    keyring = Keyring("secret", "abstracts")
    async with transaction(sm, Outbox("/congress/abstracts", keyring)) as uow:
        uow.stage(submitted())
    async with sm() as session:
        subjects = set((await session.execute(select(person_keys_table.c.subject))).scalars())
        value = (
            await session.execute(select(outbox_table.c.value).where(outbox_table.c.topic != "congress.keys"))
        ).scalar_one()
    assert subjects == {person_ref("secret", ANA), person_ref("secret", BO)}  # pseudonyms, no address, no abstract id
    for clear in (b"Ana", b'Bo"', b"Quispe", b"PUCP", b"example.org"):
        assert clear not in value
    opened = decode(value, keyring.opener(final=True)).data
    assert isinstance(opened, AbstractSubmitted)
    assert [a.email for a in opened.authors] == [ANA, BO] and opened.submitter_email == ANA

    async with transaction(sm, Outbox("/congress/abstracts", keyring)) as uow:
        await uow.shred([person_ref("secret", ANA)])
    after = decode(value, keyring.opener(final=True)).data
    assert isinstance(after, AbstractSubmitted)
    ana, bo = after.authors
    assert (ana.given_name, ana.email, ana.affiliation, after.submitter_email) == (ERASED,) * 4
    assert (bo.given_name, bo.email, bo.affiliation) == ("Bo", BO, "PUCP")  # the co-author is untouched
    assert after.title == "Play in early years"  # the work itself is not personal


async def test_a_symposiums_chair_discussant_and_paper_authors_are_sealed_each_with_their_own_key(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    from schemas.abstracts import Symposium, SymposiumPaper, SymposiumRole

    def role(given: str, email: str) -> SymposiumRole:
        return SymposiumRole(
            given_name=given, family_name="Okafor", email=email, affiliation="UNILAG Faculty", country="NG"
        )

    paper_author = Author(
        given_name="Chidi", family_name="Eze", email="chidi@example.net", affiliation="UNN", country="NG"
    )
    papers = tuple(SymposiumPaper(title=f"Paper {n}", text="Text.", authors=(paper_author,)) for n in (1, 2, 3))
    event = submitted().model_copy(
        update={
            "format": AbstractFormat.SYMPOSIUM,
            "symposium": Symposium(
                chair=role("Ngozi", "ngozi@example.net"), discussant=role("Tunde", "tunde@example.net"), papers=papers
            ),
        }
    )
    keyring = Keyring("secret", "abstracts")
    async with transaction(sm, Outbox("/congress/abstracts", keyring)) as uow:
        uow.stage(event)
    async with sm() as session:
        subjects = set((await session.execute(select(person_keys_table.c.subject))).scalars())
        value = (
            await session.execute(select(outbox_table.c.value).where(outbox_table.c.topic != "congress.keys"))
        ).scalar_one()
    # each value as JSON would hold it in clear, quotes included: a random sealed token (base64url) has no quote
    for clear in ("Ngozi", "Tunde", "Okafor", "Chidi", "Eze", "UNILAG Faculty", "UNN", "chidi@example.net"):
        assert f'"{clear}"'.encode() not in value
    assert b"example.net" not in value
    assert {person_ref("secret", e) for e in ("ngozi@example.net", "tunde@example.net")} <= subjects
    async with transaction(sm, Outbox("/congress/abstracts", keyring)) as uow:
        await uow.shred([person_ref("secret", "tunde@example.net")])
    opened = decode(value, keyring.opener(final=True)).data
    assert isinstance(opened, AbstractSubmitted) and opened.symposium is not None
    assert opened.symposium.chair.given_name == "Ngozi" and opened.symposium.papers[0].authors[0].family_name == "Eze"
    assert opened.symposium.discussant is not None and opened.symposium.discussant.given_name == ERASED
