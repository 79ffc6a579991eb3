"""A session chair as the organiser types them: a name too long is a mistake of its field, never cut."""

from __future__ import annotations

import pytest

from services.abstracts.domain.session_chair import NAME_MAX, ChairMistakes, SessionChairDraft, chair_of


def is_email(text: str) -> bool:
    return "@" in text and "." in text.rsplit("@", 1)[-1]


def test_a_name_longer_than_the_limit_is_refused_by_its_field_not_cut() -> None:
    typed = SessionChairDraft("Ngozi " + "Ọ" * NAME_MAX, "ngozi@uni.example")
    with pytest.raises(ChairMistakes) as refused:
        chair_of(typed, is_email)
    assert set(refused.value.errors) == {"chair"}
    assert f"{NAME_MAX + 6} characters long; shorten it to {NAME_MAX}" in refused.value.errors["chair"]


def test_a_name_at_the_limit_is_kept_whole() -> None:
    name = "Ọ" * NAME_MAX
    chair = chair_of(SessionChairDraft(f"  {name} "), is_email)
    assert chair is not None and chair.name == name and chair.email is None
