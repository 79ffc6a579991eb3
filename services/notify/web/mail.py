"""The demo's mail page: what delegates received, with their attachments (served by notify on /mail).

Mounted only while notify runs its embedded SMTP sink (with a real relay there is no mail to
show), and only for a signed-in organiser: the messages hold every delegate's links,
invoices and visa letters. The listing is paginated, newest first, and every maildir read
runs on a worker thread (the ``Mailbox`` port; ``adapters/mailindex.py``), so a big mailbox never stalls
the service.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.common.congress import Congress
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.notify.ports import Mailbox

PAGE_SIZE = 50
PAGES_DIR = Path(__file__).resolve().parent.parent / "templates" / "pages"


def mail_router(
    congress: Congress, mailbox: Mailbox, sessions: OrganiserSessions, *, page_size: int = PAGE_SIZE
) -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_organiser(sessions))])
    env = Environment(loader=FileSystemLoader(str(PAGES_DIR)), autoescape=select_autoescape(["html.j2"]))

    @router.get("/mail", response_class=HTMLResponse)
    async def list_mail(page: int = Query(1, ge=1, le=1_000_000)) -> HTMLResponse:
        listing = await mailbox.page(page, page_size)
        html = env.get_template("mail_list.html.j2").render(congress=congress, maildir=mailbox.location, page=listing)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    @router.get("/mail/{key}", response_class=HTMLResponse)
    async def show_mail(key: str) -> HTMLResponse:
        message = await mailbox.read(key)
        if message is None:
            raise HTTPException(404, "no such message")
        html_part = message.get_body(("html",))
        text_part = message.get_body(("plain",))
        headers = [
            (name, str(message[name])) for name in ("From", "To", "Date", "Message-ID") if message[name] is not None
        ]
        page = env.get_template("mail_view.html.j2").render(
            congress=congress,
            key=key,
            subject=str(message["Subject"] or ""),
            headers=headers,
            html=html_part.get_content() if html_part is not None else "",
            text=text_part.get_content() if text_part is not None else "",
            attachments=[part.get_filename() or "attachment" for part in message.iter_attachments()],
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @router.get("/mail/{key}/raw")
    async def raw_mail(key: str) -> Response:
        message = await mailbox.read(key)
        if message is None:
            raise HTTPException(404, "no such message")
        return Response(
            message.as_bytes(),
            media_type="message/rfc822",
            headers={"Content-Disposition": 'attachment; filename="message.eml"', "Cache-Control": "no-store"},
        )

    @router.get("/mail/{key}/attachments/{index}")
    async def attachment(key: str, index: int) -> Response:
        message = await mailbox.read(key)
        parts = list(message.iter_attachments()) if message is not None else []
        if not 0 <= index < len(parts):
            raise HTTPException(404, "no such attachment")
        part = parts[index]
        content = part.get_payload(decode=True)
        filename = part.get_filename() or f"attachment-{index}"
        safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "attachment"
        return Response(
            content,
            media_type=part.get_content_type(),
            headers={
                "Content-Disposition": f'attachment; filename="{safe}"',
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    return router
