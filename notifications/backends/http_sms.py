"""SMS through an HTTP gateway in the style common to Vietnamese brand-name SMS providers: one POST
per message with the API key, the brand name, the phone and the text (JSON or form body), an answer
in JSON with a result code and the gateway's message id, and delivery reports posted back later to
``/notifications/delivery-report/sms/`` with a shared secret in the ``X-Webhook-Secret`` header (never
in the URL: URLs are written to access logs; a gateway that cannot send a header needs the proxy to add
it for the gateway's addresses only).

Everything that differs between providers is an option (``NOTIFICATION_BACKENDS["sms"]["OPTIONS"]``):

==================  =========================  ==============================================
option              default                    meaning
==================  =========================  ==============================================
url                 (required)                 the send endpoint
api_key             ""                         the account's key
api_key_field       ""                         send the key in the body under this name …
api_key_header      "Authorization"            … otherwise in this header,
api_key_prefix      "Bearer "                  … with this prefix
brand_name          ""                         the registered sender name (brandname)
brand_name_field    "brandname"
phone_field         "phone"
phone_format        "84"                       "84" → 84912345678, "0" → 0912345678, "e164" → +84…
text_field          "message"
unicode_field       "unicode"                  "1" when the text has diacritics, else "0" ("" = omit)
body_format         "json"                     or "form"
extra_fields        {}                         fixed fields sent every time (e.g. {"SmsType": "2"})
callback_url        ""                         sent under ``callback_url_field`` if set
callback_url_field  ""
request_id_field    "request_id"               our message id, so the gateway can reject a repeat
unaccented          False                      send the text without diacritics (GSM-7: 160/153)
timeout             10                         seconds
code_field          "code"                     where the result code is in the answer (a.b allowed)
success_codes       ["0", "00", "100", "success"]
temporary_codes     []                         codes meaning "try again later" (busy, throttled)
id_field            "message_id"               the gateway's message id in the answer
error_field         "message"                  the gateway's explanation in the answer
parts_field         ""                         parts the gateway counted, if it says
cost_field          ""                         cost in đồng, if it says
webhook_secret      NOTIFICATION_WEBHOOK_SECRET
dr_id_field         "message_id"               delivery report: the gateway's message id
dr_status_field     "status"
dr_delivered        ["delivered", "DELIVRD", "success", "1"]
dr_pending          ["sent", "pending", "accepted", "ENROUTE", "0"]
dr_reason_field     "error"
==================  =========================  ==============================================

Outcomes: HTTP 2xx with a success code → accepted; 2xx with a temporary code, HTTP 408/429/5xx,
a timeout or no connection → temporary (retried); any other 4xx, another code, or an answer that
is not a JSON object → permanent (failed with the reason: we do not send twice what the gateway
may have taken).
"""

from notifications.backends import _http
from notifications.backends.base import BaseBackend, DeliveryReport, OutgoingMessage, SendResult
from notifications.rendering import is_gsm7, sms_parts, unaccent_text

TEMPORARY_HTTP = {408, 425, 429}


def format_phone(e164: str, style: str) -> str:
    """+84912345678 → "84912345678" ("84"), "0912345678" ("0") or unchanged ("e164")."""
    digits = e164.lstrip("+")
    if style == "e164":
        return "+" + digits
    if style == "0" and digits.startswith("84"):
        return "0" + digits[2:]
    return digits


