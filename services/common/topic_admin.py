"""Apply the topic policy (:mod:`schemas.topic_policy`) to a real cluster: create, compare, fix.

Every service calls :func:`ensure_topics` on start: missing topics are created with
the policy, existing ones are compared with it, and each difference (fewer
partitions, a lower replication factor, a 7-day retention, the wrong cleanup
policy or ``min.insync.replicas``) is returned in a :class:`TopicReport`, which the
service logs and shows in ``/readyz``. A difference is never fixed behind the
operator's back: ``congress topics ensure --fix`` alters what can be altered
(configs, partitions); a low replication factor needs a partition reassignment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import for_code

from schemas import topic_policy, topics
from schemas.topic_policy import KEEP_FOREVER_MS, Cleanup, Retention
from services.common.congress import ConfigError, Congress, load_congress
from services.common.settings import ServiceSettings

log = logging.getLogger("congress.topics")

POLICY_CONFIGS = ("cleanup.policy", "retention.ms", "min.insync.replicas", "max.compaction.lag.ms")
_TOPIC_ALREADY_EXISTS = 36
_DAY_MS = 86_400_000


class TopicPolicyError(RuntimeError):
    """The policy cannot be applied as asked (e.g. a replication factor above the number of brokers)."""


def edition_retention_ms(congress: Congress, today: date | None = None) -> int:
    """``retention.ms`` for event topics: -1, or ``kafka.event_retention_days`` from the edition's YAML.

    The edition's life runs from the earlier of today and a year before the congress
    opens (when a call for papers opens at the earliest) to a year after it ends; a
    shorter retention would delete part of it, so it is refused with a ConfigError.
    """
    section = congress.section("kafka")
    days = section.get("event_retention_days")
    if days is None:
        return KEEP_FOREVER_MS
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ConfigError(f"kafka.event_retention_days must be a whole number of days, not {days!r}")
    today = today or datetime.now(UTC).date()
    opens = min(today, congress.starts_on - timedelta(days=365))
    floor = (congress.ends_on + timedelta(days=365) - opens).days
    if days < floor:
        raise ConfigError(
            f"kafka.event_retention_days is {days}, shorter than the edition ({opens} to a year after "
            f"{congress.ends_on}: {floor} days); use at least {floor}, or leave it out to keep history forever"
        )
    return days * _DAY_MS


def replication_factor_for(brokers: int, requested: int | None) -> int:
    """``KAFKA_REPLICATION_FACTOR`` if set (at most the brokers there are), else ``min(3, brokers)``."""
    if requested is None:
        return max(1, min(topic_policy.TARGET_REPLICATION, brokers))
    if requested > brokers:
        raise TopicPolicyError(
            f"KAFKA_REPLICATION_FACTOR={requested} but the cluster has {brokers} broker(s); "
            f"start more brokers or lower the setting"
        )
    return requested


@dataclass(frozen=True)
class TopicPlan:
    """What the settings ask of the cluster's topics."""

    prefix: str = ""
    replication_factor: int | None = None
    """None: ``min(3, brokers)``."""
    event_retention_ms: int = KEEP_FOREVER_MS


def plan_for(settings: ServiceSettings, congress: Congress | None = None) -> TopicPlan:
    """The plan a service's settings and its edition's YAML ask for."""
    congress = congress or load_congress(settings.congress_config)
    return TopicPlan(
        prefix=settings.kafka_topic_prefix,
        replication_factor=settings.kafka_replication_factor,
        event_retention_ms=edition_retention_ms(congress),
    )


@dataclass(frozen=True)
class RequiredTopic:
    """One topic as the policy wants it on this cluster."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str]


@dataclass(frozen=True)
class TopicState:
    """One topic as the cluster has it."""

    name: str
    partitions: int
    replication_factor: int
    """The smallest replica count of any partition."""
    configs: Mapping[str, str]


@dataclass
class TopicReport:
    """What ``ensure_topics`` found and did; ``differences`` is empty when every topic matches its policy."""

    brokers: int
    required: list[RequiredTopic]
    found: dict[str, TopicState] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    fixed: dict[str, list[str]] = field(default_factory=dict)
    differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences


def required_topics(plan: TopicPlan, brokers: int) -> list[RequiredTopic]:
    """Every congress topic with the partitions, replication and configs its policy asks for here."""
    rf = replication_factor_for(brokers, plan.replication_factor)
    required = []
    for name in topics.ALL_TOPICS:
        policy = topic_policy.policy_for(name)
        retention = plan.event_retention_ms if policy.retention is Retention.EDITION else KEEP_FOREVER_MS
        configs = {
            "cleanup.policy": str(policy.cleanup),
            "retention.ms": str(retention),
            "min.insync.replicas": str(topic_policy.min_insync_for(rf)),
        }
        if policy.max_compaction_lag_ms is not None:
            configs["max.compaction.lag.ms"] = str(policy.max_compaction_lag_ms)
        required.append(RequiredTopic(plan.prefix + name, policy.partitions, rf, configs))
    return required


def differences(required: RequiredTopic, state: TopicState) -> list[str]:
    """What about ``state`` falls short of ``required``; more partitions, replicas or retention are fine."""
    found: list[str] = []
    if state.partitions < required.partitions:
        found.append(f"partitions {state.partitions}, policy {required.partitions}")
    if state.replication_factor < required.replication_factor:
        found.append(f"replication factor {state.replication_factor}, policy {required.replication_factor}")
    for key, want in required.configs.items():
        have = state.configs.get(key, "?")
        if key == "retention.ms" and _keeps_at_least(have, int(want)):
            continue
        if key == "retention.ms" and Cleanup.DELETE not in required.configs["cleanup.policy"]:
            continue  # a compacted topic ignores time retention
        if have != want:
            found.append(f"{key} {have}, policy {want}")
    return found


def _keeps_at_least(have: str, want_ms: int) -> bool:
    try:
        have_ms = int(have)
    except ValueError:
        return False
    if have_ms == KEEP_FOREVER_MS:
        return True
    return want_ms != KEEP_FOREVER_MS and have_ms >= want_ms


def cluster_size(live: int, found: Mapping[str, TopicState]) -> int:
    """The brokers the cluster has: those answering, or as many as an existing topic has replicas. A broker that
    is down (killed, restarting) stays in its partitions' replica lists, and must not lower the policy meanwhile:
    a copy started then would report the topics' RF 3 and ``min.insync.replicas`` 2 as differences."""
    return max([live, *(state.replication_factor for state in found.values())])


