"""Layout and rules of badges: cleaning, fitting, ribbons, sorting, folding, QR tokens, scans."""

from __future__ import annotations

import pytest

from services.badges import domain
from services.badges.domain import Box, ScanOutcome, fit_text
from services.common.auth import InvalidToken, sign, verify


def test_short_name_stays_on_one_line_at_full_size() -> None:
    fitted = fit_text("Ana", domain.NAME_BOX)
    assert fitted.lines == ("Ana",)
    assert fitted.size_pt == domain.NAME_BOX.max_size_pt


def test_long_name_shrinks_within_bounds_then_wraps_at_spaces_and_hyphens() -> None:
    name = "Maria-Magdalena Alexandra Konstantinopoulou-Vanderbilt"
    fitted = fit_text(name, domain.NAME_BOX)
    assert domain.NAME_BOX.min_size_pt <= fitted.size_pt < domain.NAME_BOX.max_size_pt
    assert 1 < len(fitted.lines) <= domain.NAME_BOX.max_lines
    assert "".join(fitted.lines).replace(" ", "") == name.replace(" ", "")  # nothing lost
    for line in fitted.lines:
        assert domain.estimate_em(line) * fitted.size_pt <= domain.NAME_BOX.width_pt
    assert not fitted.break_anywhere


def test_cjk_name_may_wrap_between_ideographs() -> None:
    fitted = fit_text(
        "山田" * 30,
        Box(width_pt=100, height_pt=60, max_size_pt=20, min_size_pt=8, max_lines=3),
    )
    assert all(domain.estimate_em(line) * fitted.size_pt <= 100 for line in fitted.lines)


@pytest.mark.parametrize("length", [200, 1000, 5000])
def test_absurd_name_still_fits_by_area_and_is_never_cut(length: int) -> None:
    name = "W" * length
    box = domain.NAME_BOX
    fitted = fit_text(name, box)
    assert fitted.break_anywhere
    assert "".join(fitted.lines) == name
    assert fitted.size_pt <= box.min_size_pt
    used_height = len(fitted.lines) * fitted.size_pt * box.line_height
    assert used_height <= box.height_pt
    assert all(domain.estimate_em(line) * fitted.size_pt <= box.width_pt for line in fitted.lines)


def test_ribbons_take_the_most_senior_role_and_list_the_others() -> None:
    ribbon, others = domain.ribbon_for(["delegate", "presenter", "reviewer"])
    assert ribbon.role == "reviewer"
    assert others == ("Presenter",)
    assert domain.ribbon_for([])[0].role == "delegate"


def test_every_ribbon_differs_in_black_and_white_by_pattern_or_grey() -> None:
    ribbons = list(domain.RIBBONS.values())
    assert len({r.pattern for r in ribbons}) == len(ribbons)  # every role has its own pattern
    assert len({r.colour for r in ribbons}) == len(ribbons)
    greys = sorted(domain.grey_of(r.colour) for r in ribbons)
    assert greys[-1] - greys[0] > 200  # from near-black to white
    for r in ribbons:  # the label stays readable on its colour
        assert abs(domain.grey_of(r.colour) - domain.grey_of(r.ink)) > 90


def test_fold_makes_search_accent_case_width_and_script_insensitive() -> None:
    assert domain.fold("Müller") == "muller"
    assert domain.fold("ØSTERGÅRD") == "ostergard"
    assert domain.fold("Straße") == "strasse"
    assert domain.fold("ＡＢＣ") == "abc"
    assert domain.fold_latin("Иванов") == "ivanov"
    assert domain.fold_latin("Παπαδόπουλος") == "papadopoulos"
    keys = domain.search_keys("Jürgen", "Müller", "jm@example.org")
    assert domain.matches("muller", keys) and domain.matches("MÜLLER jur", keys)
    assert not domain.matches("meier", keys)
    assert domain.matches("ivan", domain.search_keys("Иван", "Петров"))
    assert domain.matches("山田", domain.search_keys("山田", "太郎"))


