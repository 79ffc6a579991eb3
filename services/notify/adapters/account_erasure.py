"""Erasing an organiser account: what notify keeps about the person beside the account's row.

What goes, in the erasing transaction (the account's row itself goes in ``SqlOrganiserAccounts.erase``): the
snapshots notify published of the account, still kept in its outbox (their address and name are in clear); its
invitations' sealed records in the outbox, their data keys (shredded, a tombstone on ``congress.keys`` each)
and, since the invitations are on the compacted ``congress.organisers`` too, a tombstone for each invitation id;
the ledger's address, subject and detail of the invitation mails, and any invitation mail still queued. An
invitation is found as the outbox row of an ``OrganiserInvited`` to the account's address (opened with notify's
keys; a handful of rows per account) or as the account's live one. Mail to the same address for another
cause (the person as a delegate or an author) is not the account's: it goes with that person's own erasure. The
account's own tombstone is staged by the command.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from schemas import topics
from schemas.base import InvalidEvent, decode
from schemas.organisers import OrganiserInvited
from services.common.db import scrub_after_commit
from services.common.outbox import outbox_table
from services.common.unit_of_work import UnitOfWork
from services.notify.adapters.db import messages, pending
from services.notify.domain.accounts import OrganiserRecord
from services.notify.domain.links import ACCESS_TEMPLATE


async def forget_traces(uow: UnitOfWork, record: OrganiserRecord) -> None:
    """Everything above but the account's row, in ``uow``'s transaction."""
    session = uow.session
    o, m, p = outbox_table.c, messages.c, pending.c
    invitations = {record.invitation_id} if record.invitation_id else set()
    kept = await session.execute(select(o.key, o.value).where(o.topic == topics.ORGANISERS, o.value.is_not(None)))
    invitations |= {bytes(key).decode() for key, value in kept if _invites(uow, bytes(value), record.email)}

    mail = sorted(invitations)  # an invitation's mail is addressed to its id (``links.access_plan``)
    await session.execute(
        update(messages)
        .where(m.recipient_id.in_(mail), m.template == ACCESS_TEMPLATE)
        .values(to="", subject="", detail="")
    )
    await session.execute(delete(pending).where(p.recipient_id.in_(mail), p.template == ACCESS_TEMPLATE))
    keys = [record.account_id.encode(), *(i.encode() for i in mail)]
    await session.execute(delete(outbox_table).where(o.topic == topics.ORGANISERS, o.key.in_(keys)))
    await uow.shred(mail)
    for invitation_id in mail:
        uow.stage_raw(topic=topics.ORGANISERS, key=invitation_id.encode(), value=None, headers=[])
    scrub_after_commit(session)


def _invites(uow: UnitOfWork, value: bytes, email: str) -> bool:
    """Whether an outbox row of ``congress.organisers`` is an invitation to ``email`` (its address opened)."""
    if OrganiserInvited.__name__.encode() not in value:
        return False  # a snapshot: the account's are found by their key
    try:
        data = decode(uow.outbox.open_value(value)).data
    except InvalidEvent:
        return False
    return isinstance(data, OrganiserInvited) and data.email.strip().lower() == email
