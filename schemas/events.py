"""Imports every context's events so that all of them are registered."""

from schemas import (
    abstracts,
    audit,
    badges,
    delegates,
    keys,
    notify,
    organisers,
    privacy,
    programme,
    registration,
    sessions,
)

__all__ = [
    "abstracts",
    "audit",
    "badges",
    "delegates",
    "keys",
    "notify",
    "organisers",
    "privacy",
    "programme",
    "registration",
    "sessions",
]
