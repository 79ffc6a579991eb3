"""The launchers' probe topic does not make aiokafka print an error line while a cluster learns of it."""

from __future__ import annotations

import logging

from services.devtools.kafka_node import PROBE_TOPIC_PREFIX, _NotAboutProbes


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.cluster", logging.ERROR, __file__, 1, message, args, None)


def test_only_the_probe_topics_missing_metadata_is_dropped() -> None:
    quiet = _NotAboutProbes()
    assert not quiet.filter(record("Topic %s not found in cluster metadata", PROBE_TOPIC_PREFIX + "1a2b"))
    assert quiet.filter(record("Topic %s not found in cluster metadata", "congress.registration"))
