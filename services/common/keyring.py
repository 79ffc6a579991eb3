"""The key store: a data key per person, so that erasing a person makes their personal fields unreadable.

Personal fields of events (``schemas.personal``) are encrypted with AES-256-GCM under the data key of the
person the event is about. A service mints a key the first time it writes about a person in a transaction
and finds none it owns: the key goes into the service's own ``person_keys`` table (wrapped: AES-GCM under
a key-encryption key derived by HKDF-SHA256 from the congress secret, so a copy of the table alone opens
nothing) and onto the compacted ``congress.keys`` topic (``PersonKeyIssued``, wrapped the same way), both
in the transaction that writes the event, the key's outbox row before the event's. Every process keeps
the keys it has seen in memory (``KeyFollower`` reads the topic from its beginning).

One key per person: a key a process minted is used by its later transactions too until its record is read back
(not a key per transaction in between), and the table keeps one current key per person (``key_table``): when two
copies mint for one person at the same moment, the second to write keeps its key retired (it opens what it
sealed) and takes up the current one (``settle``, run by the key follower when it sees the second key come in).

Erasure (``Keyring.erase``) deletes the person's rows in the service's table and stages a tombstone per key
id; every process forgets the key when the tombstone reaches it, and compaction drops the wrapped key
from the log. An event whose key is gone still decodes; its personal fields read ``erased``.
Backup story: docs/privacy.md, *The key store*.
"""

from __future__ import annotations

import base64
import binascii
import functools
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from schemas import topics
from schemas.base import CONTENT_TYPE, encode_new
from schemas.keys import PersonKeyIssued
from schemas.personal import EMAIL_SUBJECT, ERASED, Open, Seal, by_email
from services.common.db import READ_ONLY
from services.common.entropy import fresh
from services.common.key_table import insert_keys as insert_keys  # the outbox writes minted keys with it
from services.common.key_table import person_keys_table

STAGED_KEYS = "congress_person_keys"
"""``session.info`` entry: keys minted in this transaction, written by ``outbox.write_staged`` before the events."""
_MINTED = "congress_minted_keys"
_NONCE = 12
PSEUDONYMS_KEPT = 4096
"""How many addresses' pseudonyms a keyring remembers (an HMAC per sealed field otherwise; forgotten on erasure)."""
_KEY_HEADERS = [("content-type", CONTENT_TYPE)]
_StagedKey = tuple[dict[str, Any], dict[str, Any]]
"""A minted key's ``person_keys`` row and its ``PersonKeyIssued`` record for the outbox."""


class KeyPending(Exception):
    """A token names a key this process has not seen yet (its record may still be on its way)."""


@functools.lru_cache(maxsize=8)
def _kek(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"congress.person-keys").derive(secret.encode())
    return AESGCM(key)


@functools.lru_cache(maxsize=8)
def _pseudonym_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"congress.person-ref").derive(secret.encode())


