"""A session's chair through notify's consumer (SQLite, a fake mailer): a chair replaced by a later version hears
once that they no longer chair it, a redelivery sends nothing more, and a chair who also presents is kept once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from schemas.base import new_event
from schemas.programme import SessionCancelled
from services.notify.domain.programme import PROGRAMME_EVENTS, ProgrammeSettings
from services.notify.domain.programme_samples import sample_session
from tests.unit.notify.consumer_world import consumer_world, feed
from tests.unit.notify.test_programme_handlers import got, last_to, text

NOOR = {"chair": "Noor Haddad", "chair_email": "noor@example.org", "chair_language": "de"}
SAM = {"chair": "Sam Lee", "chair_email": "sam@example.org", "chair_language": "en"}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with consumer_world(tmp_path, PROGRAMME_EVENTS, programme=ProgrammeSettings()) as world:
        yield world


def chairs(world: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter({k: n for k, n in got(world).items() if k[1] in ("session_chaired", "session_unchaired")})


async def test_a_replaced_chair_hears_once_and_so_does_a_removed_one(world: dict[str, Any]) -> None:
    v1 = sample_session().model_copy(update=NOOR)
    await feed(world, new_event(v1, "/tests"))
    v2 = new_event(v1.model_copy(update={**SAM, "programme_version": 2}), "/tests")
    await feed(world, v2)
    await feed(world, v2)  # redelivered: nothing new
    assert chairs(world) == Counter(
        {
            ("noor@example.org", "session_chaired"): 1,
            ("noor@example.org", "session_unchaired"): 1,
            ("sam@example.org", "session_chaired"): 1,
        }
    )
    gone = last_to(world, "noor@example.org")
    assert "Sie leiten die Sitzung Data use <in> practice & policy nicht mehr" in str(gone["Subject"])
    [part] = [p for p in gone.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL"

    v3 = v1.model_copy(update={"chair": None, "chair_email": None, "programme_version": 3})
    await feed(world, new_event(v3, "/tests"))
    assert chairs(world)[("sam@example.org", "session_unchaired")] == 1
    await feed(world, new_event(v1.model_copy(update={"programme_version": 4}), "/tests"))  # Noor again
    assert chairs(world)[("noor@example.org", "session_chaired")] == 2
    assert "vous" not in text(last_to(world, "noor@example.org"))  # German, and told as a chair anew
    assert "Sie leiten die Sitzung" in str(last_to(world, "noor@example.org")["Subject"])


async def test_a_chair_who_also_presents_is_kept_once_and_hears_of_the_cancellation(world: dict[str, Any]) -> None:
    session = sample_session()
    kwame = session.presentations[0].presenters[0]
    as_chair = {"chair": kwame.name, "chair_email": kwame.email, "chair_language": kwame.language}
    await feed(world, new_event(session.model_copy(update=as_chair), "/tests"))
    assert got(world)[(kwame.email, "session_chaired")] == 1
    cancelled = SessionCancelled(
        congress_id=session.congress_id,
        session_id=session.session_id,
        title=session.title,
        reason="Room lost",
        programme_version=2,
    )
    await feed(world, new_event(cancelled, "/tests"))
    assert got(world)[(kwame.email, "session_cancelled")] == 1
