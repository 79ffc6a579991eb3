"""What commands need from the world, as small Protocols; adapters implement them, tests fake them.

``Units`` opens a unit of work (``Tx``): the service's stores on one transaction, the events staged
in it, and the Stripe tasks it queued. Commands never see a database session; registering goes
through a ``Writer`` (group commit) whose ``Batch`` is the synchronous counterpart of ``Tx``.
"""

from services.registration.ports.agenda import AgendaRecords
from services.registration.ports.history import AuditHistory
from services.registration.ports.payments import (
    CheckoutRequest,
    CheckoutSession,
    PaymentError,
    Payments,
    WebhookRejected,
    Webhooks,
)
from services.registration.ports.privacy import ExportSources, NeedsOf, Participant, PrivacyRecords
from services.registration.ports.stores import (
    REGISTRATION_COUNTER,
    SORTS,
    TOTAL,
    AppliedRoles,
    EarnedRoles,
    Filters,
    MagicLinks,
    Presentations,
    Registrations,
    Row,
    StripeTaskStore,
    Task,
    Traces,
)
from services.registration.ports.units import Batch, BatchHandler, Stages, Tx, Units, Writer

__all__ = [
    "REGISTRATION_COUNTER",
    "SORTS",
    "TOTAL",
    "AgendaRecords",
    "AppliedRoles",
    "AuditHistory",
    "Batch",
    "BatchHandler",
    "CheckoutRequest",
    "CheckoutSession",
    "EarnedRoles",
    "ExportSources",
    "Filters",
    "MagicLinks",
    "NeedsOf",
    "Participant",
    "PaymentError",
    "Payments",
    "Presentations",
    "PrivacyRecords",
    "Registrations",
    "Row",
    "Stages",
    "StripeTaskStore",
    "Task",
    "Traces",
    "Tx",
    "Units",
    "WebhookRejected",
    "Webhooks",
    "Writer",
]