def person_ref(secret: str, email: str) -> str:
    """The pseudonymous subject of the person with this email address: ``person-`` and 32 hex digits of an
    HMAC-SHA256 under a key derived from the congress secret. The same in every service (so each can erase the
    person's keys without anyone publishing the address), and useless without the secret and the address."""
    mac = hmac.HMAC(_pseudonym_key(secret), hashes.SHA256())
    mac.update(by_email(email).encode())
    return "person-" + mac.finalize().hex()[:32]


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(raw: bytes) -> str:
    """base64url without padding (what ``base64.urlsafe_b64encode`` and a strip write, without its checks)."""
    return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Keyring:
    """One process's keys: those it may encrypt with (its own), and every key it may decrypt with."""

    def __init__(self, secret: str, owner: str) -> None:
        self.secret = secret
        self.owner = owner
        self._ciphers: dict[str, AESGCM] = {}
        self._own: dict[str, str] = {}
        """subject -> key id of a committed key this service minted (the table, or the topic's echo)."""
        self._subjects: dict[str, str] = {}
        self.erased: set[str] = set()
        """Key ids whose tombstone this process has seen (or that this service erased)."""
        self.erased_subjects: set[str] = set()
        """People erased: their tokens read ``erased`` here whoever's key sealed them, and no key is minted for
        them again (what this service writes about them afterwards carries ``erased``)."""
        self._pseudonyms: OrderedDict[str, str] = OrderedDict()
        """Address (as ``by_email`` folds it) -> pseudonym, the most recently used last; at most
        ``PSEUDONYMS_KEPT``, and an erased person's address is dropped at their erasure."""
        self._unconfirmed: dict[str, str] = {}
        """key id -> subject of a key this process minted whose record it has not read back from the topic."""
        self._pending: dict[str, tuple[str, _StagedKey]] = {}
        """subject -> a key this process minted and has not read back yet, with its row and record: a later
        transaction about the person seals with it too and stages both again (the table takes the row once),
        rather than minting a second key for the person before the first one's record is back."""
        self.races: set[str] = set()
        """People for whom a key another copy of this service minted came in beside this process's own (two copies
        minted at the same moment): ``settle`` takes up the one the table keeps current."""
        self._engine: AsyncEngine | None = None
        """The service's database (from ``load``), where ``settle`` reads the current keys."""

    # -- wrapping -------------------------------------------------------------------------------------
    def wrap(self, key_id: str, subject: str, key: bytes) -> bytes:
        nonce = fresh(_NONCE)
        return nonce + _kek(self.secret).encrypt(nonce, key, f"{key_id}|{subject}".encode())

    def unwrap(self, key_id: str, subject: str, wrapped: bytes) -> bytes:
        return _kek(self.secret).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], f"{key_id}|{subject}".encode())

    # -- learning and forgetting ----------------------------------------------------------------------
    def learn(self, issued: PersonKeyIssued) -> bool:
        """Keep a key from the topic; False if it does not unwrap (another congress secret)."""
        try:
            key = self.unwrap(issued.key_id, issued.subject, _unb64(issued.wrapped_key))
        except (InvalidTag, ValueError):
            return False
        self._keep(issued.key_id, issued.subject, key, own=issued.owner == self.owner)
        return True

    def _keep(self, key_id: str, subject: str, key: bytes, *, own: bool) -> None:
        if key_id in self.erased:
            return
        self._ciphers[key_id] = AESGCM(key)
        self._subjects[key_id] = subject
        if own:
            self._take_up(subject, key_id)

    def _take_up(self, subject: str, key_id: str) -> None:
        """Seal for ``subject`` with ``key_id`` unless a key is already taken up; a second own key is a race."""
        pending = self._pending.get(subject)
        if self._own.setdefault(subject, key_id) != key_id or (pending is not None and pending[0] != key_id):
            self.races.add(subject)
        if pending is not None and pending[0] == key_id:
            del self._pending[subject]

    def forget(self, key_id: str) -> None:
        """A tombstone (or this service's erasure): the key is gone for good in this process, and its person is
        erased (keys are tombstoned only by an erasure)."""
        self.erased.add(key_id)
        self._ciphers.pop(key_id, None)
        self._unconfirmed.pop(key_id, None)
        subject = self._subjects.pop(key_id, None)
        if subject is not None:
            self.erased_subjects.add(subject)
            self._pending.pop(subject, None)
            self.races.discard(subject)
            self._forget_pseudonyms({subject})
            if self._own.get(subject) == key_id:
                del self._own[subject]

    def confirm(self, key_id: str) -> bool:
        """A key's record read back from the topic: True if this process minted that key (it then seals with it
        from now on, its commit being proven), so the record need not be decoded and unwrapped again."""
        subject = self._unconfirmed.pop(key_id, None)
        if subject is None or key_id not in self._ciphers:
            return False
        self._take_up(subject, key_id)
        return True

    def knows(self, key_id: str) -> bool:
        return key_id in self._ciphers or key_id in self.erased

    async def load(self, session: AsyncSession) -> int:
        """The keys this service minted, from its table (at start, before any event is written): each person's
        current key to seal with, a retired one only to open what it sealed (``key_table``)."""
        if isinstance(session.bind, AsyncEngine):
            self._engine = session.bind
        rows = (await session.execute(select(person_keys_table))).all()
        for row in rows:
            if not row.wrapped_key:  # the mark an erasure leaves
                self.erased_subjects.add(row.subject)
                continue
            key = self.unwrap(row.key_id, row.subject, row.wrapped_key)
            self._keep(row.key_id, row.subject, key, own=not row.retired)
        return len(rows)

    async def settle(self) -> int:
        """After a race (``races``): seal for each of those people with the key the table keeps current, as the
        copy that minted it does; the other key is kept retired and still opens what it sealed. Returns how many
        current keys were read. (A race is seen only in records, published after their rows committed, so the
        current row is there; a person without one, their rows deleted meanwhile, keeps the key taken up.)"""
        if not self.races or self._engine is None:
            return 0
        subjects = sorted(self.races)
        keys = person_keys_table.c
        query = select(keys.key_id, keys.subject, keys.wrapped_key).where(
            keys.subject.in_(subjects), keys.retired.is_(False)
        )
        async with self._engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            rows = (await connection.execute(query)).all()
        self.races.difference_update(subjects)
        for row in rows:
            self._pending.pop(row.subject, None)
            if not row.wrapped_key:  # erased here meanwhile: nothing more is sealed for them
                self.erased_subjects.add(row.subject)
                continue
            if row.key_id not in self._ciphers:
                self._keep(row.key_id, row.subject, self.unwrap(row.key_id, row.subject, row.wrapped_key), own=False)
            if row.key_id in self._ciphers:  # not a key this process has seen erased
                self._own[row.subject] = row.key_id
        return len(rows)

    # -- the codec's two callables --------------------------------------------------------------------
    def opener(self, *, final: bool) -> Open:
        """Opens tokens; an unknown key raises ``KeyPending`` unless ``final`` (then it counts as erased)."""

        def open_(key_id: str, _token: str, sealed: bytes) -> str | None:
            cipher = self._ciphers.get(key_id)
            if self._subjects.get(key_id) in self.erased_subjects:
                return None
            if cipher is None:
                if key_id in self.erased or final:
                    return None
                raise KeyPending(key_id)
            try:
                return cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], key_id.encode()).decode()
            except (InvalidTag, ValueError):
                return None  # damaged: as unreadable as an erased value

        return open_

    def sealer(self, session: AsyncSession | Session) -> Seal:
        """Encrypts for ``session``'s transaction, minting (and staging) a key for a person who has none."""

        def seal(subject: str, plaintext: str) -> str:
            subject = self.subject_of(subject)
            if subject in self.erased_subjects:
                return ERASED  # written about someone already erased: nothing of them goes out
            key_id = self._key_for(session, subject)
            nonce = fresh(_NONCE)
            sealed = self._ciphers[key_id].encrypt(nonce, plaintext.encode(), key_id.encode())
            return f"k1.{key_id}.{_b64(nonce + sealed)}"

        return seal

    def subject_of(self, subject: str) -> str:
        """A seal subject as keys are filed: a person known by email (``by_email``) under their pseudonym.

        Pseudonyms are remembered (an HMAC for every field sealed otherwise), a bounded number, least recently
        used first out; an erasure forgets the erased person's (``_forget_pseudonyms``)."""
        if not subject.startswith(EMAIL_SUBJECT):
            return subject
        known = self._pseudonyms.get(subject)
        if known is not None:
            self._pseudonyms.move_to_end(subject)
            return known
        ref = self._pseudonyms[subject] = person_ref(self.secret, subject[len(EMAIL_SUBJECT) :])
        if len(self._pseudonyms) > PSEUDONYMS_KEPT:
            self._pseudonyms.popitem(last=False)
        return ref

    def remembers_address(self, email: str) -> bool:
        """Whether this keyring holds ``email`` (its pseudonym remembered): never once the person is erased."""
        return by_email(email) in self._pseudonyms

    def _forget_pseudonyms(self, subjects: set[str]) -> None:
        for address in [a for a, ref in self._pseudonyms.items() if ref in subjects]:
            del self._pseudonyms[address]

    def _key_for(self, session: AsyncSession | Session, subject: str) -> str:
        known = self._own.get(subject)
        if known is not None:
            return known
        minted: dict[str, str] = session.info.setdefault(_MINTED, {})
        if subject in minted:
            return minted[subject]
        staged: list[_StagedKey] = session.info.setdefault(STAGED_KEYS, [])
        pending = self._pending.get(subject)
        if pending is not None:  # minted by another transaction of this process, not read back yet: the same key
            key_id, (row, record) = pending
            staged.append((dict(row), dict(record)))
        else:
            key_id = f"{self.owner}-{fresh(16).hex()}"
            key = AESGCM.generate_key(bit_length=256)
            self._ciphers[key_id] = AESGCM(key)  # decryptable at once; used for writing once committed (echo, load)
            self._subjects[key_id] = subject
            self._unconfirmed[key_id] = subject
            self._pending[subject] = (key_id, self._staged(key_id, subject, self.wrap(key_id, subject, key)))
            staged.append(self._pending[subject][1])
        minted[subject] = key_id
        return key_id

    def _staged(self, key_id: str, subject: str, wrapped: bytes) -> _StagedKey:
        now = datetime.now(UTC)
        issued = PersonKeyIssued(key_id=key_id, subject=subject, owner=self.owner, wrapped_key=_b64(wrapped))
        event_id, value = encode_new(issued, f"/congress/{self.owner}", time=now)
        row = {"key_id": key_id, "subject": subject, "wrapped_key": wrapped, "created_at": now}
        message = {
            "event_id": event_id,
            "topic": topics.KEYS,
            "key": key_id.encode(),
            "value": value,
            "headers": _KEY_HEADERS,
            "created_at": now,
        }
        return row, message

    # -- erasure --------------------------------------------------------------------------------------
    async def erase(self, session: AsyncSession, subjects: Sequence[str]) -> list[str]:
        """Delete these people's keys from this service's table and stage a tombstone for each on the key topic.

        Keys minted by this process but not yet committed elsewhere go too (forgotten here at once).
        Returns the key ids erased. The caller's transaction commits it with the rest of the erasure.
        """
        wanted = set(subjects)
        rows = (
            await session.execute(select(person_keys_table.c.key_id).where(person_keys_table.c.subject.in_(wanted)))
        ).scalars()
        key_ids = set(rows) | {k for k, s in self._subjects.items() if s in wanted and k.startswith(f"{self.owner}-")}
        await session.execute(delete(person_keys_table).where(person_keys_table.c.subject.in_(wanted)))
        marks = [
            {
                "key_id": f"{self.owner}-{uuid.uuid4().hex}",
                "subject": s,
                "wrapped_key": b"",
                "created_at": datetime.now(UTC),
            }
            for s in sorted(wanted)
        ]
        await session.execute(insert(person_keys_table), marks)  # an empty key: this person is erased here
        for subject in wanted:
            self._pending.pop(subject, None)
            self.races.discard(subject)
        minted = session.info.get(STAGED_KEYS, [])
        session.info[STAGED_KEYS] = [(row, msg) for row, msg in minted if row["subject"] not in wanted]
        key_ids |= {row["key_id"] for row, _ in minted if row["subject"] in wanted}
        session.info[_MINTED] = {s: k for s, k in session.info.get(_MINTED, {}).items() if s not in wanted}
        staged: list[dict[str, Any]] = session.info.setdefault("congress_outbox_rows", [])
        for key_id in sorted(key_ids):
            staged.append(
                {
                    "event_id": "",
                    "topic": topics.KEYS,
                    "key": key_id.encode(),
                    "value": None,
                    "headers": [],
                    "created_at": datetime.now(UTC),
                }
            )
            self.forget(key_id)
        self.erased_subjects |= wanted
        self._forget_pseudonyms(wanted)
        return sorted(key_ids)


def staged_keys(session: AsyncSession | Session) -> list[_StagedKey]:
    """Take the keys minted in this session's transaction off it (``write_staged`` writes them)."""
    session.info.pop(_MINTED, None)
    taken: list[_StagedKey] = session.info.pop(STAGED_KEYS, None) or []
    return taken
