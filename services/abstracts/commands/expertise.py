"""What the reviewer matching compares, read from the service's tables: abstracts' texts and reviewers'
profiles; and, for the organisers, why each reviewer of an abstract fits it (affinity, shared terms)."""

from __future__ import annotations

from services.abstracts.adapters import db
from services.abstracts.commands.context import Deps, Row, authors_of
from services.abstracts.domain.matching import affinity


def texts(open_rows: list[Row], every: list[Row], reviewers: list[Row]) -> dict[str, affinity.Text]:
    """Each open abstract (title, keywords, text) and each reviewer's profile — for now the abstracts they
    wrote themselves in this call (matched by email, withdrawn ones included)."""
    out = {
        r["id"]: affinity.Text(r["id"], tuple(r["content"]["keywords"]), f"{r['title']} {r['content']['text']}")
        for r in open_rows
    }
    by_email: dict[str, list[Row]] = {}
    for row in every:
        for author in authors_of(row):
            by_email.setdefault(author.email.casefold(), []).append(row)
    for reviewer in reviewers:
        own = by_email.get(reviewer["email"].casefold(), [])
        keywords = tuple(k for r in own for k in r["content"]["keywords"])
        body = " ".join(f"{r['title']} {r['content']['text']}" for r in own)
        out[reviewer["id"]] = affinity.Text(reviewer["id"], keywords, body)
    return out


async def explain(deps: Deps, abstract_id: str, reviewer_ids: list[str]) -> dict[str, affinity.Affinity]:
    """The affinity of each of these reviewers for the abstract, scored as the assignment scores it (the same
    texts: every undecided abstract and every reviewer)."""
    async with deps.sessionmaker() as session:
        every = await db.list_abstracts(session)
        reviewers = await db.list_reviewers(session)
    open_rows = [r for r in every if r["status"] == "submitted" or r["id"] == abstract_id]
    known = {r["id"] for r in open_rows}
    if abstract_id not in known:
        return {}
    table = texts(open_rows, every, reviewers)
    ids = [r["id"] for r in reviewers]
    scores = affinity.affinities(
        [table[r["id"]] for r in open_rows],
        [table[i] for i in ids],
        [(abstract_id, r) for r in reviewer_ids if r in table],
    )
    return {r: a for (_, r), a in scores.items()}
