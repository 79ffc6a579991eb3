"""The privacy rules without I/O: the notice per language, the edition's privacy section, what special needs
are kept, how they are counted (issue 16)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.common.congress import ConfigError, load_congress
from services.common.privacy import DEFAULT_PRIVACY, load_privacy
from services.registration.domain.privacy import Access, Diet, SpecialNeeds, count, to_keep


def test_the_demo_notice_is_shown_in_the_delegates_language_else_the_default() -> None:
    privacy = load_privacy(load_congress())
    assert privacy.current.version == "2026-05" and privacy.known("2026-05") and not privacy.known("1999")
    assert privacy.notice_for("ja").language == "ja" and "事務局" in privacy.notice_for("ja").text
    assert privacy.notice_for("ja-JP").language == "ja"  # the base language's text
    assert privacy.notice_for("sw").language == "en"  # no Swahili text: the edition's default language


def _with_privacy(section: dict[str, Any]) -> Any:
    congress = load_congress()
    return congress.model_copy(update={"privacy": section})


def test_a_wrong_privacy_section_is_refused_with_its_field_path() -> None:
    notice = {"version": "v1", "published_on": "2026-01-01", "text": {"en": "x"}}
    with pytest.raises(ConfigError, match=r"privacy\.retention\.special_needs_days"):
        load_privacy(_with_privacy({"notices": [notice], "retention": {"special_needs_days": -1}}))
    with pytest.raises(ConfigError, match="listed twice"):
        load_privacy(_with_privacy({"notices": [notice, notice]}))
    with pytest.raises(ConfigError, match=r"privacy\.notices"):
        load_privacy(_with_privacy({"notices": []}))


def test_a_file_without_the_section_gets_the_default() -> None:
    assert load_privacy(_with_privacy({})) is DEFAULT_PRIVACY
    assert DEFAULT_PRIVACY.expires(date(2027, 1, 8), 7) == date(2027, 1, 16)


def test_needs_are_kept_only_with_consent_and_only_when_given() -> None:
    given = SpecialNeeds((Diet.VEGAN, Diet.VEGAN), "", (Access.WHEELCHAIR,), "ramp to the stage")
    assert to_keep(given, consented=False) is None
    assert to_keep(SpecialNeeds(), consented=True) is None
    kept = to_keep(given, consented=True)
    assert kept == SpecialNeeds((Diet.VEGAN,), "", (Access.WHEELCHAIR, Access.OTHER), "ramp to the stage")


def test_needs_are_counted_once_per_person_and_item() -> None:
    counted = count(
        [
            SpecialNeeds((Diet.HALAL, Diet.NUT_ALLERGY), "no sesame"),
            SpecialNeeds((Diet.HALAL,), access=(Access.COMPANION,)),
            SpecialNeeds(access=(Access.HEARING_LOOP, Access.COMPANION)),
        ]
    )
    assert counted.people == 3 and counted.diet_notes == 1
    assert counted.diets["halal"] == 2 and counted.diets["nut-allergy"] == 1 and counted.diets["vegan"] == 0
    assert counted.access == {"wheelchair": 0, "hearing-loop": 1, "companion": 2, "other": 0}
