"""Accepted abstracts for the programme tests, submitted and decided through the abstracts API."""

from __future__ import annotations

from typing import Any

from tests.integration.abstracts.conftest import ORGANISER, TEXT, Service, author, submit, symposium_fields

ANA = {"given_name": "Ana", "family_name": "Sousa", "affiliation": "Universidade do Porto", "country": "PT"}
# (name, network, asked format, keywords, presenting email, decision, accepted format)
SPECS: list[tuple[str, str, str, tuple[str, ...], str, str, str]] = [
    ("p1", "DU", "paper", ("data use", "equity"), "ana@uni.example", "accepted", "paper"),
    ("p2", "DU", "paper", ("leadership",), "ANA@Uni.Example", "accepted", "paper"),
    ("p3", "DU", "paper", ("data use",), "bo@uni.example", "accepted", "paper"),
    ("p4", "DU", "paper", ("leadership", "trust"), "chen@uni.example", "accepted", "paper"),
    ("p5", "DU", "paper", ("equity",), "dara@uni.example", "accepted", "paper"),
    ("e1", "EL", "paper", ("principals",), "emeka@uni.example", "accepted", "paper"),
    ("e2", "EL", "paper", ("principals",), "fatima@uni.example", "accepted", "paper"),
    ("s1", "DU", "symposium", ("data use",), "ana@uni.example", "accepted", "symposium"),
    ("po", "EQ", "paper", ("inclusion",), "gita@uni.example", "accepted", "poster"),
    ("w1", "PLN", "workshop", ("networks",), "hana@uni.example", "accepted", "workshop"),
    ("r1", "DU", "paper", ("data use",), "ivan@uni.example", "rejected", "paper"),
]
WORDS = {"symposium": 3, "workshop": 2}  # TEXT is 120 words; these formats need more


async def accept_abstracts(service: Service) -> dict[str, dict[str, Any]]:
    """Submit every spec, decide it; name -> {abstract_id, reference, title, presenter}."""
    made: dict[str, dict[str, Any]] = {}
    for name, network, fmt, keywords, email, decision, accepted in SPECS:
        presenter = author(0, **ANA) | {"email": email, "given_name": f"Ana {name}" if "ana" in email.lower() else name}
        title = f"Paper {name}: {' and '.join(keywords)}"
        text = " ".join([TEXT] * WORDS.get(fmt, 1))
        papers = {"symposium": symposium_fields(presenter, tag=name)} if fmt == "symposium" else {}
        done = await submit(
            service,
            network=network,
            format=fmt,
            title=title,
            text=text,
            keywords=list(keywords),
            authors=[presenter, author(1)],
            submitter_email=email,
            **papers,
        )
        body = {"decision": decision, "format": accepted}
        answer = await service.client.post(
            f"/api/organiser/abstracts/{done['abstract_id']}/decision", json=body, headers=ORGANISER
        )
        assert answer.status_code == 200, answer.text
        made[name] = done | {"title": title, "presenter": f"{presenter['given_name']} {presenter['family_name']}"}
    return made
