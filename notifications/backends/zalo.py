"""Zalo Notification Service (ZNS): template messages to a phone number's Zalo account, sent by the
commune's Official Account. The text is the template registered and approved at Zalo; we send its
id and the placeholders (``template_data``). A message template without a ZNS template id (neither
``MessageTemplate.zns_template_id`` nor NOTIFICATION_ZNS_TEMPLATES) fails permanently.

OPTIONS: ``access_token`` (the OA's, refreshed outside this app), ``url`` (default Zalo's
``https://business.openapi.zalo.me/message/template``), ``timeout`` (10 s), ``mode``
("development" sends only to the OA's admins), ``webhook_secret``.

Zalo answers HTTP 200 with ``{"error": 0, "message": "Success", "data": {"msg_id": …}}`` or a
negative ``error`` code. The codes below are mapped to a reason; -100 (unknown), -115 (out of
quota), -124 (token expired), -133 (night hours) and -144 (daily quota) are temporary and retried,
every other code fails the message with Zalo's own ``message``.
"""

from notifications.backends import _http
from notifications.backends.base import BaseBackend, DeliveryReport, OutgoingMessage, SendResult

ZNS_URL = "https://business.openapi.zalo.me/message/template"

# code → (reason, temporary)
ZNS_ERRORS = {
    -100: ("Zalo: unknown error, try again later", True),
    -108: ("Zalo: phone number invalid", False),
    -109: ("Zalo: ZNS template id invalid", False),
    -112: ("Zalo: template data invalid", False),
    -115: ("Zalo: out of quota (ZNS account balance)", True),
    -118: ("Zalo: no Zalo account for this phone number, or it is disabled", False),
    -119: ("Zalo: this account cannot receive ZNS messages", False),
    -124: ("Zalo: access token invalid or expired", True),
    -131: ("Zalo: ZNS template not approved", False),
    -133: ("Zalo: ZNS messages cannot be sent at night", True),
    -144: ("Zalo: the Official Account's daily quota is used up", True),
}


class ZnsBackend(BaseBackend):
    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.zns_template_id:
            return SendResult.permanent(f"no Zalo ZNS template id for the template {message.template_code}")
        body = {
            "phone": message.recipient.lstrip("+"),  # 84xxxxxxxxx
            "template_id": message.zns_template_id,
            "template_data": {key: str(value) for key, value in message.context.items()},
            "tracking_id": str(message.id),
        }
        if self.options.get("mode"):
            body["mode"] = self.options["mode"]
        try:
            answer = _http.post(
                self.options.get("url") or ZNS_URL,
                json_body=body,
                headers={"access_token": self.options.get("access_token", "")},
                timeout=float(self.options.get("timeout", 10)),
            )
        except _http.GatewayTimeout as error:
            return SendResult.temporary(f"Zalo timeout: {error}")
        except _http.GatewayUnreachable as error:
            return SendResult.temporary(f"Zalo unreachable: {error}")
        if answer.status >= 500 or answer.status == 429:
            return SendResult.temporary(f"Zalo HTTP {answer.status}: {answer.snippet()}")
        if answer.status >= 300:
            return SendResult.permanent(f"Zalo HTTP {answer.status}: {answer.snippet()}")
        try:
            data = answer.json_object()
            code = int(data["error"])
        except (ValueError, KeyError, TypeError):
            return SendResult.permanent(f"malformed answer from Zalo: {answer.snippet() or '(empty)'}")
        if code == 0:
            msg_id = _http.dig(data, "data.msg_id")
            if not msg_id:
                return SendResult.permanent(f"malformed answer from Zalo (no msg_id): {answer.snippet()}")
            return SendResult.accepted_with(str(msg_id), parts=1)
        reason, temporary = ZNS_ERRORS.get(code, (f"Zalo error {code}", False))
        reason = f"{reason} ({code}: {data.get('message', '')})"
        return SendResult.temporary(reason) if temporary else SendResult.permanent(reason)

    def parse_delivery_report(self, payload: dict) -> list[DeliveryReport]:
        """Zalo's webhook event ``user_received_message`` (``message.msg_id``, ``delivery_time``)."""
        if not isinstance(payload, dict):
            raise ValueError("the payload must be an object")
        event = payload.get("event_name")
        msg_id = _http.dig(payload, "message.msg_id") or payload.get("msg_id")
        if not event or not msg_id:
            raise ValueError("a Zalo event needs event_name and message.msg_id")
        if event == "user_received_message":
            return [DeliveryReport(str(msg_id), True, "")]
        return [DeliveryReport(str(msg_id), None, event)]
