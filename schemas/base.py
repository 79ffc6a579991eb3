"""The event envelope: CloudEvents 1.0 around a typed, versioned pydantic payload.

Every message on every topic is a structured-mode CloudEvent (JSON, content type
``application/cloudevents+json``) whose ``data`` is one of the ``EventData``
subclasses in this package. A subclass registers itself by being defined, so the
registry is simply "every event class that exists"; its CloudEvents ``type`` is
``congress.<context>.<Name>.v<version>``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import from_json, to_json

from schemas.personal import Open, Seal, open_doc, personal_paths, received_sealed, seal_doc

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class InvalidEvent(ValueError):
    """A message that is not a well-formed event of a known type; it is dead-lettered."""


class EventData(BaseModel):
    """Base of every event payload.

    Payloads are immutable. Unknown fields are ignored rather than rejected, so a
    consumer keeps working when a producer adds an optional field (the compatible
    way to evolve an event; see ``schemas.compat``).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    context: ClassVar[str]
    """Bounded context that owns the event; also names its topic."""
    version: ClassVar[int] = 1
    name: ClassVar[str]
    """Event name without version; defaults to the class name."""
    key_field: ClassVar[str]
    """Payload field whose value is the Kafka key and the CloudEvents subject."""
    abstract: ClassVar[bool] = False
    """True on a context's shared base class, which is not an event of its own."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__
        if not cls.__dict__.get("abstract", False) and hasattr(cls, "context") and hasattr(cls, "key_field"):
            register(cls)

    @classmethod
    def event_type(cls) -> str:
        event_type = _TYPES.get(cls)
        if event_type is None:
            event_type = _TYPES[cls] = f"congress.{cls.context}.{cls.name}.v{cls.version}"
        return event_type

    @classmethod
    def topic(cls) -> str:
        topic = _TOPICS.get(cls)
        if topic is None:
            from schemas.topics import topic_for_context

            topic = _TOPICS[cls] = topic_for_context(cls.context)
        return topic

    def key(self) -> str:
        return str(getattr(self, self.key_field))


_TYPES: dict[type[EventData], str] = {}
_TOPICS: dict[type[EventData], str] = {}
"""By class: its CloudEvents type and its topic, formatted once (both are asked for every event staged)."""

D = TypeVar("D", bound=EventData)


class CloudEvent(BaseModel, Generic[D]):
    """A CloudEvents 1.0 event in structured mode."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = Field(default="1.0", description="CloudEvents version.")
    id: str = Field(description="Unique id of this event; consumers de-duplicate on it.")
    source: str = Field(description="URI-reference of the emitting service, e.g. /congress/registration.")
    type: str = Field(description="congress.<context>.<Name>.v<N>.")
    time: datetime = Field(description="When the fact happened (UTC).")
    subject: str = Field(description="What the event is about: a delegate, registration or abstract id.")
    datacontenttype: Literal["application/json"] = "application/json"
    data: D = Field(description="The typed payload.")


_REGISTRY: dict[str, type[EventData]] = {}
_ENVELOPES: dict[type[EventData], type[CloudEvent[Any]]] = {}


def envelope(model: type[D]) -> type[CloudEvent[D]]:
    """``CloudEvent[model]``, built once per model (pydantic's own lookup is slow on a hot path)."""
    cls = _ENVELOPES.get(model)
    if cls is None:
        cls = _ENVELOPES[model] = CloudEvent[model]  # type: ignore[valid-type]
    return cls


def register(cls: type[EventData]) -> None:
    event_type = cls.event_type()
    existing = _REGISTRY.get(event_type)
    if existing is not None and existing is not cls:
        raise TypeError(f"two event classes claim {event_type}: {existing} and {cls}")
    _REGISTRY[event_type] = cls


def registry() -> dict[str, type[EventData]]:
    """Every known event type, by CloudEvents type string."""
    return dict(_known())


