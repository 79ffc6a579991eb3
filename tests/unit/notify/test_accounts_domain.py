"""The rules of organiser accounts: what an admin may not do to themselves, what a convener needs, and the
snapshot that leaves notify without the password hash, and which accounts may be erased."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.roles import Role
from services.notify.domain.accounts import (
    AccountRefused,
    OrganiserRecord,
    checked_password,
    checked_roles,
    deactivated,
    erasable,
    regranted,
    snapshot,
)

NETWORKS = frozenset({"DU", "EL"})
ADMIN = OrganiserRecord(
    "a1", "admin@x.org", "Ada", frozenset({Role.ADMIN}), frozenset(), True, "scrypt$s$h", None, None, 3
)


def test_an_admin_cannot_lock_themselves_out() -> None:
    with pytest.raises(AccountRefused, match="your own account"):
        deactivated(ADMIN, "Admin@X.org", datetime.now(UTC))
    with pytest.raises(AccountRefused, match="admin role from yourself"):
        regranted(ADMIN, "admin@x.org", frozenset({Role.VIEWER}), frozenset())
    other = deactivated(ADMIN, "boss@x.org", datetime(2027, 1, 1, tzinfo=UTC))
    assert (other.active, other.version, other.sessions_valid_after) == (False, 4, datetime(2027, 1, 1, tzinfo=UTC))


def test_a_convener_needs_known_networks_and_others_keep_none() -> None:
    with pytest.raises(AccountRefused, match="at least one network"):
        checked_roles(frozenset({Role.CONVENER}), frozenset(), NETWORKS)
    with pytest.raises(AccountRefused, match="Unknown network"):
        checked_roles(frozenset({Role.CONVENER}), frozenset({"XX"}), NETWORKS)
    with pytest.raises(AccountRefused, match="at least one role"):
        checked_roles(frozenset(), frozenset(), NETWORKS)
    assert checked_roles(frozenset({Role.FINANCE}), frozenset({"DU"}), NETWORKS) == frozenset()
    assert checked_roles(frozenset({Role.CONVENER}), frozenset({"DU"}), NETWORKS) == frozenset({"DU"})


def test_passwords_are_long_and_typed_twice() -> None:
    with pytest.raises(AccountRefused, match="differ"):
        checked_password("a long password 1", "a long password 2")
    with pytest.raises(AccountRefused, match="at least 12"):
        checked_password("short", "short")


def test_the_snapshot_carries_no_password_hash() -> None:
    event = snapshot(ADMIN)
    assert "scrypt" not in event.model_dump_json() and event.roles == ["admin"] and event.account_version == 3


def test_only_a_deactivated_account_no_longer_in_the_edition_file_is_erased_and_never_ones_own() -> None:
    off = deactivated(ADMIN, "boss@x.org", datetime(2027, 1, 1, tzinfo=UTC))
    erasable(off, "boss@x.org", listed=False)
    with pytest.raises(AccountRefused, match="Deactivate the account first"):
        erasable(ADMIN, "boss@x.org", listed=False)
    with pytest.raises(AccountRefused, match="your own account"):
        erasable(off, "ADMIN@x.org", listed=False)
    with pytest.raises(AccountRefused, match="remove them from the YAML first"):
        erasable(off, "boss@x.org", listed=True)
