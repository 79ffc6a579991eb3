"""Building one planned message: links opened, documents read, templates rendered, MIME composed.

The ``MessageBuilder`` of the commands. A message that can never go (an invalid address,
a document that is not there, a link seal that does not open) raises ``Undeliverable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Any

from services.common import broadcast_mail
from services.common.ics import Method, calendar_document
from services.common.sealing import SealBroken
from services.notify.adapters.compose import Attachment, compose
from services.notify.adapters.opened import opened_links
from services.notify.adapters.render import Rendered, Renderer
from services.notify.domain.broadcast import TEMPLATE as BROADCAST
from services.notify.domain.broadcast import Broadcast
from services.notify.domain.delivery import Envelope, Undeliverable
from services.notify.domain.rules import MessagePlan
from services.notify.ports import Clock, Documents

CALENDAR_FILENAME = "programme.ics"


@dataclass
class MailBuilder:
    renderer: Renderer
    documents: Documents
    sender: Address
    clock: Clock
    link_secret: str = ""
    """Opens the links producers sealed for notify (the congress secret; ``opened.py``)."""
    attachment_max_bytes: int = 5_000_000

    def build(self, plan: MessagePlan, message_id: str) -> tuple[Envelope, str]:
        attachments, documents = self._documents(plan)
        if plan.calendar:
            attachments += (self._calendar(plan),)
            documents.append({"filename": CALENDAR_FILENAME, "attached": True, "link": None})
        try:
            opened = opened_links(self.link_secret, plan.context)
        except SealBroken as exc:
            raise Undeliverable(str(exc)) from exc
        context = {**plan.context, **opened, "recipient": plan.recipient, "documents": documents}
        if plan.template == BROADCAST:
            rendered = self._broadcast(plan)
        else:
            rendered = self.renderer.render(plan.template, plan.recipient.language, context)
        envelope = compose(
            rendered=rendered,
            sender=self.sender,
            to_name=plan.recipient.name,
            to_address=plan.recipient.email,
            message_id=message_id,
            date=self.clock(),
            attachments=attachments,
            extra_headers=(("X-Congress-Template", plan.template), ("X-Congress-Cause", plan.cause_event_id)),
        )
        return envelope, rendered.subject

    def _broadcast(self, plan: MessagePlan) -> Rendered:
        """An organisers' message, rendered by the same code as registration's preview of it."""
        broadcast: Broadcast = plan.context["broadcast"]
        out = broadcast_mail.render(
            self.renderer.congress,
            broadcast.versions,
            broadcast.default_language,
            name=plan.recipient.name,
            language=plan.recipient.language,
        )
        return Rendered(subject=out.subject, text=out.text, html=out.html)

    def _calendar(self, plan: MessagePlan) -> Attachment:
        """The plan's slots as one ``text/calendar`` file (METHOD:PUBLISH): a calendar program adds them, and a
        later file with the same UIDs and a higher SEQUENCE updates them. A file whose every entry is cancelled
        says METHOD:CANCEL, so the program drops them."""
        method = Method.CANCEL if all(entry.cancelled for entry in plan.calendar) else Method.PUBLISH
        body = calendar_document(
            plan.calendar,
            name=self.renderer.congress.short_name,
            timezone=self.renderer.congress.timezone,
            stamp=self.clock(),
            method=method,
        )
        params = (("charset", "utf-8"), ("method", method.value))
        return Attachment(CALENDAR_FILENAME, body, maintype="text", subtype="calendar", params=params)

    def _documents(self, plan: MessagePlan) -> tuple[tuple[Attachment, ...], list[Mapping[str, Any]]]:
        attachments: list[Attachment] = []
        shown: list[Mapping[str, Any]] = []
        for doc in plan.documents:
            if doc.location.startswith(("http://", "https://")):
                shown.append({"filename": doc.filename, "attached": False, "link": doc.location})
                continue
            content = self.documents.read(doc.location, self.attachment_max_bytes)
            if content is None:
                shown.append({"filename": doc.filename, "attached": False, "link": doc.fallback_link})
            else:
                attachments.append(Attachment(filename=doc.filename, content=content))
                shown.append({"filename": doc.filename, "attached": True, "link": None})
        return tuple(attachments), shown
