"""Personal fields of events, and how they travel: encrypted with a key per person (crypto-shredding).

A field annotated ``PersonalStr`` (``Annotated[str, Personal()]``) holds data about a person: a name, an
email, an institution, free text about them. The kernel's codec (``services.common.keyring``) replaces
its value on the wire by a *token* ``k1.<key id>.<base64url(nonce | AES-GCM ciphertext)>`` made with
the data key of the person the event is about (its CloudEvents subject: the delegate id for everything
about a delegate, the abstract id for an abstract's authors), and opens it again at the consumer's edge.
Erasing a person deletes their keys: the events stay valid CloudEvents, and their personal fields read
``ERASED``.

The JSON Schema of a personal field stays ``string`` (a token is a string), marked ``"x-personal": true``
so that readers of the AsyncAPI document know the value is a token. Values written before the codec
encrypted (plain text) are read as they are. Pure: pydantic and the standard library only; the
cryptography lives in the kernel, reached through the two callables ``Seal`` and ``Open``.
"""

from __future__ import annotations

import binascii
import functools
import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import BaseModel, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

ERASED = "erased"
"""What a personal field reads once its person's key is gone."""
TOKEN = re.compile(r"^k1\.([a-z0-9_]{1,40}-[0-9a-f]{32})\.([A-Za-z0-9_-]{20,})$")
"""A personal value encrypted by the kernel's codec: ``k1.<key id>.<nonce and ciphertext>``."""

Seal = Callable[[str, str], str]
"""``seal(subject, plaintext)`` -> token, with the data key of ``subject`` (minted when there is none)."""
Open = Callable[[str, str, bytes], str | None]
"""``open(key_id, token, ciphertext)`` -> plaintext, or None when that key is erased."""


class Sealed(str):
    """A token this process received sealed, read from a topic (a dead letter, a kept event): passed on as it is.

    Only such a value is ever passed on unsealed. A personal value that comes from anywhere else (a form, the
    API, a row) is sealed whatever it looks like: someone who types another person's token into their own name
    must not have consumers open it to that person's data. ``received_sealed`` marks the tokens of a value
    decoded from the wire; nothing that looks at a string decides it is sealed.
    """

    __slots__ = ()


class Personal:
    """Marks a string field as personal data: encrypted per person on the wire, ``ERASED`` after erasure.

    ``person`` names the field beside it (in the same model; the field itself for an email) whose value, an email
    address, says whose data it is: the value is then sealed with that person's key (subject ``by_email(...)``)
    rather than the event subject's. Authors, presenters and reviewers are known by email, and one event may name
    several of them; erasing one of them must not make the others unreadable.
    """

    def __init__(self, person: str | None = None) -> None:
        self.person = person

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["x-personal"] = True
        return out

    def __repr__(self) -> str:
        return "Personal()"


PersonalStr = Annotated[str, Personal()]
"""A string about a person (name, email, institution, free text about them)."""

ByEmail = Annotated[str, Personal(person="email")]
"""A string about the person whose email address is the field ``email`` beside it (that field itself too)."""

EMAIL_SUBJECT = "email:"
"""Prefix of a seal subject that is a person known by their email; the keyring turns it into a pseudonym."""


def by_email(email: str) -> str:
    """The seal subject of the person with this email address (case and surrounding blanks ignored)."""
    return EMAIL_SUBJECT + email.strip().casefold()


def personal_of(person: str) -> Personal:
    """The marker of a field sealed with the key of the person whose email is in the field ``person``."""
    return Personal(person=person)


Path = tuple[str, ...]
"""Where a personal value sits in an event's data, ``*`` standing for every item of a list."""


@functools.cache
def personal_paths(model: type[BaseModel]) -> tuple[Path, ...]:
    """Every path of a personal field in ``model`` (nested models, optional ones and lists of them included)."""
    paths: list[Path] = []
    for name, info in model.model_fields.items():
        alias = info.alias or name
        if any(isinstance(m, Personal) for m in info.metadata):
            paths.append((alias,))
            continue
        inner, many = _nested_model(info.annotation)
        if inner is not None:
            prefix = (alias, "*") if many else (alias,)
            paths.extend((*prefix, *rest) for rest in personal_paths(inner))
    return tuple(paths)


@functools.cache
def person_fields(model: type[BaseModel]) -> dict[Path, str]:
    """For each personal path sealed per person (``Personal(person=...)``): the sibling field with the email."""
    found: dict[Path, str] = {}
    for name, info in model.model_fields.items():
        alias = info.alias or name
        marker = next((m for m in info.metadata if isinstance(m, Personal)), None)
        if marker is not None:
            if marker.person is not None:
                found[(alias,)] = marker.person
            continue
        inner, many = _nested_model(info.annotation)
        if inner is not None:
            prefix = (alias, "*") if many else (alias,)
            found.update({(*prefix, *rest): field for rest, field in person_fields(inner).items()})
    return found


def _nested_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside ``X``, ``X | None``, ``tuple[X, ...]`` or ``list[X]``, and whether it is a sequence."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _nested_model(arg)
            if found[0] is not None:
                return found
        return None, False
    if origin in (tuple, list):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        if len(args) == 1:
            inner, _ = _nested_model(args[0])
            return inner, True
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def seal_doc(model: type[BaseModel], doc: dict[str, Any], subject: str, seal: Seal) -> dict[str, Any]:
    """``doc`` (``model`` dumped as JSON: a fresh copy, changed in place) with every personal string replaced by
    its token.

    A value marked ``Personal(person=...)`` is sealed for the person whose email its sibling field holds; the
    email fields themselves go last, so their siblings still read them in clear. Every non-empty string is
    sealed, also one that looks like a token, except a ``Sealed`` one (``received_sealed``).
    """
    for path, sibling in _seal_plan(model):
        field = path[-1]
        for node in _parents(doc, path[:-1]):
            value = node.get(field)
            if isinstance(value, str) and value and not isinstance(value, Sealed):
                node[field] = (
                    seal(subject, value) if sibling is None else _seal_for(seal, subject, node.get(sibling), value)
                )
    return doc


