"""The organisers' messages as mail: Markdown rendered and sanitised, the recipient's version, the frame's wording."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from schemas.base import encode, new_event
from services.common import broadcast_mail
from services.common.broadcast_mail import Version, markdown_html, markdown_text, render, version_for
from services.common.congress import DEFAULT_CONFIG, load_congress
from services.notify.adapters.render import load_catalogs
from services.registration.domain.broadcast import PART_SIZE, Draft, Segment, problems, requested


class Elements(HTMLParser):
    """Every element of an HTML fragment with its attributes, as a mail client's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


VERSIONS = (Version("en", "Venue", "Hall **B**."), Version("fr", "Lieu", "Salle **B**."))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<img src=x onerror=alert(1)>",
        '[x](JaVaScRiPt:alert(1) "t")',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
    ],
)
def test_no_script_raw_html_or_unsafe_link_survives(hostile: str) -> None:
    html = markdown_html(f"Hello\n\n{hostile}\n\n[ok](https://icsei.example.org)")
    elements = Elements()
    elements.feed(html)
    assert {tag for tag, _ in elements.found} <= {"p", "a"}
    assert [attrs for tag, attrs in elements.found if tag == "a"] == [
        {"href": "https://icsei.example.org", "rel": "noopener noreferrer"}
    ]
    assert '<a href="https://icsei.example.org" rel="noopener noreferrer">ok</a>' in html
    text = markdown_text(hostile)
    assert "<script" not in text and "<img" not in text and "<iframe" not in text


def test_markdown_formats() -> None:
    html = markdown_html("**bold** *it*\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~")
    for part in ("<strong>bold</strong>", "<em>it</em>", "<li>one</li>", "<td>1</td>", "<s>old</s>"):
        assert part in html


def test_each_recipient_gets_their_version_or_the_default() -> None:
    assert version_for(VERSIONS, "fr-CA", "en").language == "fr"
    assert version_for(VERSIONS, "sr", "en").language == "en"
    assert version_for(VERSIONS, "ja", "fr").language == "fr"


def test_the_whole_mail_as_one_recipient() -> None:
    congress = load_congress(DEFAULT_CONFIG)
    mail = render(congress, VERSIONS, "en", name="Zoë <b>", language="fr")
    assert mail.subject == "Lieu" and mail.language == "fr"
    assert mail.text.startswith("Bonjour Zoë <b>,\n\nSalle **B**.")
    assert "<strong>B</strong>" in mail.html and "Zoë &lt;b&gt;" in mail.html and '<html lang="fr">' in mail.html


def test_the_frames_wording_is_notifys_own_translation() -> None:
    catalogs = load_catalogs()
    assert set(broadcast_mail.LANGUAGES) == {"en", *catalogs}
    for language, catalog in catalogs.items():
        words = broadcast_mail.WORDING[language]
        assert words["dear"] == catalog.gettext("Dear %(name)s,")
        assert words["regards"] == catalog.gettext("With best wishes,")
        assert words["questions"] == catalog.gettext("Questions? %(email)s")


def test_a_draft_needs_the_default_languages_version_and_both_parts() -> None:
    segment = Segment()
    assert problems(Draft(VERSIONS, "en", segment)) == {}
    assert "default_language" in problems(Draft(VERSIONS, "de", segment))
    assert "body_fr" in problems(Draft((VERSIONS[0], Version("fr", "Lieu", " ")), "en", segment))
    assert "subject_en" in problems(Draft((), "en", segment))
    assert "subject_en" in problems(Draft((Version("en", "a\x1b", "b"),), "en", segment))


def test_twenty_five_hundred_recipients_travel_in_parts_far_below_a_record_limit() -> None:
    recipients = [f"del_{n:020x}" for n in range(2_500)]
    longest = tuple(Version(lang, "S" * 200, "Ünïcødé " * 2_500) for lang in broadcast_mail.LANGUAGES)
    events = requested(
        congress_id="icsei-2027",
        broadcast_id="b_1",
        draft=Draft(longest, "en", Segment(country="BR")),
        recipients=recipients,
        by="chair@example.org",
        at=datetime(2027, 1, 2, tzinfo=UTC),
    )
    assert [len(e.recipients) for e in events] == [PART_SIZE] * 5
    assert [e.part for e in events] == [1, 2, 3, 4, 5] and {e.parts for e in events} == {5}
    assert [r for e in events for r in e.recipients] == recipients
    assert max(len(encode(new_event(e, "/registration"))) for e in events) < 512 * 1024
