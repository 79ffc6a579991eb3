"""The ``abstracts:`` section of the congress file: the example is valid, mistakes are named by path."""

from __future__ import annotations

from typing import Any

import pytest

from services.abstracts.config import AbstractsConfig, load_abstracts
from services.common.congress import ConfigError, Congress, load_congress
from services.common.countries import COUNTRY_CODES


def test_example_section_is_valid() -> None:
    config = load_abstracts(load_congress())
    assert {"DU", "EL", "PLN"} <= set(config.network_names)
    assert config.criteria == ("relevance", "originality", "rigour", "clarity", "coherence")
    assert config.criteria_for("paper") == ("relevance", "originality", "rigour", "clarity")
    assert config.criteria_for("symposium") == config.criteria  # a symposium is also scored on its coherence
    assert config.reviewers_per_abstract == 2
    rules = config.rules()
    assert "JP" in rules.countries and "EU" not in rules.countries
    assert rules.word_limits["paper"].max_words == 500


def test_countries_are_the_kernels_cldr_list() -> None:
    rules = load_abstracts(load_congress()).rules()
    assert rules.countries == COUNTRY_CODES and "XK" in rules.countries and "ZZ" not in rules.countries


def test_mistakes_are_named_by_path() -> None:
    congress = load_congress()
    doc: dict[str, Any] = congress.model_dump() | {
        "abstracts": congress.section("abstracts")
        | {"word_limits": {"essay": {"min_words": 1, "max_words": 2}}, "reviewers_per_abstract": 0}
    }
    with pytest.raises(ConfigError) as raised:
        load_abstracts(Congress.model_validate(doc))
    assert "abstracts.reviewers_per_abstract" in str(raised.value)
    doc["abstracts"]["reviewers_per_abstract"] = 2
    with pytest.raises(ConfigError, match="unknown formats essay"):
        load_abstracts(Congress.model_validate(doc))


def test_min_above_max_is_refused() -> None:
    with pytest.raises(ValueError, match="min_words"):
        AbstractsConfig.model_validate(
            load_congress().section("abstracts") | {"word_limits": {"paper": {"min_words": 9, "max_words": 2}}}
        )


def test_the_deadline_can_be_extended_without_editing_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from services.abstracts.config import AbstractsSettings, load_all

    monkeypatch.setenv("ABSTRACTS_DEADLINE", "2027-02-15")
    assert load_all(AbstractsSettings())[1].deadline == date(2027, 2, 15)
    monkeypatch.setenv("ABSTRACTS_DEADLINE", "")  # compose names it empty: the file's deadline stands
    assert load_all(AbstractsSettings())[1].deadline == date(2026, 12, 1)
