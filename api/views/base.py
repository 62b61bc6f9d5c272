"""What every view of the API shares: the documented parameters and errors, ``Idempotency-Key`` on
every write (``ApiView``), and the read view's ETag (``ReadView``)."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from api import idempotency, scoping
from api.conditional import conditional
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.serializers.common import Problem

PAGINATION = [
    OpenApiParameter("cursor", str, description="The `next` URL's cursor (opaque)."),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        description=f"Rows a page, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT}).",
    ),
]
PROBLEM_JSON = "application/problem+json"
ERRORS = {(status, PROBLEM_JSON): Problem for status in (401, 403, 404)}
INVALID = {(400, PROBLEM_JSON): Problem}
NOT_MODIFIED = {304: None}


class ApiView(APIView):
    """The base of every view of the API (``tests/api/test_idempotency.py`` checks that each one is).

    A POST or PATCH with an ``Idempotency-Key`` (``api.idempotency``) runs in one transaction with the
    answer it keeps: the key is claimed once the caller is known (``initial``, after authentication and
    the scope check), a retry is answered with the kept answer (``handle_exception``), and a first
    request's success is kept (``finalize_response``). A view writes as if there were no key."""

    idempotency_claim = None

    def initialize_request(self, request, *args, **kwargs):
        """An empty query parameter is an absent one (``?status=&commune=`` filters nothing), for every
        view alike, as the pages' filter forms read them; the schema says so (``api.schema``)."""
        if "" in request.GET.values() or any("" in values for values in request.GET.lists()):
            query = request.GET.copy()
            for key, values in request.GET.lists():
                kept = [value for value in values if value != ""]
                if kept:
                    query.setlist(key, kept)
                else:
                    del query[key]
            request.GET = query
        return super().initialize_request(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        self.idempotency_claim = None
        with idempotency.atomic_if_keyed(request):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if hasattr(self, request.method.lower()):  # a method the view lacks is 405, whatever its key
            self.idempotency_claim = idempotency.claim(request, scoping.actor(request))

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response()
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_claim is not None:
            idempotency.keep(self.idempotency_claim, response)
        return response


class ReadView(ApiView):
    """A read of the actor's data: every 200 carries an ETag, and If-None-Match answers 304."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return conditional(request, response)
