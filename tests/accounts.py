"""Test helper: an organiser account directory as the services build one, over the example edition file."""

from __future__ import annotations

from schemas.organisers import OrganiserAccountChanged
from services.common.accounts import AccountDirectory, seeded_account_id
from services.common.congress import load_congress
from services.common.organiser_sessions import ConfiguredOrganisers


def directory_with(account_id: str, email: str, full_name: str, roles: list[str]) -> AccountDirectory:
    """The example edition's directory (seeded ids under the secret ``s``) with one invited, active account."""
    accounts = AccountDirectory(ConfiguredOrganisers(load_congress()), lambda address: seeded_account_id("s", address))
    accounts.apply(
        OrganiserAccountChanged(
            account_id=account_id, email=email, full_name=full_name, roles=roles, active=True, account_version=1
        )
    )
    return accounts
