"""Pages of a long list: which rows of how many, and links that keep the filters."""

from __future__ import annotations

from services.common.paging import MAX_PAGE_SIZE, Paging


def test_a_middle_page_says_which_rows_of_how_many_and_links_both_ways() -> None:
    paging = Paging.of(2, 500, 1560, "/organiser/registrations", status="confirmed", q="", category="")
    assert (paging.offset, paging.last_page) == (500, 4)
    assert paging.summary(500) == "Showing 501–1,000 of 1,560"
    assert paging.next == "/organiser/registrations?status=confirmed&page=3&size=500"
    assert paging.previous == "/organiser/registrations?status=confirmed&page=1&size=500"


def test_the_edges_and_sizes_out_of_range() -> None:
    last = Paging.of(99, 500, 1560, "/x")
    assert last.page == 4 and last.next is None and last.summary(60) == "Showing 1,501–1,560 of 1,560"
    assert Paging.of(1, 10**9, 5, "/x").size == MAX_PAGE_SIZE
    empty = Paging.of(1, 0, 0, "/x")
    assert empty.size == 1 and empty.previous is None and empty.next is None
    assert empty.summary(0) == "Nothing to show"