def _known() -> dict[str, type[EventData]]:
    """The registry itself (not a copy): every event class, once ``schemas.events`` has defined them."""
    if not _LOADED:  # an import statement per decoded event costs more than this test
        import schemas.events  # noqa: F401  -- importing defines (and so registers) every event

        _LOADED.append(True)
    return _REGISTRY


_LOADED: list[bool] = []
"""Not empty once ``schemas.events`` is imported."""


def new_event(data: D, source: str, *, event_id: str | None = None, time: datetime | None = None) -> CloudEvent[D]:
    """Wrap a payload in a fresh CloudEvent."""
    return envelope(type(data))(
        id=event_id or new_event_id(),
        source=source,
        type=data.event_type(),
        time=time or datetime.now(UTC),
        subject=data.key(),
        data=data,
    )


def encode(event: CloudEvent[Any], seal: Seal | None = None, *, received: bool = False) -> bytes:
    """The event as a message value; with ``seal``, its personal fields encrypted per person
    (``schemas.personal``: the kernel's keyring seals for the event's subject).

    ``received``: the event was decoded from a topic without being opened (a dead letter, a kept copy); its
    tokens are passed on as they are (``received_sealed``). Otherwise every personal value is sealed, one
    that merely looks like a token too."""
    return _envelope_json(
        event.id, event.source, event.type, event.time, event.subject, event.data, seal, received=received
    )


def encode_new(
    data: EventData,
    source: str,
    *,
    event_id: str | None = None,
    time: datetime | None = None,
    seal: Seal | None = None,
) -> tuple[str, bytes]:
    """``encode(new_event(...), seal)`` without building the envelope model: the new event's id and its value.

    The same JSON as ``encode`` writes (a test compares them), at a third of the cost: nothing is
    validated that was not validated when the payload was made. Both go through ``_envelope_json``,
    the one place where personal fields are sealed, so the fast way seals exactly as the other does.
    """
    event_id = event_id or new_event_id()
    return event_id, _envelope_json(
        event_id, source, type(data).event_type(), time or datetime.now(UTC), data.key(), data, seal
    )


def _envelope_json(
    event_id: str,
    source: str,
    event_type: str,
    time: datetime,
    subject: str,
    data: EventData,
    seal: Seal | None,
    *,
    received: bool = False,
) -> bytes:
    """A structured CloudEvent's JSON, field for field as pydantic writes the envelope model; the parts every
    event of a type from a source shares are serialized once (``_MIDDLES``)."""
    middle = _MIDDLES.get((event_type, source))
    if middle is None:
        middle = _MIDDLES[(event_type, source)] = b"".join(
            (b',"source":', to_json(source), b',"type":', to_json(event_type), b',"time":')
        )
    return b"".join(
        (
            b'{"specversion":"1.0","id":',
            to_json(event_id),
            middle,
            to_json(time),
            b',"subject":',
            to_json(subject),
            b',"datacontenttype":"application/json","data":',
            _data_json(data, subject, seal, received=received),
            b"}",
        )
    )


def _data_json(data: EventData, subject: str, seal: Seal | None, *, received: bool = False) -> bytes:
    """The payload's JSON; with ``seal``, every personal field (``schemas.personal``) a token for ``subject``
    (``received``: but the tokens it came with kept)."""
    model = type(data)
    if seal is None or not personal_paths(model):
        return data.__pydantic_serializer__.to_json(data)
    doc = data.model_dump(mode="json")
    if received:
        doc = received_sealed(model, doc)
    return to_json(seal_doc(model, doc, subject, seal))


_MIDDLES: dict[tuple[str, str], bytes] = {}
"""By event type and source: the envelope's JSON between the id and the time."""


