"""A new link asked for with an expired one (LinkSent, abstracts or badges) is mailed once, opened from its seal,
to the address the event names."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from schemas.access import AccessKind
from schemas.badges import BadgesLinkSent
from schemas.base import new_event
from services.common.sealing import NOTIFY_LINK, seal
from services.notify.domain.links import LINK_EVENTS
from services.notify.domain.samples import NOW, PREVIEW_SECRET, sample_link_sent
from tests.unit.notify.consumer_world import consumer_world, feed


def plain(raw: bytes) -> str:
    body = BytesParser(policy=policy.default).parsebytes(raw).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_each_new_link_is_mailed_once_with_its_link_opened(tmp_path: Path) -> None:
    reviewer = new_event(sample_link_sent("Rui", "Costa", "fr"), "/tests")
    visa = BadgesLinkSent(
        congress_id="icsei-2027",
        subject_id="d-7",
        kind=AccessKind.VISA,
        email="jurgen@example.org",
        recipient_name="Jürgen Müller",
        language="de",
        sealed_link=seal(PREVIEW_SECRET, NOTIFY_LINK, "https://badges.example.org/visa/tok", bound_to="d-7"),
        expires_at=NOW,
    )
    async with consumer_world(tmp_path, LINK_EVENTS) as world:
        await feed(world, reviewer, new_event(visa, "/tests"))
        await feed(world, reviewer)  # redelivered: no second message
        sent = {m.recipient: plain(m.message) for m in world["mailer"].accepted}
    assert len(world["mailer"].accepted) == 2
    assert "https://abstracts.example.org/review/tok" in sent["zoe@example.org"]
    assert "portail d’évaluation" in sent["zoe@example.org"]
    assert "https://badges.example.org/visa/tok" in sent["jurgen@example.org"] and "Visum" in sent["jurgen@example.org"]
    assert all("s1." not in text for text in sent.values())
