"""The programme pages on SQLite without Kafka: the organiser's grid and forms, the public page before and after."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from services.common.outbox import outbox_table
from tests.integration.abstracts.conftest import ORGANISER, Service
from tests.integration.abstracts.programme_data import accept_abstracts


async def test_organiser_programme_page_generate_move_publish(offline: Service) -> None:
    client = offline.client
    assert (await client.get("/organiser/programme")).status_code in (401, 303, 307)  # sign-in needed
    public = await client.get("/programme")
    assert public.status_code == 200 and "not published yet" in public.text
    made = await accept_abstracts(offline)
    empty = await client.get("/organiser/programme", headers=ORGANISER)
    assert "Generate the draft" in empty.text and "Publish</button>" not in empty.text

    generated = await client.post("/organiser/programme/generate", headers=ORGANISER, follow_redirects=True)
    assert "Draft generated: 6 session(s) placed, 0 not placed." in generated.text
    assert "Room 301" in generated.text and "Exhibition Hall D (posters)" in generated.text
    assert made["p1"]["reference"] in generated.text and "Not published yet" in generated.text

    sy = f"SY-{made['s1']['reference']}"
    wrong = {"session_id": sy, "place": "2027-01-06|0|R411"}
    refused = await client.post("/organiser/programme/move-session", data=wrong, headers=ORGANISER)
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and "does not suit a symposium session" in refused.text
    place = re.search(r"<select id=.place.[^>]*>", refused.text)
    assert place and 'aria-invalid="true" aria-describedby="place-error" autofocus' in place.group()
    assert f'<option value="{sy}" selected>' in refused.text  # what was chosen stays chosen

    into_poster = {"abstract_id": made["p1"]["abstract_id"], "to_session": "PO-1"}
    refused = await client.post("/organiser/programme/move-presentation", data=into_poster, headers=ORGANISER)
    assert refused.status_code == 422 and "can only join another paper session" in refused.text

    fine = {"abstract_id": made["p5"]["abstract_id"], "to_session": "DU-P2"}
    moved = await client.post(
        "/organiser/programme/move-presentation", data=fine, headers=ORGANISER, follow_redirects=True
    )
    assert "Presentation moved." in moved.text

    chair = {"session_id": "DU-P2", "chair": "Jürgen Müller"}
    typo = chair | {"chair_email": "juergen@", "chair_language": "de"}
    refused = await client.post("/organiser/programme/chair", data=typo, headers=ORGANISER)
    assert refused.status_code == 422 and "Chair&#39;s email: That email address does not look right" in refused.text
    email = re.search(r"<input id=.chair_email.[^>]*>", refused.text)
    assert email and 'aria-invalid="true"' in email.group() and 'value="juergen@"' in email.group()  # kept, marked
    long_name = "Jürgen " + "M" * 300
    too_long = await client.post("/organiser/programme/chair", data=chair | {"chair": long_name}, headers=ORGANISER)
    assert too_long.status_code == 422 and "307 characters long; shorten it to 300" in too_long.text
    name = re.search(r"<input id=.chair. [^>]*>", too_long.text)
    assert name and 'aria-invalid="true"' in name.group() and f'value="{long_name}"' in name.group()  # never cut
    named = await client.post("/organiser/programme/chair", data=chair, headers=ORGANISER, follow_redirects=True)
    assert "Chair of DU-P2 saved." in named.text and 'chair: <span dir="auto">Jürgen Müller</span>' in named.text

    published = await client.post("/organiser/programme/publish", headers=ORGANISER, follow_redirects=True)
    assert "Version 1 published: 6 session(s) changed, 0 presentation(s) moved." in published.text
    async with offline.deps.sessionmaker() as session:
        staged = await session.scalar(select(func.count()).select_from(outbox_table))
    assert staged is not None and staged >= 7  # the abstracts' events plus 6 SessionScheduled + ProgrammePublished
    again = await client.post("/organiser/programme/publish", headers=ORGANISER)
    assert again.status_code == 409 and "Nothing changed since version 1" in again.text

    page = (await client.get("/programme")).text
    assert "Tuesday 5 January 2027" in page  # the workshop, on the pre-congress day
    assert made["p5"]["title"] in page and "Asia/Tokyo" in page and "@uni.example" not in page
    assert "chair: Jürgen Müller" in page
