"""Outbound events for integrators (webhooks, issue 18): the province's data warehouse, the bank or
the health-insurance agency register a URL (``WebhookEndpoint``, in /admin/) and receive a signed
POST when something happens in their admin units. Like the notices, the webhooks are read from the
event rows themselves through the same outbox (``notices.read_outbox``, one ``NoticeWatermark`` per
event table, named ``webhooks:<table>``), by the every-minute dispatcher (``notifications.dispatch_due``).

=====================  ==================================================  =========================
kind                   event row                                           ``status`` in the payload
=====================  ==================================================  =========================
``run.approved``       RunEvent "approved"                                 ``approved``
``run.reconciled``     RunEvent "reconciled"                               ``reconciled``
``case.decided``       CaseEvent "decided" or "refused" (the chair's)      ``active`` or ``refused``
``household.changed``  every HouseholdEvent                                the event's kind
=====================  ==================================================  =========================

Payload (JSON, no personal data beyond ids and codes)::

    {"id": "disbursements.runevent:41", "kind": "run.approved", "occurred_at": "2025-11-03T02:00:00Z",
     "commune": "25522", "object": {"type": "payment_run", "id": 7, "month": "2025-11"}, "status": "approved"}

``object`` is ``{"type": "allowance_case", "uuid": …}`` for a case and ``{"type": "household",
"uuid": …, "code": …}`` for a household. ``id`` is stable: an event is queued once per endpoint
(``WebhookDelivery`` is unique per endpoint and event id), and sent at least once — a receiver
de-duplicates on it.

Each POST carries the Standard Webhooks headers: ``Webhook-Id`` (the event id), ``Webhook-Timestamp``
(Unix seconds) and ``Webhook-Signature``: ``v1,`` + base64 of HMAC-SHA256 over
``"{id}.{timestamp}.{body}"``, keyed with the base64-decoded part of the endpoint's ``whsec_…`` secret.
A 2xx answer marks the delivery sent; anything else (or no answer within ``WEBHOOK_TIMEOUT``) is
tried again after ``throttle.retry_delay`` until ``WEBHOOK_MAX_ATTEMPTS`` attempts, then failed.

Unlike a notice, an event does not grow too old to be sent (an integrator wants every event); the
first deploy starts the watermarks at the newest event (migration 0007), and while no active
endpoint wants a table's events its watermark simply moves to the newest row.
"""

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.queue import registered_task
from notifications.backends import _http
from notifications.models import NoticeWatermark, WebhookDelivery, WebhookEndpoint, WebhookKind
from notifications.notices import read_outbox
from notifications.throttle import retry_delay

logger = logging.getLogger(__name__)

# The registered name of the send task (tasks.py registers it under this name; no import of tasks here).
SEND_WEBHOOK_TASK = "notifications.send_webhook"


def enqueue_send_webhook(delivery_id: int) -> None:
    """Put the send task of one delivery on the broker."""
    registered_task(SEND_WEBHOOK_TASK).delay(delivery_id)


# --- the payloads of the event rows ----------------------------------------------------------------


def _run_event(event) -> tuple[str, dict] | None:
    if event.kind not in ("approved", "reconciled"):
        return None
    run = event.run
    return f"run.{event.kind}", {
        "commune": run.commune_id,
        "object": {"type": "payment_run", "id": run.pk, "month": run.month.strftime("%Y-%m")},
        "status": event.kind,
    }


def _case_event(event) -> tuple[str, dict] | None:
    statuses = {"decided": "active", "refused": "refused"}
    if event.kind not in statuses:
        return None
    case = event.case
    return WebhookKind.CASE_DECIDED, {
        "commune": case.commune_id,
        "object": {"type": "allowance_case", "uuid": str(case.uuid)},
        "status": statuses[event.kind],
    }


def _household_event(event) -> tuple[str, dict] | None:
    household = event.household
    return WebhookKind.HOUSEHOLD_CHANGED, {
        "commune": event.commune_id,
        "object": {"type": "household", "uuid": str(household.uuid), "code": household.code},
        "status": event.kind,
    }


@dataclass(frozen=True)
class WebhookSource:
    """An event table the webhooks read: its label (``<app>.<model>``, the event ids' prefix and,
    after ``webhooks:``, its watermark's name), the kinds it can give, the columns read and how a
    row becomes a (kind, payload) or None."""

    label: str
    kinds: tuple[str, ...]
    related: tuple[str, ...]
    fields: tuple[str, ...]
    describe: Callable[[object], tuple[str, dict] | None]

    @property
    def model(self):
        return apps.get_model(self.label)

    @property
    def watermark(self) -> str:
        return f"webhooks:{self.label}"


SOURCES = (
    WebhookSource("disbursements.runevent", (WebhookKind.RUN_APPROVED, WebhookKind.RUN_RECONCILED), ("run",),
                  ("run__commune", "run__month"), _run_event),
    WebhookSource("beneficiaries.caseevent", (WebhookKind.CASE_DECIDED,), ("case",),
                  ("case__commune", "case__uuid"), _case_event),
    WebhookSource("households.householdevent", (WebhookKind.HOUSEHOLD_CHANGED,), ("household",),
                  ("commune", "household__uuid", "household__code"), _household_event),
)  # fmt: skip


def payload_of(source: WebhookSource, event) -> tuple[str, dict] | None:
    described = source.describe(event)
    if described is None:
        return None
    kind, body = described
    return str(kind), {"id": f"{source.label}:{event.pk}", "kind": str(kind), "occurred_at": event.occurred_at, **body}


# --- the dispatcher: deliveries from the event rows ------------------------------------------------


