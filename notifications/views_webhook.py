"""Delivery reports posted by a gateway (no user: the shared secret is the credential)."""

import hmac
import json
import logging

from django.http import Http404, HttpRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.backends import get_backend
from notifications.models import Channel
from notifications.services import record_delivery_report

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def delivery_report(request: HttpRequest, channel: str):
    """POST /notifications/delivery-report/<channel>/ with the secret in the X-Webhook-Secret header
    (only there: a secret in the URL ends up in the proxy's and the server's access logs, so
    ``?secret=`` is not read); a JSON or form body the channel's backend understands. 403 without
    the right secret (or when none is configured), 400 for a body the backend cannot read, else 200
    with how many reports were recorded and how many named an unknown message."""
    if channel not in Channel.values:
        raise Http404
    backend = get_backend(channel)
    expected = backend.webhook_secret
    given = request.headers.get("X-Webhook-Secret", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponseForbidden()
    try:
        if request.content_type == "application/json":
            payload = json.loads(request.body.decode("utf-8"))
        else:
            payload = request.POST.dict()
        reports = backend.parse_delivery_report(payload)
    except (ValueError, UnicodeDecodeError) as error:
        return JsonResponse({"error": str(error)[:200]}, status=400)
    recorded = unknown = 0
    for report in reports:
        if report.delivered is None:
            continue
        message = record_delivery_report(
            channel=channel, gateway_message_id=report.gateway_message_id, delivered=report.delivered,
            reason=report.reason,
        )  # fmt: skip
        if message is None:
            unknown += 1
            logger.warning("delivery report for an unknown %s message %s", channel, report.gateway_message_id)
        else:
            recorded += 1
    return JsonResponse({"recorded": recorded, "unknown": unknown})
