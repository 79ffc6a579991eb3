"""The demo's mail page: what delegates received, with their attachments (served by notify on /mail)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.common.congress import Congress
from services.notify.mailsink import read_mailbox, read_message
from services.notify.render import TEMPLATE_DIR


def mail_router(congress: Congress, maildir: Path) -> APIRouter:
    router = APIRouter()
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR / "pages")), autoescape=select_autoescape(["html.j2"]))

    @router.get("/mail", response_class=HTMLResponse)
    async def list_mail() -> HTMLResponse:
        page = env.get_template("mail_list.html.j2").render(
            congress=congress, maildir=str(maildir), messages=read_mailbox(maildir)
        )
        return HTMLResponse(page)

    @router.get("/mail/{key}", response_class=HTMLResponse)
    async def show_mail(key: str) -> HTMLResponse:
        message = read_message(maildir, key)
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
        return HTMLResponse(page)

    @router.get("/mail/{key}/raw")
    async def raw_mail(key: str) -> Response:
        message = read_message(maildir, key)
        if message is None:
            raise HTTPException(404, "no such message")
        return Response(
            message.as_bytes(),
            media_type="message/rfc822",
            headers={"Content-Disposition": 'attachment; filename="message.eml"'},
        )

    @router.get("/mail/{key}/attachments/{index}")
    async def attachment(key: str, index: int) -> Response:
        message = read_message(maildir, key)
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
            headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Content-Type-Options": "nosniff"},
        )

    return router