async def ensure_topics(bootstrap_servers: str, plan: TopicPlan | None = None, *, create: bool = True) -> TopicReport:
    """Create the missing congress topics with their policy and report how the others differ from it."""
    plan = plan or TopicPlan()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="congress-admin")
    await admin.start()
    try:
        live = len((await admin.describe_cluster())["brokers"])
        found = await _describe(admin, [plan.prefix + name for name in topics.ALL_TOPICS])
        brokers = cluster_size(live, found)
        report = TopicReport(brokers=brokers, required=required_topics(plan, brokers), found=found)
        missing = [r for r in report.required if r.name not in report.found]
        if create and missing:
            report.created = await _create(admin, missing)
            report.found |= await _describe_created(admin, [r.name for r in missing])
        _compare(report)
    finally:
        await admin.close()
    return report


async def fix_topics(bootstrap_servers: str, plan: TopicPlan | None = None) -> TopicReport:
    """:func:`ensure_topics`, then alter what differs and can be altered (configs, partitions), and compare again."""
    report = await ensure_topics(bootstrap_servers, plan)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="congress-admin")
    await admin.start()
    try:
        for required in report.required:
            state = report.found.get(required.name)
            if state is None or required.name not in report.differences:
                continue
            report.fixed[required.name] = await _fix(admin, required, state)
        report.found = await _describe(admin, [r.name for r in report.required])
        _compare(report)
    finally:
        await admin.close()
    return report


def _compare(report: TopicReport) -> None:
    report.differences = {}
    for required in report.required:
        state = report.found.get(required.name)
        found = ["missing"] if state is None else differences(required, state)
        if found:
            report.differences[required.name] = found


async def _create(admin: AIOKafkaAdminClient, missing: list[RequiredTopic]) -> list[str]:
    new = [NewTopic(r.name, r.partitions, r.replication_factor, topic_configs=dict(r.configs)) for r in missing]
    response = await admin.create_topics(new)
    created = []
    for name, code, message in response.topic_errors:
        if code == 0:
            created.append(name)
        elif code != _TOPIC_ALREADY_EXISTS:  # another service created it a moment ago: compared below
            raise TopicPolicyError(f"could not create topic {name}: {for_code(code).__name__} {message or ''}")
    if created:
        log.info("created topics %s", created)
    return created


async def _fix(admin: AIOKafkaAdminClient, required: RequiredTopic, state: TopicState) -> list[str]:
    done = []
    if state.partitions < required.partitions:
        await admin.create_partitions({required.name: NewPartitions(required.partitions)})
        done.append(f"partitions {state.partitions} -> {required.partitions}")
    wanted = dict(required.configs)
    if any(state.configs.get(key) != value for key, value in wanted.items()):
        # AlterConfigs replaces the topic's whole set of overrides: the policy's are the ones we keep.
        responses = await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, required.name, wanted)])
        for response in responses:
            for code, message, _type, name in response.resources:
                if code:
                    raise TopicPolicyError(f"could not alter {name}: {for_code(code).__name__} {message or ''}")
        done.append("configs " + ", ".join(f"{k}={v}" for k, v in wanted.items()))
    return done


async def _describe_created(
    admin: AIOKafkaAdminClient, names: list[str], timeout: float = 15.0
) -> dict[str, TopicState]:
    """Describe topics just created: on a cluster, the broker asked may learn of them a moment later."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await _describe(admin, names)
        if len(found) == len(names) or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.2)


async def _describe(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, TopicState]:
    """The partitions, replication and policy configs of those ``names`` that exist."""
    if not names:
        return {}
    existing = set(await admin.list_topics())
    present = [name for name in names if name in existing]
    if not present:
        return {}
    metadata = {t["topic"]: t for t in await admin.describe_topics(present) if t["error_code"] == 0}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in metadata]
    configs: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for resource in response.to_object()["resources"]:
            entries = resource["config_entries"]
            configs[resource["resource_name"]] = {
                e["config_names"]: e["config_value"] for e in entries if e["config_names"] in POLICY_CONFIGS
            }
    return {name: _state(name, meta, configs.get(name, {})) for name, meta in metadata.items()}


def _state(name: str, meta: dict[str, Any], configs: dict[str, str]) -> TopicState:
    partitions = meta["partitions"]
    rf = min((len(p["replicas"]) for p in partitions), default=0)
    return TopicState(name, len(partitions), rf, configs)


def log_report(report: TopicReport) -> None:
    """One warning per topic that differs from its policy, saying what differs and how to fix it."""
    for name, found in report.differences.items():
        log.warning(
            "topic %s differs from its policy: %s; run `congress topics ensure --fix` "
            "(a low replication factor needs a partition reassignment)",
            name,
            "; ".join(found),
            extra={"topic": name, "differences": found},
        )


def readiness_warnings(report: TopicReport | None) -> dict[str, list[str]]:
    """What ``/readyz`` shows under ``warnings.topics``: each topic that differs, with what differs."""
    return dict(report.differences) if report is not None else {}
