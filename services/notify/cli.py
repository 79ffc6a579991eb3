"""``congress notify ...``: preview any message as a delegate would receive it."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Annotated, Any

import typer

from services.common.congress import load_congress
from services.notify.adapters.compose import compose
from services.notify.adapters.opened import opened_links
from services.notify.adapters.render import Rendered, Renderer
from services.notify.domain.abstracts import ABSTRACT_TEMPLATES, abstracts_settings, plan_abstract_messages
from services.notify.domain.links import ACCESS_TEMPLATE, access_plan
from services.notify.domain.presenter_samples import sample_presenter_events
from services.notify.domain.presenters import PRESENTER_TEMPLATES, plan_presenter_messages
from services.notify.domain.programme import PROGRAMME_TEMPLATES, plan_programme_messages, programme_settings
from services.notify.domain.programme_samples import sample_programme_events
from services.notify.domain.releases import TEMPLATE as RELEASE_TEMPLATE
from services.notify.domain.releases import plan_release_letter
from services.notify.domain.rules import (
    REMINDER_TEMPLATE,
    TEMPLATES,
    message_id,
    plan_messages,
    reminder_plan,
)
from services.notify.domain.samples import (
    PREVIEW_SECRET,
    sample_abstract_events,
    sample_contact,
    sample_delegate,
    sample_events,
    sample_link_sent,
    sample_release,
)

MESSAGE_TYPES: tuple[str, ...] = (
    *TEMPLATES,
    *ABSTRACT_TEMPLATES,
    *PROGRAMME_TEMPLATES,
    *PRESENTER_TEMPLATES,
    ACCESS_TEMPLATE,
)
"""Every message notify sends, by template name."""

app = typer.Typer(help="Notifications: preview the emails delegates receive.", no_args_is_help=True)


def render_example(
    template: str, *, given: str, family: str, language: str, config: str | None = None
) -> tuple[Rendered, dict[str, Any]]:
    """Render ``template`` for a sample delegate; returns the parts and the context used."""
    congress = load_congress(config)
    if template in ABSTRACT_TEMPLATES:
        return render_abstract_example(template, given=given, family=family, language=language, config=config)
    if template in PROGRAMME_TEMPLATES:
        return render_programme_example(template, given=given, family=family, language=language, config=config)
    if template in PRESENTER_TEMPLATES:
        return render_presenter_example(template, given=given, family=family, language=language, config=config)
    if template == ACCESS_TEMPLATE:
        plan = access_plan(sample_link_sent(given, family, language), "preview")
        context = {**plan.context, **opened_links(PREVIEW_SECRET, plan.context), "recipient": plan.recipient}
        return Renderer(congress).render(template, language, context | {"documents": []}), context
    delegate = sample_delegate(given, family, language=language)
    contact = sample_contact(delegate)
    event = sample_events(delegate)[template]
    if template == REMINDER_TEMPLATE:
        plan = reminder_plan(contact, "preview", event)  # type: ignore[arg-type]
    else:
        plan = next(
            p
            for p in plan_messages(event, "preview", contact, {"badge": congress.branding.website})
            if p.template == template
        )
    documents = [{"filename": d.filename, "attached": True, "link": None} for d in plan.documents]
    opened = opened_links(PREVIEW_SECRET, plan.context)
    context = {**plan.context, **opened, "recipient": plan.recipient, "documents": documents}
    return Renderer(congress).render(template, language, context), context


def render_abstract_example(
    template: str, *, given: str, family: str, language: str, config: str | None = None
) -> tuple[Rendered, dict[str, Any]]:
    """Render an abstracts message whose recipient is the sample author or reviewer ``given family``."""
    congress = load_congress(config)
    settings = abstracts_settings(congress.section("abstracts"), congress.section("registration"))
    if template == RELEASE_TEMPLATE:
        plan = plan_release_letter(sample_release(given, family, language=language), "preview", settings)
    else:
        event, known = sample_abstract_events(given, family, language=language)[template]
        plans = plan_abstract_messages(event, "preview", settings, known)
        plan = next(p for p in plans if p.template == template and p.recipient.email == "zoe@example.org")
    context = {
        **plan.context,
        **opened_links(PREVIEW_SECRET, plan.context),
        "recipient": plan.recipient,
        "documents": [],
    }
    return Renderer(congress).render(template, language, context), context


def render_programme_example(
    template: str, *, given: str, family: str, language: str, config: str | None = None
) -> tuple[Rendered, dict[str, Any]]:
    """Render a programme message whose recipient is the sample presenter ``given family``."""
    congress = load_congress(config)
    event, known = sample_programme_events(given, family, language=language)[template]
    settings = programme_settings(programme=congress.section("programme"), abstracts=congress.section("abstracts"))
    plans = plan_programme_messages(event, "preview", settings, known)
    plan = next(p for p in plans if p.template == template and p.recipient.email == "zoe@example.org")
    context = {**plan.context, "recipient": plan.recipient, "documents": []}
    return Renderer(congress).render(template, language, context), context


def render_presenter_example(
    template: str, *, given: str, family: str, language: str, config: str | None = None
) -> tuple[Rendered, dict[str, Any]]:
    """Render a presenter-registration message for the sample presenter ``given family`` (the team's
    message, about them, is written in ``language`` too)."""
    congress = load_congress(config)
    event = sample_presenter_events(given, family, language=language)[template]
    plans = plan_presenter_messages(event, "preview", team_email=str(congress.contact.email), team_language=language)
    plan = next(
        p for p in plans if p.template == template and p.recipient.email in ("zoe@example.org", congress.contact.email)
    )
    context = {**plan.context, "recipient": plan.recipient, "documents": []}
    return Renderer(congress).render(template, language, context), context


@app.command()
def preview(
    template: Annotated[str, typer.Argument(help=f"One of: {', '.join(MESSAGE_TYPES)}")],
    part: Annotated[str, typer.Option(help="text, html or eml (the whole MIME message)")] = "text",
    language: Annotated[str, typer.Option(help="Delegate's language, e.g. en, de, ja, ar")] = "en",
    given: Annotated[str, typer.Option(help="Sample given name")] = "Zoë",
    family: Annotated[str, typer.Option(help="Sample family name")] = "Ørsted-Müller",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file")] = None,
    config: Annotated[str | None, typer.Option(envvar="CONGRESS_CONFIG", help="Congress YAML")] = None,
) -> None:
    """Render an example of a message type to the terminal or a file."""
    if template not in MESSAGE_TYPES:
        raise typer.BadParameter(f"unknown message type {template!r}; choose one of {', '.join(MESSAGE_TYPES)}")
    rendered, context = render_example(template, given=given, family=family, language=language, config=config)
    if part == "html":
        content: str | bytes = rendered.html
    elif part == "eml":
        congress = load_congress(config)
        domain = str(congress.contact.email).rpartition("@")[2]
        recipient = context["recipient"]
        content = compose(
            rendered=rendered,
            sender=Address(congress.short_name, addr_spec=str(congress.contact.email)),
            to_name=recipient.name,
            to_address=recipient.email,
            message_id=message_id("preview", template, domain),
            date=datetime.now(UTC),
        ).message
    else:
        content = f"Subject: {rendered.subject}\n\n{rendered.text}"
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode())
        typer.echo(f"wrote {output}")
    else:
        typer.echo(content if isinstance(content, str) else content.decode())


@app.command("templates")
def list_templates() -> None:
    """List every message type."""
    for name in MESSAGE_TYPES:
        typer.echo(name)