@dataclass(frozen=True)
class _Endpoint:
    pk: int
    kinds: frozenset
    province_id: str | None
    communes: frozenset

    def wants(self, kind: str, commune_id: str, province_id: str | None) -> bool:
        in_units = commune_id in self.communes or (self.province_id is not None and self.province_id == province_id)
        return kind in self.kinds and in_units


def _active_endpoints() -> list[_Endpoint]:
    endpoints = WebhookEndpoint.objects.filter(active=True).prefetch_related("communes").order_by("pk")
    return [
        _Endpoint(e.pk, frozenset(e.kinds), e.province_id, frozenset(c.pk for c in e.communes.all())) for e in endpoints
    ]


def webhooks_dispatch(*, now: datetime | None = None) -> dict[str, int]:
    """Every minute (``notifications.dispatch_due``): queue a delivery for each new event row and
    each active endpoint that wants its kind in its commune (never twice: the unique (endpoint,
    event id) and ``ON CONFLICT DO NOTHING``), then put the due deliveries on the broker. Returns
    the deliveries queued per event table and how many were put on the broker."""
    now = now or timezone.now()
    endpoints = _active_endpoints()
    queued = {source.label: _dispatch_source(source, endpoints, now) for source in SOURCES}
    return {**queued, "enqueued": enqueue_due(now=now)}


def _dispatch_source(source: WebhookSource, endpoints: list[_Endpoint], now: datetime) -> int:
    if not any(kind in endpoint.kinds for endpoint in endpoints for kind in source.kinds):
        _skip_to_newest(source)  # nobody listens: nothing to queue
        return 0
    events = source.model.objects.select_related(*source.related).only("pk", "kind", "occurred_at", *source.fields)
    return read_outbox(
        watermark=source.watermark, events=events, now=now, handle=lambda batch: _queue(source, endpoints, batch, now)
    )


def _skip_to_newest(source: WebhookSource) -> None:
    newest = source.model.objects.aggregate(newest=Max("pk"))["newest"] or 0
    NoticeWatermark.objects.update_or_create(source=source.watermark, defaults={"last_event_id": newest})


def _queue(source: WebhookSource, endpoints: list[_Endpoint], batch: list, now: datetime) -> int:
    from geography.models import Commune

    described = [item for item in (payload_of(source, event) for event in batch) if item is not None]
    if not described:
        return 0
    communes = {payload["commune"] for _kind, payload in described}
    provinces = dict(Commune.objects.filter(pk__in=communes).values_list("pk", "province_id"))
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint.pk, event_id=payload["id"], kind=kind, payload=payload, next_attempt_at=now
        )
        for kind, payload in described
        for endpoint in endpoints
        if endpoint.wants(kind, payload["commune"], provinces.get(payload["commune"]))
    ]
    if not rows:
        return 0
    # Rows after a fresh gap are read again at the next minutes: those queued before are left out
    # (the dispatchers take turns on the watermark's lock; the unique constraint is the last word).
    seen = set(
        WebhookDelivery.objects.filter(event_id__in={row.event_id for row in rows}).values_list(
            "endpoint_id", "event_id"
        )
    )
    rows = [row for row in rows if (row.endpoint_id, row.event_id) not in seen]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def enqueue_due(*, now: datetime | None = None) -> int:
    """Put a send task on the broker for each pending delivery now due (new ones and retries) whose
    task was not sent yet for this attempt, or is overdue by NOTIFICATION_REDISPATCH_AFTER seconds
    (lost). A task that finds its delivery no longer due (sent, or retried later) does nothing."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.NOTIFICATION_REDISPATCH_AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_webhookdelivery SET enqueued_at = %s WHERE status = 'pending' "
            "AND next_attempt_at <= %s AND (enqueued_at IS NULL OR enqueued_at <= %s) RETURNING id",
            [now, now, overdue],
        )
        due = sorted(row[0] for row in cursor.fetchall())
    for pk in due:
        transaction.on_commit(lambda pk=pk: enqueue_send_webhook(pk))
    return len(due)


# --- sending ---------------------------------------------------------------------------------------


def body_of(payload: dict) -> bytes:
    """The exact bytes posted (and signed)."""
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with the secret (Standard Webhooks:
    the base64 part after ``whsec_``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def send_delivery(delivery_id: int, *, now: datetime | None = None) -> str:
    """Post one pending, due delivery; its row stays locked during the call, so a duplicated task
    waits for nothing (``skip_locked``) and sends nothing. 2xx → sent; anything else → retried
    after the backoff, or failed after ``WEBHOOK_MAX_ATTEMPTS`` attempts. Returns the outcome."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return "skipped"
        endpoint = delivery.endpoint
        body = body_of(delivery.payload)
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "Webhook-Id": delivery.event_id,
            "Webhook-Timestamp": str(timestamp),
            "Webhook-Signature": signature(endpoint.secret, delivery.event_id, timestamp, body),
        }
        delivery.attempts += 1
        try:
            answer = _http.post(endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT)
            code, error = answer.status, ("" if 200 <= answer.status < 300 else answer.snippet())
        except (_http.GatewayTimeout, _http.GatewayUnreachable) as problem:
            code, error = None, str(problem)
        delivery.last_status_code = code
        delivery.last_error = error
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = WebhookDelivery.Status.SENT, now, None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.enqueued_at = None  # the next attempt's task is put on the broker when it is due
        delivery.save()
    if delivery.status == WebhookDelivery.Status.FAILED:
        logger.warning("webhook %s to %s failed after %s attempts: %s", delivery.event_id, endpoint.url,
                       delivery.attempts, error)  # fmt: skip
    return delivery.status if delivery.status != WebhookDelivery.Status.PENDING else "retry"
