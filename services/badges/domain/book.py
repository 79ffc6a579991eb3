"""The book of abstracts: which publication is ready to print, and what the book shows.

Badges keeps a replica of the published programme (``SessionScheduled``/``SessionCancelled`` on
``congress.programme``) and of every abstract's content (``AbstractSubmitted``/``AbstractRevised`` on
``congress.abstracts``), each as the event's JSON. Session events are keyed by session and
``ProgrammePublished`` by congress, so they reach badges on different partitions in any order: a
publication is printed only once the replica holds exactly the session events it counts (``ready``).

``book_view`` turns the replica into what the template prints: days in the congress timezone, sessions
in time and room order, each abstract with its authors and numbered affiliations (and a symposium's
papers, when the events carry them), and the author index. Pure: no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from services.common.folding import fold

Json = Mapping[str, Any]
WHOLE = ""
"""The network code of the whole book (every network)."""


@dataclass(frozen=True)
class Publication:
    """What one ``ProgrammePublished`` says the replica must hold before its book prints."""

    version: int
    sessions: int
    sessions_changed: int
    sessions_cancelled: int
    published_at: datetime | None = None
    attempts: int = 0
    """Renders of this publication's books that failed so far (``domain.backoff``)."""
    retry_at: datetime | None = None
    """Not before then is it rendered again (None: no failure yet)."""
    failure: str = ""
    """Why the last render failed (the organiser's book page shows it)."""


@dataclass(frozen=True)
class BookFile:
    """One stored book: the whole programme's (network ``WHOLE``) or one network's."""

    programme_version: int
    network: str
    sha256: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class ReplicaCounts:
    """What the replica holds, as seen for one publication."""

    scheduled_at: int
    """Live sessions whose latest event belongs to this publication."""
    cancelled_at: int
    """Sessions cancelled by this publication."""
    live: int
    """Live sessions in all."""
    newest: int
    """The highest programme version any session event carried (0: none)."""


DAY_FORMAT = "EEEE d MMMM y"
"""A day as the delegate pages write it (``Wednesday 6 January 2027``, ``mercredi 6 janvier 2027``)."""
CONTENT_GRACE = timedelta(minutes=10)
"""How long a book waits for the content of an abstract in its programme (another topic, maybe behind) before it
is made with the session event's title and presenters for that abstract."""


def missing_content(sessions: Iterable[Json], known: Collection[str]) -> set[str]:
    """The abstracts in ``sessions`` whose content (or withdrawal) badges has not received."""
    ids = {str(p.get("abstract_id")) for s in sessions for p in s.get("presentations") or ()}
    return ids - set(known)


def content_complete(publication: Publication, missing: Collection[str], now: datetime) -> bool:
    """Whether to make the book now: every abstract's content is in, or the grace after publishing is over."""
    if not missing or publication.published_at is None:
        return not missing
    return now - publication.published_at >= CONTENT_GRACE


def ready(publication: Publication, counts: ReplicaCounts) -> bool:
    """Whether every session event of ``publication`` has arrived and none of a later one has.

    A session rescheduled by a later publication leaves this one short for good: then the later
    publication's own ``ProgrammePublished`` is awaited, and its book replaces this one.
    """
    return (
        counts.newest <= publication.version
        and counts.scheduled_at == publication.sessions_changed
        and counts.cancelled_at == publication.sessions_cancelled
        and counts.live == publication.sessions
    )


@dataclass(frozen=True)
class BookAuthor:
    name: str
    index_name: str
    """``Family, Given`` for the author index."""
    marks: tuple[int, ...]
    """Numbers of the author's affiliations in the item's list."""
    presenting: bool


@dataclass(frozen=True)
class BookItem:
    """One abstract (or one paper of a symposium) as printed."""

    anchor: str
    reference: str
    title: str
    paragraphs: tuple[str, ...]
    language: str
    authors: tuple[BookAuthor, ...]
    affiliations: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    papers: tuple[BookItem, ...] = ()


@dataclass(frozen=True)
class BookSession:
    anchor: str
    title: str
    kind: str
    network: str
    network_name: str
    time: str
    room: str
    chair: str
    discussant: str
    items: tuple[BookItem, ...]


@dataclass(frozen=True)
class BookDay:
    anchor: str
    label: str
    sessions: tuple[BookSession, ...]


@dataclass(frozen=True)
class IndexEntry:
    name: str
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class Book:
    title: str
    """The edition's short name: the cover adds "Book of abstracts" in the book's language."""
    subtitle: str
    days: tuple[BookDay, ...]
    index: tuple[IndexEntry, ...]
    language: str = "en"
    """The language of the book's own words (headings, day names), one of the pages' languages."""

    @property
    def items(self) -> list[BookItem]:
        return [item for day in self.days for session in day.sessions for item in session.items]


def _name(person: Json) -> tuple[str, str]:
    """(given, family) of an author dict from any event version (``given_name``/``family_name`` or ``name``)."""
    if "family_name" in person or "given_name" in person:
        return str(person.get("given_name") or ""), str(person.get("family_name") or "")
    return "", str(person.get("name") or "")


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())


