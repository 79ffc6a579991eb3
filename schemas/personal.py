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

import base64
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


class Personal:
    """Marks a string field as personal data: encrypted per person on the wire, ``ERASED`` after erasure."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["x-personal"] = True
        return out

    def __repr__(self) -> str:
        return "Personal()"


PersonalStr = Annotated[str, Personal()]
"""A string about a person (name, email, institution, free text about them)."""

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
    """A copy of ``doc`` (``model`` dumped as JSON) with every personal string replaced by its token."""
    return _map(doc, personal_paths(model), lambda value: seal(subject, value) if not TOKEN.match(value) else value)


def open_doc(model: type[BaseModel], doc: dict[str, Any], open_: Open) -> dict[str, Any]:
    """A copy of ``doc`` with every token opened: the plain value, or ``ERASED`` when its key is gone."""

    def opened(value: str) -> str:
        match = TOKEN.match(value)
        if match is None:
            return value  # written before personal fields were encrypted
        plain = open_(match.group(1), value, _unb64(match.group(2)))
        return ERASED if plain is None else plain

    return _map(doc, personal_paths(model), opened)


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


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
