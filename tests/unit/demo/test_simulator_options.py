"""The simulator takes every copy of a service (``congress up --replicas``) as a comma-separated list."""

from __future__ import annotations

from services.demo.simulator import parse


def test_several_copies_are_read_from_one_option() -> None:
    options = parse(["--registration-url", "http://127.0.0.1:8001/, http://127.0.0.1:8101", "--delegates", "3"])
    assert options.registration_urls == ("http://127.0.0.1:8001", "http://127.0.0.1:8101")
    assert options.registration_url == "http://127.0.0.1:8001"  # the organiser's and the first checks' copy
    assert parse(["--badges-url", "http://b:8003"]).badges_urls == ("http://b:8003",)
