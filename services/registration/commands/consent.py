"""Consent and special-category data: what a registration records, what the delegate changes, who may read it.

A registration records the privacy notice version (and language) its form showed and the three optional
consents, each off unless ticked. Dietary and accessibility needs are kept only with their own explicit
consent, never go into an event, and are read only by organisers in the role 'registration & finance'
(the route-access table, web/route_access.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.registration.commands.records import Deps, RegistrationRejected
from services.registration.commands.requests import DelegateIn, NeedsIn
from services.registration.domain import privacy as domain
from services.registration.domain.privacy import Consents, NeedsCount, SpecialNeeds
from services.registration.ports import NeedsOf, Participant


def check_notices(deps: Deps, forms: Sequence[DelegateIn]) -> None:
    """Refuse a notice version this edition never published (``RegistrationRejected`` naming the field)."""
    errors = {
        f"delegates.{i}.notice_version": "This privacy notice is not one of this congress's; reload the form."
        for i, form in enumerate(forms)
        if form.notice_version is not None and not deps.privacy.known(form.notice_version)
    }
    if errors:
        raise RegistrationRejected(errors)


def consents_of(deps: Deps, form: DelegateIn) -> Consents:
    """What the form records: the notice shown (in the delegate's language where there is one) and the ticks."""
    shown = deps.privacy.notice_for(form.language, deps.congress.default_language)
    return Consents(
        notice_version=form.notice_version or shown.version,
        notice_language=shown.language,
        listed=form.consent_listed,
        photos=form.consent_photos,
        sponsors=form.consent_sponsors,
    )


def needs_of(form: NeedsIn) -> SpecialNeeds | None:
    """The special needs to store: none without the explicit consent."""
    return domain.to_keep(form.special_needs(), consented=form.special_needs_consent)


@dataclass(frozen=True)
class MyPrivacy:
    """What a delegate's own page shows of their privacy choices."""

    consents: Consents | None
    needs: SpecialNeeds | None


async def mine(deps: Deps, registration_id: str) -> MyPrivacy:
    async with deps.units.read() as tx:
        return MyPrivacy(await tx.privacy.consents(registration_id), await tx.privacy.needs(registration_id))


async def change_consents(
    deps: Deps, registration_id: str, *, listed: bool, photos: bool, sponsors: bool, language: str
) -> Consents:
    """The delegate changes their optional consents (from their own page); the notice recorded stays as shown."""
    async with deps.units.begin() as tx:
        before = await tx.privacy.consents(registration_id)
        if before is None:  # registered before consents were recorded: they see the current notice now
            shown = deps.privacy.notice_for(language, deps.congress.default_language)
            before = Consents(shown.version, shown.language)
        after = Consents(before.notice_version, before.notice_language, listed, photos, sponsors)
        await tx.privacy.set_consents(registration_id, after, deps.clock())
        return after


async def change_needs(deps: Deps, registration_id: str, given: NeedsIn) -> None:
    """The delegate changes (or, without the consent tick, withdraws) their dietary and accessibility needs."""
    async with deps.units.begin() as tx:
        await tx.privacy.set_needs(registration_id, needs_of(given), deps.clock())


async def participants(deps: Deps) -> Sequence[Participant]:
    """The participants' list: confirmed delegates who consented to be listed, nobody else."""
    async with deps.units.read() as tx:
        return await tx.privacy.participants()


@dataclass(frozen=True)
class NeedsOverview:
    """Catering and venue counts over every live registration, the dinner's apart, and who needs what."""

    everyone: NeedsCount
    dinner: NeedsCount
    people: Sequence[NeedsOf]


DINNER_KIND = "social"


async def needs_overview(deps: Deps) -> NeedsOverview:
    """The counts and the per-person list; the route-access table gives them to 'registration & finance' only
    (web/route_access.py), the role whose job is catering and the venue."""
    async with deps.units.read() as tx:
        people = await tx.privacy.live_needs()
    social = {code for code, spec in deps.rules.add_ons.items() if spec.kind == DINNER_KIND}
    dinner = [p.needs for p in people if social & set(p.add_ons)]
    return NeedsOverview(domain.count(p.needs for p in people), domain.count(dinner), people)
