"""The organisers' broadcasts as the console counts them: whom each was for, how many it reached, how many failed.

A ``BroadcastRequested`` part tells the subject, the segment and the total; notify's
``NotificationSent``/``NotificationFailed`` with template ``broadcast`` name the broadcast as their
``cause_event_id``. Recipients are counted as sets, so a message notify had to send twice (killed
between the server's answer and its record) counts once, as does a part or a notice read twice.
``requested_by`` is the organiser's account id (an address before decision 75); ``figures`` names it through
the function it is given (the organiser directory's ``shown_actor``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEMPLATE = "broadcast"


@dataclass
class Broadcast:
    subject: str = ""
    segment: str = ""
    total: int = 0
    requested_by: str = ""
    requested_at: str = ""
    sent: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


@dataclass
class BroadcastTally:
    by_id: dict[str, Broadcast] = field(default_factory=dict)

    def requested(self, data: Mapping[str, Any]) -> None:
        one = self.by_id.setdefault(str(data.get("broadcast_id", "")), Broadcast())
        default = str(data.get("default_language", ""))
        versions = [v for v in data.get("versions") or () if isinstance(v, Mapping)]
        chosen = next((v for v in versions if v.get("language") == default), versions[0] if versions else {})
        one.subject = str(chosen.get("subject", ""))
        one.segment = str(data.get("segment", ""))
        one.total = int(data.get("total", 0))
        one.requested_by = str(data.get("requested_by", ""))
        one.requested_at = str(data.get("requested_at", ""))

    def notified(self, data: Mapping[str, Any], *, sent: bool) -> None:
        if data.get("template") != TEMPLATE:
            return
        one = self.by_id.setdefault(str(data.get("cause_event_id", "")), Broadcast())
        recipient = str(data.get("recipient_id", ""))
        if sent:
            one.sent.add(recipient)
            one.failed.discard(recipient)
        elif recipient not in one.sent:
            one.failed.add(recipient)

    def figures(self, name_organiser: Callable[[str], str] = str) -> list[dict[str, Any]]:
        """Newest first; ``requested_by`` as ``name_organiser`` names the account."""
        rows = [
            {
                "broadcast_id": broadcast_id,
                "subject": b.subject,
                "segment": b.segment,
                "total": b.total,
                "sent": len(b.sent),
                "failed": len(b.failed),
                "requested_by": name_organiser(b.requested_by),
                "requested_at": b.requested_at,
            }
            for broadcast_id, b in self.by_id.items()
        ]
        return sorted(rows, key=lambda r: (r["requested_at"], r["broadcast_id"]), reverse=True)
