"""A sortable list's column headers: the same links as each list made before it shared them."""

from __future__ import annotations

from services.abstracts.web.organiser import sort_links as abstracts_links
from services.common.sortable import column_links, sort_url
from services.registration.web.organiser_list import filters_of
from services.registration.web.organiser_list import sort_links as registrations_links

REG = "/organiser/registrations"
TABLE = {"network": "", "status": "", "order": "", "q": "", "sort": "", "dir": ""}


def test_a_header_sorts_by_its_column_and_the_other_way_round_when_sorted_by_it_already() -> None:
    query = {"q": "école", "sort": "title", "dir": "", "page": ""}
    assert sort_url("/l", query, "title", current="title", descending=False) == "/l?q=%C3%A9cole&sort=title&dir=desc"
    assert sort_url("/l", query, "title", current="title", descending=True) == "/l?q=%C3%A9cole&sort=title"
    assert sort_url("/l", query, "name", current="title", descending=False) == "/l?q=%C3%A9cole&sort=name"
    assert (
        sort_url("/l", {"order": "calibrated"}, "name", current="", descending=False, reset=["order"]) == "/l?sort=name"
    )
    links = column_links("/l", [("a", "A"), ("b", "B")], {}, current="a", descending=False)
    assert links == [("a", "A", "/l?sort=a&dir=desc"), ("b", "B", "/l?sort=b")]


def urls(links: list[tuple[str, str, str]]) -> dict[str, str]:
    return {key: url for key, _, url in links}


def test_the_registrations_list_keeps_its_links() -> None:
    unsorted = urls(registrations_links(filters_of()))
    assert unsorted["number"] == f"{REG}?sort=number&dir=desc"  # sorted by number unless it says otherwise
    assert unsorted["name"] == f"{REG}?sort=name"
    chosen = urls(registrations_links(filters_of("confirmed", "", "JP", "", "tanaka", "name", "desc")))
    assert chosen["name"] == f"{REG}?status=confirmed&country=JP&q=tanaka&sort=name"
    assert chosen["number"] == f"{REG}?status=confirmed&country=JP&q=tanaka&sort=number"
    invoices = urls(registrations_links(filters_of(method="invoice", sort="bogus")))
    assert invoices["number"] == f"{REG}?method=invoice&sort=number&dir=desc"


def test_the_abstracts_table_keeps_its_links_and_a_column_sort_ends_the_calibrated_order() -> None:
    assert abstracts_links(TABLE)[0] == ("reference", "Reference", "/organiser/abstracts?sort=reference")
    calibrated = abstracts_links(TABLE | {"network": "DU", "order": "calibrated", "sort": "title"})
    assert calibrated[3] == ("title", "Title", "/organiser/abstracts?network=DU&sort=title&dir=desc")
    back = abstracts_links(TABLE | {"sort": "title", "dir": "desc", "q": "école"})
    assert back[3] == ("title", "Title", "/organiser/abstracts?q=%C3%A9cole&sort=title")