@functools.cache
def _seal_plan(model: type[BaseModel]) -> tuple[tuple[Path, str | None], ...]:
    """The personal paths of ``model`` in sealing order, each with the sibling naming its person (or None): the
    event subject's first, then the per-person ones, the email fields after their siblings."""
    people = person_fields(model)
    plain: list[tuple[Path, str | None]] = [(p, None) for p in personal_paths(model) if p not in people]
    ordered = sorted(people, key=lambda path: path[-1] == people[path])
    return (*plain, *((p, people[p]) for p in ordered))


def _parents(doc: dict[str, Any], prefix: Path) -> list[dict[str, Any]]:
    """The objects reached from ``doc`` along ``prefix`` (``*``: every item of a list)."""
    nodes: list[Any] = [doc]
    for head in prefix:
        if head == "*":
            nodes = [item for node in nodes if isinstance(node, list) for item in node]
        else:
            nodes = [node[head] for node in nodes if isinstance(node, dict) and head in node]
    return [node for node in nodes if isinstance(node, dict)]


def received_sealed(model: type[BaseModel], doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (``model`` dumped as JSON from an event decoded off a topic, not opened) with each token at a
    personal path marked ``Sealed``, so that ``seal_doc`` passes it on instead of sealing it again.

    For a value this process received as bytes from a topic only: there a token-shaped value was sealed by
    the service that wrote it (every service seals all it is given), not typed by the person it names.
    """
    return _map(doc, personal_paths(model), lambda value: Sealed(value) if TOKEN.match(value) else value)


def _seal_for(seal: Seal, subject: str, owner: Any, value: str) -> str:
    if isinstance(owner, str) and owner and not isinstance(owner, Sealed):
        return seal(by_email(owner), value)
    return seal(subject, value)  # nobody named beside it: the event's subject


def open_doc(model: type[BaseModel], doc: dict[str, Any], open_: Open) -> bool:
    """Opens every token in ``doc`` (``model`` dumped as JSON: a fresh copy, changed in place) to its plain value,
    or ``ERASED`` when its key is gone; False when there was no token to open (nothing changed)."""
    found = False
    for prefix, fields in _by_parent(model):
        for node in _parents(doc, prefix):
            for field in fields:
                value = node.get(field)
                match = TOKEN.match(value) if isinstance(value, str) and value.startswith("k1.") else None
                if match is not None:  # else written before personal fields were encrypted: read as it is
                    plain = open_(match.group(1), match.group(0), _unb64(match.group(2)))
                    node[field] = ERASED if plain is None else plain
                    found = True
    return found


@functools.cache
def _by_parent(model: type[BaseModel]) -> tuple[tuple[Path, tuple[str, ...]], ...]:
    """The personal fields of ``model`` grouped by the path of the object that holds them."""
    groups: dict[Path, list[str]] = {}
    for path in personal_paths(model):
        groups.setdefault(path[:-1], []).append(path[-1])
    return tuple((prefix, tuple(fields)) for prefix, fields in groups.items())


def key_ids(model: type[BaseModel], doc: dict[str, Any]) -> set[str]:
    """The key ids of every token in ``doc``."""
    found: set[str] = set()

    def note(value: str) -> str:
        match = TOKEN.match(value)
        if match is not None:
            found.add(match.group(1))
        return value

    _map(doc, personal_paths(model), note)
    return found


def erase_doc(model: type[BaseModel], doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with every personal string, token or clear, reading ``ERASED`` (a reader that kept
    opened values, such as the console's journal, forgets a person with it)."""
    return _map(doc, personal_paths(model), lambda _value: ERASED)


def clear_values(model: type[BaseModel], doc: dict[str, Any]) -> bool:
    """Whether ``doc`` holds a personal value in clear (not a token, not ``ERASED``, not empty)."""
    found = False

    def note(value: str) -> str:
        nonlocal found
        found = found or (value != ERASED and not TOKEN.match(value))
        return value

    _map(doc, personal_paths(model), note)
    return found


def _map(doc: dict[str, Any], paths: tuple[Path, ...], change: Callable[[str], str]) -> dict[str, Any]:
    out: Any = doc
    for path in paths:
        out = _changed(out, path, change)
    return dict(out)


def _changed(node: Any, path: Path, change: Callable[[str], str]) -> Any:
    """``node`` with the string(s) at ``path`` changed; what is not on the path is shared, not copied."""
    if not path:
        return change(node) if isinstance(node, str) and node else node
    head, rest = path[0], path[1:]
    if head == "*":
        return [_changed(item, rest, change) for item in node] if isinstance(node, list) else node
    if not isinstance(node, dict) or head not in node:
        return node
    return {**node, head: _changed(node[head], rest, change)}


_FROM_URLSAFE = str.maketrans("-_", "+/")


def _unb64(text: str) -> bytes:
    """base64url without padding (``TOKEN`` has checked its alphabet) to bytes, without the standard library's
    per-call checks and copies."""
    return binascii.a2b_base64(text.translate(_FROM_URLSAFE) + "=" * (-len(text) % 4))