class HttpSmsBackend(BaseBackend):
    def __init__(self, *, channel: str, **options) -> None:
        super().__init__(channel=channel, **options)
        if not options.get("url"):
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("HttpSmsBackend needs OPTIONS['url']")

    def option(self, name: str, default=None):
        return self.options.get(name, default)

    def payload(self, message: OutgoingMessage) -> tuple[dict, dict, str]:
        """(body, headers, the text sent)."""
        text = unaccent_text(message.text) if self.option("unaccented", False) else message.text
        body = dict(self.option("extra_fields") or {})
        body[self.option("phone_field", "phone")] = format_phone(message.recipient, self.option("phone_format", "84"))
        body[self.option("text_field", "message")] = text
        if self.option("brand_name"):
            body[self.option("brand_name_field", "brandname")] = self.option("brand_name")
        if self.option("unicode_field", "unicode"):
            body[self.option("unicode_field", "unicode")] = "0" if is_gsm7(text) else "1"
        if self.option("request_id_field", "request_id"):
            body[self.option("request_id_field", "request_id")] = str(message.id)
        if self.option("callback_url") and self.option("callback_url_field"):
            body[self.option("callback_url_field")] = self.option("callback_url")
        headers = {}
        if self.option("api_key"):
            if self.option("api_key_field"):
                body[self.option("api_key_field")] = self.option("api_key")
            else:
                headers[self.option("api_key_header", "Authorization")] = self.option(
                    "api_key_prefix", "Bearer "
                ) + self.option("api_key")
        return body, headers, text

    def send(self, message: OutgoingMessage) -> SendResult:
        body, headers, text = self.payload(message)
        as_json = self.option("body_format", "json") == "json"
        try:
            answer = _http.post(
                self.option("url"),
                json_body=body if as_json else None,
                form_body=None if as_json else body,
                headers=headers,
                timeout=float(self.option("timeout", 10)),
            )
        except _http.GatewayTimeout as error:
            return SendResult.temporary(f"timeout: {error}")
        except _http.GatewayUnreachable as error:
            return SendResult.temporary(f"gateway unreachable: {error}")
        if answer.status >= 500 or answer.status in TEMPORARY_HTTP:
            return SendResult.temporary(f"HTTP {answer.status}: {answer.snippet()}")
        if answer.status >= 300:
            return SendResult.permanent(f"HTTP {answer.status}: {answer.snippet()}")
        try:
            data = answer.json_object()
        except ValueError:
            return SendResult.permanent(f"malformed answer from the gateway: {answer.snippet() or '(empty)'}")
        code = _http.dig(data, self.option("code_field", "code"))
        code = "" if code is None else str(code)
        explanation = _http.dig(data, self.option("error_field", "message"))
        reason = f"code {code or '?'}" + (f": {explanation}" if explanation else "")
        if code in [str(c) for c in self.option("temporary_codes", [])]:
            return SendResult.temporary(reason)
        if code not in [str(c) for c in self.option("success_codes", ["0", "00", "100", "success"])]:
            return SendResult.permanent(reason)
        gateway_id = _http.dig(data, self.option("id_field", "message_id"))
        parts = _http.dig(data, self.option("parts_field")) if self.option("parts_field") else None
        cost = _http.dig(data, self.option("cost_field")) if self.option("cost_field") else None
        return SendResult.accepted_with(
            "" if gateway_id is None else str(gateway_id),
            parts=int(parts) if parts not in (None, "") else sms_parts(text),
            cost_vnd=int(float(cost)) if cost not in (None, "") else None,
        )

    def parse_delivery_report(self, payload: dict) -> list[DeliveryReport]:
        """One report (an object) or several (a list under "reports", or the payload is a list)."""
        entries = payload.get("reports", [payload]) if isinstance(payload, dict) else payload
        if not isinstance(entries, list):
            raise ValueError("reports must be a list")
        delivered_values = {
            str(v).lower() for v in self.option("dr_delivered", ["delivered", "DELIVRD", "success", "1"])
        }
        pending_values = {
            str(v).lower() for v in self.option("dr_pending", ["sent", "pending", "accepted", "ENROUTE", "0"])
        }
        reports = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError("a report must be an object")
            gateway_id = _http.dig(entry, self.option("dr_id_field", "message_id"))
            status = _http.dig(entry, self.option("dr_status_field", "status"))
            if gateway_id in (None, "") or status in (None, ""):
                raise ValueError("a report needs the message id and its status")
            status = str(status).lower()
            delivered = True if status in delivered_values else None if status in pending_values else False
            reason = _http.dig(entry, self.option("dr_reason_field", "error"))
            reports.append(DeliveryReport(str(gateway_id), delivered, str(reason or status)))
        return reports