def _item(anchor: str, reference: str, title: str, body: Json, fallback_authors: Sequence[Json]) -> BookItem:
    authors_in = list(body.get("authors") or fallback_authors)
    places: dict[str, int] = {}
    authors = []
    for person in authors_in:
        given, family = _name(person)
        place = ", ".join(x for x in (str(person.get("affiliation") or ""), str(person.get("country") or "")) if x)
        marks = (places.setdefault(place, len(places) + 1),) if place else ()
        index_name = f"{family}, {given}" if given and family else (family or given)
        authors.append(BookAuthor(f"{given} {family}".strip(), index_name, marks, bool(person.get("presenting"))))
    papers = tuple(
        _item(f"{anchor}-p{n}", "", str(p.get("title") or ""), p, ())
        for n, p in enumerate(body.get("papers") or (), 1)
        if isinstance(p, Mapping)
    )
    return BookItem(
        anchor=anchor,
        reference=reference,
        title=title or str(body.get("title") or ""),
        paragraphs=_paragraphs(str(body.get("text") or body.get("abstract") or "")),
        language=str(body.get("language") or "en"),
        authors=tuple(authors),
        affiliations=tuple(places),
        keywords=tuple(str(k) for k in body.get("keywords") or ()),
        papers=papers,
    )


def _presentation(p: Json, abstracts: Mapping[str, Json]) -> BookItem:
    """A presentation as printed: the abstract's content if badges has it, else what the session event says.
    A symposium's paper (``paper``: its number) prints that paper of the content's ``symposium``."""
    content = abstracts.get(str(p.get("abstract_id")), {})
    paper, symposium = p.get("paper"), content.get("symposium")
    papers = symposium.get("papers") if isinstance(symposium, Mapping) else None
    if isinstance(paper, int) and isinstance(papers, Sequence) and 1 <= paper <= len(papers):
        body = {"language": content.get("language"), **papers[paper - 1]}
        anchor = f"a-{p.get('abstract_id')}-{paper}"
        return _item(anchor, str(p.get("reference") or ""), str(p.get("title") or ""), body, ())
    merged = {**content, **{k: v for k, v in p.items() if k == "papers" and v}}
    presenters = [{"name": x.get("name", ""), "presenting": True} for x in p.get("presenters") or ()]
    return _item(
        f"a-{p.get('abstract_id')}", str(p.get("reference") or ""), str(p.get("title") or ""), merged, presenters
    )


def _wanted(p: Json, abstracts: Mapping[str, Json], network: str) -> bool:
    return network == WHOLE or str(abstracts.get(str(p.get("abstract_id")), {}).get("network") or "") == network


def _session(
    s: Json, abstracts: Mapping[str, Json], network: str, tz: ZoneInfo, names: Mapping[str, str]
) -> BookSession | None:
    in_network = network == WHOLE or s.get("network") == network
    items = tuple(
        _presentation(p, abstracts)
        for p in s.get("presentations") or ()
        if in_network or _wanted(p, abstracts, network)
    )
    if not items and not in_network:
        return None
    start = datetime.fromisoformat(str(s["starts_at"])).astimezone(tz)
    end = datetime.fromisoformat(str(s["ends_at"])).astimezone(tz)
    discussant = s.get("discussant")
    return BookSession(
        anchor=f"s-{s['session_id']}",
        title=str(s.get("title") or ""),
        kind=str(s.get("kind") or ""),
        network=str(s.get("network") or ""),
        network_name=names.get(str(s.get("network") or ""), str(s.get("network") or "")),
        time=f"{start:%H:%M}–{end:%H:%M}",
        room=str(s.get("room_name") or ""),
        chair=str(s.get("chair") or ""),
        discussant=" ".join(_name(discussant)).strip() if isinstance(discussant, Mapping) else str(discussant or ""),
        items=items,
    )


def author_index(items: Iterable[BookItem]) -> tuple[IndexEntry, ...]:
    """Every author, ``Family, Given`` sorted case- and accent-insensitively, with the anchors of their items."""
    anchors: dict[str, list[str]] = defaultdict(list)
    shown: dict[str, str] = {}
    for item in items:
        for sub in (item, *item.papers):
            for author in sub.authors:
                key = fold(author.name)
                if key and sub.anchor not in anchors[key]:
                    anchors[key].append(sub.anchor)
                    shown.setdefault(key, author.index_name)
    return tuple(IndexEntry(shown[k], tuple(anchors[k])) for k in sorted(shown, key=lambda k: (fold(shown[k]), k)))


def book_view(
    title: str,
    sessions: Iterable[Json],
    abstracts: Mapping[str, Json],
    tz: ZoneInfo,
    *,
    network: str = WHOLE,
    subtitle: str = "",
    names: Mapping[str, str] | None = None,
    language: str = "en",
) -> Book:
    """The book of the live ``sessions`` (a network's only: its sessions and its papers in mixed sessions), its
    day names in ``language`` (CLDR's, through Babel) and its times in the congress timezone ``tz``."""
    by_day: dict[str, list[tuple[str, str, BookSession]]] = defaultdict(list)
    for s in sessions:
        session = _session(s, abstracts, network, tz, names or {})
        if session is not None:
            start = datetime.fromisoformat(str(s["starts_at"])).astimezone(tz)
            by_day[start.date().isoformat()].append((start.isoformat(), session.room, session))
    days = tuple(
        BookDay(
            anchor=f"d-{day}",
            label=str(format_date(datetime.fromisoformat(day).date(), DAY_FORMAT, locale=language)),
            sessions=tuple(s for _, _, s in sorted(by_day[day], key=lambda t: (t[0], t[1], t[2].anchor))),
        )
        for day in sorted(by_day)
    )
    book = Book(title, subtitle, days, ())
    return Book(title, subtitle, days, author_index(book.items), language)