def test_sort_keys_order_by_folded_surname_then_given_name() -> None:
    people = [
        domain.SortablePerson("3", "Zoë", "Ångström", "SE", "KTH", "R3"),
        domain.SortablePerson("1", "Ann", "Adams", "GB", "UCL", "R1"),
        domain.SortablePerson("2", "Bob", "adams", "US", "MIT", "R2"),
        domain.SortablePerson("4", "Ivan", "Иванов", "RU", "MSU", "R4"),
    ]
    by_surname = [p.delegate_id for p in sorted(people, key=domain.sort_key)]
    assert by_surname == [
        "1",
        "2",
        "3",
        "4",
    ]  # Ångström sorts as angstrom; Иванов as ivanov
    by_country = [p.delegate_id for p in sorted(people, key=lambda p: domain.sort_key(p, "country"))]
    assert by_country == ["1", "4", "3", "2"]
    with pytest.raises(ValueError, match="cannot sort by"):
        domain.sort_key(people[0], "shoe_size")


def test_sheets_hold_four_badges() -> None:
    assert [len(s) for s in domain.sheets(list(range(10)))] == [4, 4, 2]


def test_qr_token_carries_only_ids_and_is_refused_when_tampered() -> None:
    payload = domain.qr_payload("d-1", 3, "icsei-2027")
    assert payload == {"d": "d-1", "v": 3, "c": "icsei-2027"}
    token = sign("s3cret", domain.QR_PURPOSE, payload)
    assert verify("s3cret", domain.QR_PURPOSE, token) == payload
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad_secret, bad_token, purpose in (
        ("s3cret", tampered, domain.QR_PURPOSE),
        ("other", token, domain.QR_PURPOSE),
        ("s3cret", token, "station"),
    ):
        with pytest.raises(InvalidToken):
            verify(bad_secret, purpose, bad_token)


def test_scan_outcomes() -> None:
    ok = {"d": "d-1", "v": 2, "c": "c1"}
    confirmed = domain.DelegateState("confirmed", 2, checked_in=False)
    assert domain.scan_outcome(ok, "c1", confirmed) is ScanOutcome.CHECKED_IN
    assert domain.scan_outcome(ok, "c1", domain.DelegateState("confirmed", 2, True)) is ScanOutcome.ALREADY
    assert domain.scan_outcome(ok, "c1", domain.DelegateState("cancelled", 2, False)) is ScanOutcome.CANCELLED
    # released unpaid (a card or invoice hold ran out): ended like a cancelled one
    assert domain.scan_outcome(ok, "c1", domain.DelegateState("expired", 2, False)) is ScanOutcome.CANCELLED
    assert domain.scan_outcome(ok, "c1", None) is ScanOutcome.UNKNOWN
    assert domain.scan_outcome(None, "c1", confirmed) is ScanOutcome.TAMPERED
    assert domain.scan_outcome(ok, "c2", confirmed) is ScanOutcome.OTHER_CONGRESS
    assert domain.scan_outcome({**ok, "v": 1}, "c1", confirmed) is ScanOutcome.SUPERSEDED


def test_newer_versions_reissue_older_ones_do_not() -> None:
    assert domain.should_render(1, None)
    assert domain.should_render(3, 2)
    assert not domain.should_render(2, 2)
    assert not domain.should_render(1, 2)


def test_base_direction_from_first_strong_character() -> None:
    assert domain.base_direction("محمد Smith") == "rtl"
    assert domain.base_direction("123 כהן") == "rtl"
    assert domain.base_direction("Smith محمد") == "ltr"


def test_a_symposiums_chair_and_discussant_wear_their_own_ribbons() -> None:
    from services.badges.adapters.patterns import pattern_css

    chair, others = domain.ribbon_for(["delegate", "presenter", "chair"])
    assert (chair.label, others) == ("CHAIR", ("Presenter",))
    discussant, others = domain.ribbon_for(["discussant", "presenter", "delegate"])
    assert (discussant.label, others) == ("DISCUSSANT", ("Presenter",))
    assert domain.ribbon_for(["chair", "discussant"])[1] == ("Discussant",)
    css = pattern_css()
    assert ".pattern-bars {" in css and ".pattern-grid {" in css  # each ribbon's pattern is drawn
