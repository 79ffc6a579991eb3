"""Imports every context's events so that all of them are registered."""

from schemas import abstracts, badges, delegates, keys, notify, programme, registration, sessions

__all__ = ["abstracts", "badges", "delegates", "keys", "notify", "programme", "registration", "sessions"]
