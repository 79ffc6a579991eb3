"""notify's CPU to build one mail of the pipeline: the confirmation, and the badge mail with its PDF attached.

    uv run python -m bench.notify_mail [--messages 500] [--pdf-bytes 14513]

Builds each message as notify does (``MailBuilder.build``: links opened, the PDF read from a
file, Jinja + Babel, MIME composed) for the sample delegate of ``congress notify preview``, and
gives the CPU ms per message; then the aiosmtplib preparation of the DATA it sends (line endings
and dot-stuffing over the whole message). The badge mail is also built with the attachment part
written by ``email`` itself (``MIMEPart.set_content`` + ``as_bytes``, what the composer did before
decision 59), alternating with the current composer in the same run, so the two
figures are a pair. The PDF is random bytes of a badge's size (base64 does not care what they
are). Prints a table and writes bench/results/notify_mail.json. Never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import MIMEPart
from functools import partial
from pathlib import Path
from unittest import mock

from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

from services.common.congress import load_congress
from services.notify.adapters import compose
from services.notify.adapters.compose import Attachment, address
from services.notify.adapters.files import FileDocuments
from services.notify.adapters.mail import MailBuilder
from services.notify.adapters.render import Renderer
from services.notify.domain.rules import plan_messages
from services.notify.domain.samples import PREVIEW_SECRET, sample_contact, sample_delegate, sample_events

RESULTS = Path(__file__).resolve().parent / "results" / "notify_mail.json"
TEMPLATES = ("registration_confirmed", "badge_ready")


def stdlib_attachment_part(item: Attachment) -> bytes:
    """The attachment part as the composer wrote it before: all through ``email``."""
    part = MIMEPart(policy=policy.SMTP)
    part.set_content(
        item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename, params=dict(item.params)
    )
    return part.as_bytes()


def smtp_data(message: bytes) -> bytes:
    """What aiosmtplib does to a message before DATA: line endings normalised, lines starting with a dot doubled."""
    return PERIOD_REGEX.sub(b"..", normalize_message_line_endings(message))


def cpu_ms(work: Callable[[], object], n: int) -> float:
    for _ in range(min(n, 20)):
        work()
    started = time.process_time()
    for _ in range(n):
        work()
    return round((time.process_time() - started) / n * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500, help="messages built per figure")
    parser.add_argument("--pdf-bytes", type=int, default=14_513, help="the badge PDF's size (a demo badge's)")
    args = parser.parse_args()
    congress = load_congress()
    builder = MailBuilder(
        renderer=Renderer(congress),
        documents=FileDocuments(),
        sender=address(congress.short_name, str(congress.contact.email)),
        clock=lambda: datetime(2027, 1, 15, 9, 0, tzinfo=UTC),
        link_secret=PREVIEW_SECRET,
    )
    with tempfile.TemporaryDirectory() as home:
        pdf = Path(home) / "badge.pdf"
        pdf.write_bytes(random.Random(11).randbytes(args.pdf_bytes))
        delegate = sample_delegate("Anna", "Müller", language="en")
        events = sample_events(delegate, str(pdf))
        plans = {
            t: next(p for p in plan_messages(events[t], "bench", sample_contact(delegate), {}) if p.template == t)
            for t in TEMPLATES
        }
        figures: dict[str, float] = {}
        sizes: dict[str, int] = {}
        for template, plan in plans.items():
            message = builder.build(plan, "<bench@example.org>")[0].message
            sizes[template] = len(message)
            figures[f"{template}: build"] = cpu_ms(partial(builder.build, plan, "<bench@example.org>"), args.messages)
            figures[f"{template}: aiosmtplib DATA preparation"] = cpu_ms(partial(smtp_data, message), args.messages)
        badge = plans["badge_ready"]
        pairs: dict[str, list[float]] = {"now": [], "stdlib part": []}
        for _ in range(3):
            pairs["now"].append(cpu_ms(partial(builder.build, badge, "<bench@example.org>"), args.messages))
            with mock.patch.object(compose, "_attachment_part", stdlib_attachment_part):
                pairs["stdlib part"].append(cpu_ms(partial(builder.build, badge, "<bench@example.org>"), args.messages))
    for name, value in figures.items():
        print(f"{name:55} {value:7.3f} ms CPU/message")
    for name, values in pairs.items():
        print(f"badge_ready build, attachment part {name:20} {min(values):7.3f} ms CPU/message (best of 3: {values})")
    print(f"message sizes {sizes}; load average {os.getloadavg()}")
    RESULTS.parent.mkdir(exist_ok=True)
    result = {
        "cpu_ms_per_message": figures,
        "badge_ready_build_paired_cpu_ms": pairs,
        "message_bytes": sizes,
        "pdf_bytes": args.pdf_bytes,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
