"""The organisers' messages to delegates as email: Markdown in, sanitised HTML and plain text out.

One module renders a broadcast for both services that need it: registration's compose page
shows its preview with it, and notify sends exactly what it renders (so the preview *is* the
mail). Markdown is parsed by markdown-it-py with raw HTML off (an organiser's ``<script>`` or
``<img onerror>`` stays visible text), then the HTML is cleaned by nh3 (ammonia) with a short
list of tags and only http, https and mailto links, so no script, no event handler and no
``javascript:`` URL can reach an inbox. The plain-text part is the Markdown source, which reads
well as it is, less any HTML tag an organiser typed.

The frame around the body (greeting, sign-off, footer) is in the recipient's language where
notify has wording for it (``WORDING``; a test keeps it equal to notify's catalogues).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape, unescape

import nh3
from babel.dates import format_date
from markdown_it import MarkdownIt

from services.common.congress import Congress
from services.common.text import clean_for_display

LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de")
"""The languages notify writes its mail in (its catalogues); a broadcast may have one version per language."""

WORDING: Mapping[str, Mapping[str, str]] = {
    "en": {"dear": "Dear %(name)s,", "regards": "With best wishes,", "questions": "Questions? %(email)s"},
    "fr": {"dear": "Bonjour %(name)s,", "regards": "Bien cordialement,", "questions": "Des questions\u00a0? %(email)s"},
    "es": {"dear": "Estimado/a %(name)s:", "regards": "Saludos cordiales,", "questions": "¿Preguntas? %(email)s"},
    "de": {"dear": "Guten Tag %(name)s,", "regards": "Mit freundlichen Grüßen", "questions": "Fragen? %(email)s"},
}
"""notify's own translations of the frame's three sentences (msgids ``Dear %(name)s,`` and so on)."""

MAX_SUBJECT = 200
MAX_BODY = 20_000
"""Characters of Markdown per version: 4 versions stay far below a Kafka record's 1 MB."""

ALLOWED_TAGS = frozenset(
    {"a", "p", "br", "hr", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "s"}
)
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True)
class Version:
    """One language's subject and Markdown body."""

    language: str
    subject: str
    body_markdown: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str
    """The version's language (which of the organiser's versions this recipient gets)."""


@functools.cache
def _parser() -> MarkdownIt:
    # "js-default": CommonMark with raw HTML off and markdown-it's own link validation; tables and strikethrough on.
    return MarkdownIt("js-default").enable(["table", "strikethrough"])


@functools.lru_cache(maxsize=64)
def markdown_html(source: str) -> str:
    """The body as HTML that is safe in an email: Markdown rendered, then sanitised (once per body: a broadcast
    renders the same few bodies for thousands of recipients)."""
    html = _parser().render(clean_for_display(source, multiline=True))
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer",
    )


@functools.lru_cache(maxsize=64)
def markdown_text(source: str) -> str:
    """The plain-text part: the Markdown as written, less any HTML tag (a script's content too)."""
    return unescape(nh3.clean(clean_for_display(source, multiline=True), tags=set())).strip()


def base_language(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def version_for(versions: Sequence[Version], language: str, default_language: str) -> Version:
    """The recipient's language's version where one exists (``fr-CA`` takes ``fr``), else the default's."""
    by_language = {base_language(v.language): v for v in versions}
    return by_language.get(base_language(language)) or by_language.get(base_language(default_language)) or versions[0]


def render(
    congress: Congress, versions: Sequence[Version], default_language: str, *, name: str, language: str
) -> Rendered:
    """The whole message as recipient ``name`` with ``language`` receives it."""
    version = version_for(versions, language, default_language)
    lang = base_language(version.language)
    words = WORDING.get(lang, WORDING["en"])
    subject = " ".join(clean_for_display(version.subject).split())
    name = " ".join(clean_for_display(name).split())
    dates = f"{_day(congress, lang, True)} – {_day(congress, lang, False)}"
    venue = f"{congress.venue.name}, {congress.venue.city}"
    email = str(congress.contact.email)
    greeting = words["dear"] % {"name": name} if name else ""
    text = "\n".join(
        [
            *([greeting, ""] if greeting else []),
            markdown_text(version.body_markdown),
            "",
            words["regards"],
            congress.legal.organiser_name,
            "",
            "--",
            congress.name,
            f"{dates} · {venue}",
            words["questions"] % {"email": email},
            "",
        ]
    )
    html = _html(congress, subject, lang, version, greeting, words, dates, venue, email)
    return Rendered(subject=subject, text=text, html=html, language=lang)


def _day(congress: Congress, language: str, first: bool) -> str:
    return str(format_date(congress.starts_on if first else congress.ends_on, format="long", locale=language))


def _html(
    congress: Congress,
    subject: str,
    lang: str,
    version: Version,
    greeting: str,
    words: Mapping[str, str],
    dates: str,
    venue: str,
    email: str,
) -> str:
    e = escape
    primary, accent = e(congress.branding.primary_colour), e(congress.branding.accent_colour)
    link = f'<a href="mailto:{e(email)}" style="color:{primary};">{e(email)}</a>'
    hello = f'<p dir="auto">{e(greeting)}</p>' if greeting else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{e(subject)}</title>\n</head>\n'
        "<body style=\"margin:0;padding:0;background:#f4f5f7;font-family:'Noto Sans',Arial,sans-serif;color:#222;\">\n"
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">\n'
        '<tr><td align="center" style="padding:24px 12px;">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" '
        f'style="max-width:600px;background:#ffffff;border-top:6px solid {primary};">\n'
        f'<tr><td style="padding:20px 28px;background:{primary};color:#ffffff;">\n'
        f'<div style="font-size:13px;letter-spacing:.05em;text-transform:uppercase;">{e(congress.short_name)}</div>\n'
        f'<div style="font-size:18px;font-weight:bold;">{e(congress.name)}</div>\n</td></tr>\n'
        '<tr><td style="padding:28px;font-size:15px;line-height:1.55;">\n'
        f"{hello}\n{markdown_html(version.body_markdown)}"
        f'<p style="margin-top:28px;">{e(words["regards"])}<br>{e(congress.legal.organiser_name)}</p>\n</td></tr>\n'
        f'<tr><td style="padding:16px 28px;border-top:3px solid {accent};font-size:12px;color:#555;">\n'
        f"{e(congress.name)} · {e(dates)} · {e(venue)}<br>\n"
        f"{_questions(words['questions'], link)}\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n"
    )


def _questions(sentence: str, link: str) -> str:
    """The translated sentence, escaped, with the (already safe) mail link in its placeholder."""
    before, _, after = sentence.partition("%(email)s")
    return f"{escape(before)}{link}{escape(after)}"
