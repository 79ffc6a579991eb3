"""The contracts between services: CloudEvents envelopes, typed payloads, topics."""

from schemas.base import CloudEvent, EventData, InvalidEvent, decode, encode, new_event, registry

__all__ = ["CloudEvent", "EventData", "InvalidEvent", "decode", "encode", "new_event", "registry"]
