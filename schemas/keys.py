"""The compacted person-key topic: how each person's data key reaches every service that reads about them.

A service that writes a personal field about a person it has no key for mints a data key (256 bits),
stores it in its own ``person_keys`` table and publishes it here, *wrapped* (AES-GCM under a
key-encryption key derived from the congress secret), keyed by the key id. Every process follows the
topic from its beginning and keeps the keys in memory to open personal fields (``schemas.personal``).
Erasing a person deletes their rows and publishes a tombstone for each of their key ids; compaction then
drops the wrapped key from the log, and the events that used it read ``erased``. See docs/privacy.md.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from schemas.base import EventData


class PersonKeyIssued(EventData):
    """Emitted by any service with a database when it mints a data key for a person (before the first event
    that uses it, through the same outbox)."""

    context: ClassVar[str] = "keys"
    key_field: ClassVar[str] = "key_id"

    key_id: str = Field(description="<owning service>-<32 hex>; named in every token the key encrypted.")
    subject: str = Field(description="Whose key: a delegate id or an abstract id (an opaque id, never a name).")
    owner: str = Field(description="The service that minted it and erases it.")
    wrapped_key: str = Field(
        description="The data key, AES-256-GCM under the key-encryption key derived (HKDF-SHA256) from the congress "
        "secret with the purpose person-keys, bound to key_id and subject; base64url."
    )
