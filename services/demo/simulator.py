"""The demo congress simulator: an ICSEI-like edition played through the services' public HTTP APIs.

``python -m services.demo.simulator --delegates 1500 --speed 5`` first plays the call for
papers (abstracts submitted, reviewed double-blind and decided, if the abstracts service is
up), then registers delegates from 80+ countries (alone or in school-district groups), pays
by card on the test checkout or by
invoice, lets the organiser mark invoices paid and handle cancellations and refunds, then
prints and scans badges on the first morning if the badges service is up. Errors from the
services are logged with their body and counted; only an unreachable registration service
at the start is fatal (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import sys
import time
from dataclasses import dataclass, replace

import httpx

from services.common.congress import load_congress
from services.demo import attending
from services.demo.abstracting import CallForPapers
from services.demo.book import BOOK_PATH, book_of_abstracts
from services.demo.client import Failover, Http, Tally, is_up
from services.demo.organising import Organiser
from services.demo.people import Person
from services.demo.plan import make_plan
from services.demo.registering import Booking, Party, pay_by_card, register
from services.demo.station import Station
from services.demo.team import invite_team

log = logging.getLogger("congress.demo")
AGENDA_DELEGATES = (3, 25)
"""How many delegates at least and at most sign in by their email's link and mark sessions (one in a hundred
of the confirmed between those): each is an email and a few page loads."""
SUMMARY = (
    ("abstracts submitted", "abstracts submitted"),
    ("reviews", "reviews"),
    ("abstracts accepted", "abstracts accepted"),
    ("abstracts rejected", "abstracts rejected"),
    ("sessions published", "sessions published"),
    ("session chairs named", "session chairs named"),
    ("book of abstracts", "book of abstracts published"),
    ("registered", "registered"),
    ("paid by card", "paid by card"),
    ("paid by invoice", "paid by invoice"),
    ("card payment failed", "failed payments"),
    ("cancelled", "cancelled"),
    ("refunded", "refunded"),
    ("waitlisted", "waitlisted add-ons"),
    ("agenda marks", "sessions marked in agendas"),
    ("badges printed", "badges printed"),
    ("checked in", "checked in"),
)


@dataclass(frozen=True)
class Options:
    delegates: int
    speed: float
    registration_urls: tuple[str, ...]
    """Every copy of registration (``congress up --replicas``): parties are spread over them in turn."""
    badges_urls: tuple[str, ...]
    """Every copy of badges: one desk station on each."""
    abstracts_url: str
    abstracts: int
    seed: int
    concurrency: int
    progress_every: int
    notify_url: str = ""

    @property
    def registration_url(self) -> str:
        return self.registration_urls[0]

    @property
    def badges_url(self) -> str:
        return self.badges_urls[0]

    def pause(self, rng: random.Random, base: float = 1.0) -> float:
        """A think time between steps, shrunk by --speed."""
        return base * (0.5 + rng.random()) / self.speed


def url_list(value: str) -> tuple[str, ...]:
    """``http://a:8001,http://a:8101`` -> each base URL without a trailing slash."""
    return tuple(u.strip().rstrip("/") for u in value.split(",") if u.strip()) or ("http://127.0.0.1",)


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m services.demo.simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=150, help="people to register (groups included)")
    parser.add_argument("--speed", type=float, default=5.0, help="higher is faster; 1 is about a second a step")
    parser.add_argument(
        "--registration-url",
        default=os.environ.get("DEMO_REGISTRATION_URL", "http://127.0.0.1:8001"),
        help="base URL; several copies comma-separated (clients are spread over them)",
    )
    parser.add_argument(
        "--badges-url",
        default=os.environ.get("DEMO_BADGES_URL", "http://127.0.0.1:8003"),
        help="base URL; several copies comma-separated (a desk on each)",
    )
    parser.add_argument("--abstracts-url", default=os.environ.get("DEMO_ABSTRACTS_URL", "http://127.0.0.1:8002"))
    parser.add_argument(
        "--notify-url",
        default=os.environ.get("DEMO_NOTIFY_URL", "http://127.0.0.1:8004"),
        help="where the admin invites the demo's organising team (empty: no team)",
    )
    parser.add_argument(
        "--abstracts", type=int, default=-1, help="abstracts to submit (default: a tenth of --delegates)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most")
    parser.add_argument("--progress-every", type=int, default=0, help="a progress line every N delegates")
    a = parser.parse_args(argv)
    every = a.progress_every or max(5, a.delegates // 10)
    return Options(
        max(1, a.delegates),
        max(0.01, a.speed),
        url_list(a.registration_url),
        url_list(a.badges_url),
        url_list(a.abstracts_url)[0],
        a.abstracts if a.abstracts >= 0 else min(300, max(6, a.delegates // 10)),
        a.seed,
        max(1, a.concurrency),
        every,
        a.notify_url.rstrip("/"),
    )


class Simulator:
    def __init__(self, options: Options, tally: Tally) -> None:
        self.o = options
        self.tally = tally
        self.rng = random.Random(options.seed * 31 + 5)
        self.gate = asyncio.Semaphore(options.concurrency)
        self.bookings: list[Booking] = []
        self.started = time.monotonic()

    def client(self, base: str, copies: tuple[str, ...] = ()) -> httpx.AsyncClient:
        """A client of ``base`` that moves on to another of ``copies`` (the service's other copies) when ``base``
        cannot be reached."""
        limits = httpx.Limits(max_connections=self.o.concurrency + 2)
        transport = Failover(copies or (base,), httpx.AsyncHTTPTransport(limits=limits))
        return httpx.AsyncClient(base_url=base, timeout=60.0, transport=transport)

    async def registrations(self, parties: list[Party]) -> None:
        async with contextlib.AsyncExitStack() as stack:
            copies = [
                Http(
                    await stack.enter_async_context(self.client(url, self.o.registration_urls)),
                    self.tally,
                    "registration",
                )
                for url in self.o.registration_urls
            ]
            delays = [self.o.pause(self.rng, 0.5) for _ in parties]

            async def one(party: Party, delay: float, http: Http) -> None:
                await asyncio.sleep(delay)
                async with self.gate:
                    booking = await register(http, party)
                    if booking is None:
                        return
                    self.bookings.append(booking)
                    await asyncio.sleep(self.o.pause(random.Random(booking.payer_id), 0.3))
                    if party.method == "card":
                        await pay_by_card(http, booking)
                self._progress(len(party.people))

            offsets = [sum(delays[: i + 1]) / self.o.concurrency for i in range(len(delays))]
            await asyncio.gather(
                *(one(p, d, copies[i % len(copies)]) for i, (p, d) in enumerate(zip(parties, offsets, strict=True)))
            )

    def _progress(self, people: int) -> None:
        before = self.tally["progress"]
        self.tally.add("progress", people)
        if before // self.o.progress_every != self.tally["progress"] // self.o.progress_every:
            print(
                f"[{time.monotonic() - self.started:6.1f}s] {self.tally['progress']}/{self.o.delegates} "
                f"delegates: {self.tally['registered']} registered, {self.tally['paid by card']} paid by card, "
                f"{self.tally['card payment failed']} failed, {sum(self.tally.errors.values())} errors",
                flush=True,
            )

    async def organiser_phase(self, organiser: Organiser) -> None:
        rows = await organiser.registrations()
        self.tally.add("invoices issued", len({r["payer_id"] for r in rows if r["payment_method"] == "invoice"}))
        await asyncio.sleep(self.o.pause(self.rng, 2.0))
        print("the bank statement arrives: the organiser marks invoices paid", flush=True)
        await organiser.mark_invoices_paid(rows, self.rng, 0.75)
        await asyncio.sleep(self.o.pause(self.rng, 2.0))
        rows = await organiser.registrations()
        count = max(1, round(len(rows) * 0.05))
        print(f"{count} delegate(s) write in to cancel: the organiser cancels and refunds", flush=True)
        await organiser.cancellations(rows, self.rng, count)
        print("venue news: the organiser writes to every confirmed delegate (English and French)", flush=True)
        await organiser.message_delegates()

    async def abstracts_phase(self, organiser: Organiser) -> list[Person]:
        """The call for papers comes first: submissions, reviews and decisions, if the abstracts service is up."""
        section = load_congress(os.environ.get("CONGRESS_CONFIG") or None).section("abstracts")
        if not self.o.abstracts or not section:
            return []
        if not await is_up(self.o.abstracts_url):
            print(f"abstracts service not answering at {self.o.abstracts_url}/healthz: skipping abstracts", flush=True)
            return []
        async with self.client(self.o.abstracts_url) as client:
            client.headers["authorization"] = f"Bearer {organiser.token}"
            call = CallForPapers(Http(client, self.tally, "abstracts"), self.tally, section, self.o.seed)
            print(f"call for papers: {self.o.abstracts} abstracts are submitted", flush=True)
            await call.submit(self.o.abstracts)
            await call.review_round()
            print(f"{self.tally['reviews']} reviews in: the organiser decides", flush=True)
            await call.decide()
            await call.publish_programme()
            print(f"programme published: {self.tally['sessions published']} sessions", flush=True)
        return call.accepted_presenters()

    async def agenda_phase(self, organiser: Organiser) -> None:
        """Some confirmed delegates sign in by the link in their email and mark sessions of the programme (when
        there is one, and the demo's mailbox on notify to read the link from)."""
        if not self.o.notify_url or not self.tally["sessions published"]:
            return
        if not await is_up(self.o.notify_url):
            print(f"notify not answering at {self.o.notify_url}/healthz: delegates cannot sign in to mark sessions")
            return
        rows = [r for r in await organiser.registrations() if r["status"] == "confirmed"]
        least, most = AGENDA_DELEGATES
        chosen = self.rng.sample(rows, min(len(rows), max(least, min(most, len(rows) // 100))))
        print(f"{len(chosen)} delegate(s) sign in and mark the sessions they will attend", flush=True)
        marks = await attending.mark_sessions(
            self.o.registration_url,
            self.o.notify_url,
            organiser.token,
            [str(r["email"]) for r in chosen],
            self.rng,
            self.tally,
        )
        print(f"{marks} session(s) marked in personal agendas", flush=True)

    async def badges_phase(self, organiser: Organiser) -> None:
        if not await is_up(self.o.badges_url):
            print(
                f"badges service not answering at {self.o.badges_url}/healthz: skipping badges and check-in", flush=True
            )
            return
        await self.book_phase()
        rows = [r for r in await organiser.registrations() if r["status"] == "confirmed"]
        async with contextlib.AsyncExitStack() as stack:
            org_client = await stack.enter_async_context(self.client(self.o.badges_url, self.o.badges_urls))
            org_client.headers["authorization"] = f"Bearer {organiser.token}"
            stations = []
            for n, url in enumerate(self.o.badges_urls, 1):  # a desk on each copy of badges
                desk = await stack.enter_async_context(self.client(url, self.o.badges_urls))
                station = Station(Http(desk, self.tally, "badges"))
                if not await station.open(Http(org_client, self.tally, "badges"), f"Registration desk {n} (demo)"):
                    print("could not open a badge station: skipping badges and check-in", flush=True)
                    return
                stations.append(station)
            desks = asyncio.Semaphore(min(4, self.o.concurrency))

            async def arrive(row: dict[str, object], delay: float, station: Station) -> None:
                await asyncio.sleep(delay)
                async with desks:
                    number = str(row["number"])
                    delegate_id = await station.find(number, wait_seconds=60.0)
                    if delegate_id and await station.print_badge(delegate_id, number):
                        await station.scan(delegate_id)

            comers = [r for r in rows if self.rng.random() < 0.9]
            print(f"first morning: {len(comers)} of {len(rows)} confirmed delegates come to the badge desk", flush=True)
            delays = [i * self.o.pause(self.rng, 0.2) / 4 for i in range(len(comers))]
            await asyncio.gather(
                *(
                    arrive(r, d, stations[i % len(stations)])
                    for i, (r, d) in enumerate(zip(comers, delays, strict=True))
                )
            )

    async def book_phase(self) -> None:
        """Badges makes the book of abstracts from the published programme: wait for it, say where it is."""
        if not self.tally["sessions published"]:
            return
        async with self.client(self.o.badges_url, self.o.badges_urls) as client:
            size = await book_of_abstracts(client, wait_seconds=180.0)
        if size is None:
            print("the book of abstracts is not made yet (badges renders it in the background)", flush=True)
            return
        self.tally.add("book of abstracts")
        print(f"book of abstracts published: {self.o.badges_url}{BOOK_PATH} ({size // 1024} KB)", flush=True)

    async def run(self) -> int:
        if not await is_up(self.o.registration_url):
            print(
                f"error: the registration service does not answer at {self.o.registration_url}/healthz; "
                "start it first (congress demo starts everything).",
                file=sys.stderr,
                flush=True,
            )
            return 1
        parties = make_plan(self.o.delegates, self.o.seed)
        password = os.environ.get("CONGRESS_ORGANISER_PASSWORD", "")
        email = str(load_congress(os.environ.get("CONGRESS_CONFIG") or None).organisers[0].email)
        async with self.client(self.o.registration_url, self.o.registration_urls) as client:
            organiser = Organiser(Http(client, self.tally, "registration"))
            signed_in = bool(password) and await organiser.sign_in(email, password)
            if signed_in and self.o.notify_url:
                try:
                    team = await invite_team(self.o.notify_url, email, password)
                except httpx.HTTPError as exc:  # notify away: the demo plays on without its team
                    log.warning("demo team not invited: notify at %s: %r", self.o.notify_url, exc)
                    team = []
                print(f"organising team invited and signed up: {', '.join(team) or 'none'}", flush=True)
            if signed_in:
                parties = with_presenters(parties, await self.abstracts_phase(organiser))
            print(
                f"simulating {self.o.delegates} delegates in {len(parties)} registrations "
                f"(seed {self.o.seed}, speed {self.o.speed}) against {self.o.registration_url}",
                flush=True,
            )
            await self.registrations(parties)
            if not password:
                print("CONGRESS_ORGANISER_PASSWORD is not set: skipping abstracts, the organiser's part and the badges")
                return 0
            if not signed_in:
                print(f"organiser sign-in as {email} refused: skipping the organiser's part", flush=True)
                return 0
            await self.organiser_phase(organiser)
            await self.agenda_phase(organiser)
            await self.badges_phase(organiser)
        return 0


def with_presenters(parties: list[Party], presenters: list[Person]) -> list[Party]:
    """The accepted abstracts' presenters register too, in place of as many single delegates (same total)."""
    queue = list(presenters)
    out = []
    for party in parties:
        if queue and party.district is None and len(party.people) == 1:
            party = replace(party, people=[queue.pop(0)])
        out.append(party)
    return out


def summary(tally: Tally, seconds: float) -> str:
    width = max(len(label) for _, label in SUMMARY)
    lines = [f"{'what':<{width}}  count", f"{'-' * width}  -----"]
    lines += [f"{label:<{width}}  {tally[key]:>5}" for key, label in SUMMARY]
    lines.append(f"{'errors':<{width}}  {sum(tally.errors.values()):>5}")
    lines += [f"  {n:>4} × {what}" for what, n in sorted(tally.errors.items())]
    lines.append(f"done in {seconds:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = parse(argv)
    tally = Tally()
    simulator = Simulator(options, tally)
    code = asyncio.run(simulator.run())
    if code == 0:
        print(summary(tally, time.monotonic() - simulator.started), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
