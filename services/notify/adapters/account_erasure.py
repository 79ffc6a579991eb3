"""Erasing an organiser account: what notify keeps about the person beside the account's row.

What goes, in the erasing transaction (the account's row itself goes in ``SqlOrganiserAccounts.erase``): the
snapshots notify published of the account, still kept in its outbox (their address and name are in clear); its
invitations' sealed records in the outbox, their data keys (shredded, a tombstone on ``congress.keys`` each)
and, since the invitations are on the compacted ``congress.organisers`` too, a tombstone for each invitation id;
the ledger's address, subject and detail of the invitation mails, and any invitation mail still queued. An
invitation is found through the mail notify made of it (the ledger or the queue: an access link to the address
caused by an event on ``congress.organisers``) or as the account's live one. Mail to the same address for another
cause (the person as a delegate or an author) is not the account's: it goes with that person's own erasure. The
account's own tombstone is staged by the command.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from schemas import topics
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
    mailed = select(m.cause_event_id).where(m.to == record.email, m.template == ACCESS_TEMPLATE)
    queued = select(p.cause_event_id).where(p.to == record.email, p.template == ACCESS_TEMPLATE)
    access_links = set((await session.execute(mailed)).scalars()) | set((await session.execute(queued)).scalars())
    invitation_events = select(o.event_id, o.key).where(o.topic == topics.ORGANISERS, o.event_id.in_(access_links))
    rows = (await session.execute(invitation_events)).all()  # the access links that were this account's invitations
    causes = [r.event_id for r in rows]
    invitations = {bytes(r.key).decode() for r in rows} | ({record.invitation_id} if record.invitation_id else set())

    await session.execute(update(messages).where(m.cause_event_id.in_(causes)).values(to="", subject="", detail=""))
    await session.execute(delete(pending).where(p.cause_event_id.in_(causes)))
    keys = [record.account_id.encode(), *(i.encode() for i in sorted(invitations))]
    await session.execute(delete(outbox_table).where(o.topic == topics.ORGANISERS, o.key.in_(keys)))
    await uow.shred(sorted(invitations))
    for invitation_id in sorted(invitations):
        uow.stage_raw(topic=topics.ORGANISERS, key=invitation_id.encode(), value=None, headers=[])
    scrub_after_commit(session)
