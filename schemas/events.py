"""Imports every context's events so that all of them are registered."""

from schemas import badges, delegates, notify, registration

__all__ = ["badges", "delegates", "notify", "registration"]
