"""The links an event carries sealed for notify, opened just before its message is rendered.

Producers seal the links that let a person in (``services.common.sealing``), so the topic holds no
usable sign-in secret; notify is their one reader. Templates use ``link``: for a current event it is
the opened ``sealed_link``, for a v1 event still on a topic (which carried it in clear) its ``link``.
A seal that does not open (another secret, a damaged value) is a permanent failure of that message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.registration import MagicLinkRequested, MagicLinkRequestedV2
from services.common.sealing import NOTIFY_LINK, unseal


def opened_links(secret: str, data: Any) -> Mapping[str, str]:
    """``{"link": ...}`` for an event that carries one (sealed or, in v1, in clear); else nothing.

    Raises ``services.common.sealing.SealBroken`` when a sealed link does not open.
    """
    if isinstance(data, MagicLinkRequestedV2):
        return {"link": unseal(secret, NOTIFY_LINK, data.sealed_link, bound_to=data.registration_id)}
    if isinstance(data, MagicLinkRequested):
        return {"link": data.link}
    return {}
