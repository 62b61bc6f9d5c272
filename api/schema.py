"""What the OpenAPI schema says about our own classes (drf-spectacular extensions, loaded in
``ApiConfig.ready``), and what every operation of a kind shares (``AutoSchema``, the
``DEFAULT_SCHEMA_CLASS``): a view documents its own parameters and answers, never these."""

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter

from api import idempotency
from api.permissions import scope_for
from api.serializers.common import Problem

PROBLEM_JSON = "application/problem+json"

IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": idempotency.KEY_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        "Recommended on every write: a key of yours (a new UUID per request, 1 to 255 visible ASCII characters), "
        f"kept {settings.IDEMPOTENCY_KEY_HOURS} hours. Sent again with the same method, path and body, the "
        "request is not done again: its first success is answered again, with `Idempotent-Replayed: true`. "
        "The same key with another request is 422; while the first is still running, 409. "
        "A refusal (4xx) is not kept: the request did nothing, and may be sent again."
    ),
)
REPLAYED = OpenApiParameter(
    idempotency.REPLAYED,
    str,
    OpenApiParameter.HEADER,
    enum=["true"],
    response=[200, 201, 202, 204],
    description="Present on the answer to a retry with an Idempotency-Key: the kept answer of the first request.",
)
# What any keyed write may answer besides the view's own: a malformed key, a key in flight, a key reused.
KEYED_ANSWERS = (400, 409, 422)


def empty_query_values(result, generator, request, public):
    """A postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``): every query parameter of
    a fixed set of values, a format (a date) or a pattern also takes the empty value, since an empty query
    parameter is an absent one (``api.views.base.ApiView``), as in the pages' filter forms."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                values = schema.get("items", schema).get("enum")
                if values and "" not in values:
                    values.append("")
                elif schema.get("type") == "string" and ("format" in schema or "pattern" in schema):
                    parameter["schema"] = {"anyOf": [schema, {"type": "string", "enum": [""]}]}
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the ``Idempotency-Key`` header (``api.idempotency``) and its
    answers on every POST and PATCH, so every client (and schemathesis) knows them."""

    def _keyed(self) -> bool:
        return self.method in idempotency.METHODS

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, IDEMPOTENCY_KEY, REPLAYED] if self._keyed() else parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._keyed():
            for code in map(str, KEYED_ANSWERS):
                responses.setdefault(code, self._get_response_for_code(Problem, code, (PROBLEM_JSON,), direction))
        return responses


class SessionScheme(OpenApiAuthenticationExtension):
    """The session cookie of a signed-in user (``api.authentication.SessionAuthentication``); unsafe
    methods also need the CSRF token in the ``X-CSRFToken`` header."""

    target_class = "api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class ClientCredentialsScheme(DjangoOAuthToolkitScheme):
    """A system client's bearer token (``api.authentication.OAuth2Authentication``): the
    client-credentials flow at ``OAUTH2_TOKEN_URL`` with the scopes of ``api.permissions.SCOPES`` (through
    the scopes backend), each operation requiring the one scope its view needs."""

    target_class = "api.authentication.OAuth2Authentication"

    def get_security_requirement(self, auto_schema):
        needed = scope_for(auto_schema.method, auto_schema.view)
        return {self.name: [needed] if needed else []}
