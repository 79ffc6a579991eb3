"""Secrets that must travel on the event stream, sealed so that only their one reader can open them.

A sign-in link, a registration's view link, a reviewer's portal link: notify has to put them in an
email, but anyone who can read a topic (``congress tail``, the console, a dead-letter dump) must not
be able to use them. The producer seals the link for a *purpose* (``notify-link``) and binds it to
what it is about (a registration id, a reviewer id); notify opens it just before it renders the
message.

AES-256-GCM (authenticated: a changed byte is refused, not decrypted into garbage), with a key
derived by HKDF-SHA256 from the congress secret and the purpose, so the same secret never serves
as both a signing and an encryption key. The bound id is the associated data: a sealed link cut
from one event and pasted into another does not open. Format: ``s1.<base64url(nonce | ciphertext)>``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NOTIFY_LINK = "notify-link"
"""The purpose of links only notify may open (it mails them)."""
PREFIX = "s1."
_NONCE = 12


class SealBroken(Exception):
    """A sealed value that is damaged, bound to something else, or sealed with another key."""


@functools.lru_cache(maxsize=16)
def _cipher(secret: str, purpose: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"congress.sealed.{purpose}".encode()).derive(
        secret.encode()
    )
    return AESGCM(key)


def seal(secret: str, purpose: str, plaintext: str, *, bound_to: str) -> str:
    """``plaintext`` encrypted for ``purpose`` and bound to ``bound_to`` (e.g. the registration id)."""
    nonce = os.urandom(_NONCE)
    sealed = _cipher(secret, purpose).encrypt(nonce, plaintext.encode(), bound_to.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(secret: str, purpose: str, sealed: str, *, bound_to: str) -> str:
    """The plaintext of a value ``seal`` made for the same purpose and binding, else ``SealBroken``."""
    if not sealed.startswith(PREFIX):
        raise SealBroken("not a sealed value")
    body = sealed.removeprefix(PREFIX)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SealBroken("not base64") from exc
    if len(raw) <= _NONCE:
        raise SealBroken("too short")
    try:
        plain = _cipher(secret, purpose).decrypt(raw[:_NONCE], raw[_NONCE:], bound_to.encode())
    except InvalidTag as exc:
        raise SealBroken("damaged, bound to something else, or sealed with another key") from exc
    return plain.decode()