def new_event_id() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` writes it, in a fraction of the time.

    The randomness is the operating system's (``os.urandom``), read for many ids at a time: one system call
    per id was most of an id's cost. A forked child drops what its parent had read (``_forget_random``).
    """
    if not _RANDOM:
        h = os.urandom(16 * _IDS_PER_READ).hex()
        _RANDOM.extend(h[i : i + 32] for i in range(0, len(h), 32))
    h = _RANDOM.pop()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


_IDS_PER_READ = 256
_RANDOM: list[str] = []
"""Random hex for the next ids, 32 digits each, not yet used."""


def _forget_random() -> None:
    _RANDOM.clear()  # a child must never hand out ids its parent (or a sibling) will also hand out


os.register_at_fork(after_in_child=_forget_random)


_VARIANT = "89ab"
"""RFC 4122's variant: the two top bits of the clock sequence are 10."""


_SEALED = b'"k1.'
"""How every token (``schemas.personal.TOKEN``) starts in a JSON value: a string written without escapes, as the
codec writes it; a value without it has nothing to open (one written with an escaped ``k`` stays unopened)."""

_TYPE = re.compile(rb'"type"\s*:\s*"([A-Za-z0-9_.]{1,200})"')
"""Where an event's type most likely is: the first ``"type": "…"`` in the value (checked after validation)."""


def decode(raw: bytes | None, open_: Open | None = None) -> CloudEvent[EventData]:
    """Parse and validate one message value, or raise ``InvalidEvent`` saying why.

    With ``open_``, personal fields are opened (``erased`` where their key is gone); without, their tokens
    stay as they are (what a reader without keys sees). ``open_`` may raise for a key not yet known.

    A value with no token (or read without ``open_``) takes the fast path: the type is guessed from the
    bytes and pydantic parses and validates the value in one pass (``model_validate_json``, about half the
    cost of ``json.loads`` then ``model_validate``), kept only when the event it yields states that very
    type (and so was validated against its own model); anything else, valid or not, goes the slow path,
    which also says why a value is invalid. A value with tokens to open is parsed once, its tokens opened
    in the parsed document, and the document validated once (``_decoded``): the personal fields' validators
    see the opened values, and nothing is dumped and validated a second time.
    """
    if raw is not None and open_ is not None and _SEALED in raw:
        return _decoded(raw, open_)
    match = _TYPE.search(raw) if raw is not None else None
    model = _known().get(match.group(1).decode()) if match is not None and raw is not None else None
    if model is not None and raw is not None:
        try:
            # The validator itself: ``model_validate_json`` is a Python call around it, paid per event.
            event: CloudEvent[EventData] = envelope(model).__pydantic_validator__.validate_json(raw)
        except ValidationError:
            pass
        else:
            if event.type == model.event_type():
                return event
    return _decode_slowly(raw)


def _decode_slowly(raw: bytes | None) -> CloudEvent[EventData]:
    """A value the fast path did not take: decoded, or ``InvalidEvent`` saying why not."""
    return _decoded(raw, None)


def _decoded(raw: bytes | None, open_: Open | None) -> CloudEvent[EventData]:
    """Parse, open the personal fields' tokens with ``open_`` (if any), validate: the event, or ``InvalidEvent``
    saying why. Tokens are opened before validation; what is not a token where a personal string is expected is
    left to validation to judge."""
    if raw is None:
        raise InvalidEvent("empty message value (tombstone) on an event topic")
    doc = _parsed(raw)
    if not isinstance(doc, dict):
        raise InvalidEvent("value is not a JSON object")
    if doc.get("specversion") != SPECVERSION:
        raise InvalidEvent(f"not a CloudEvents {SPECVERSION} event (specversion={doc.get('specversion')!r})")
    event_type = doc.get("type")
    model = _known().get(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise InvalidEvent(f"unknown event type {event_type!r}")
    data = doc.get("data")
    if open_ is not None and isinstance(data, dict) and personal_paths(model):
        open_doc(model, data, open_)
    try:
        return envelope(model).model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5])
        raise InvalidEvent(f"{event_type} does not match its schema: {problems}") from exc


def _parsed(raw: bytes) -> Any:
    """The JSON value of ``raw``: pydantic's parser (twice as fast), and the standard library's where that one
    refuses (which accepts a little more, such as a lone surrogate escape or UTF-16), saying why it is not JSON."""
    try:
        return from_json(raw)
    except ValueError:
        pass
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"value is not JSON: {exc}") from exc
