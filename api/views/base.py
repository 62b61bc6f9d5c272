"""What every view of the API shares: the documented parameters and errors, and the read view's ETag."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from api.conditional import conditional
from api.pagination import MAX_LIMIT
from api.serializers.common import Problem

PAGINATION = [
    OpenApiParameter("cursor", str, description="The `next` URL's cursor (opaque)."),
    OpenApiParameter(
        "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, description="Rows a page, 1 to 200 (50)."
    ),
]
PROBLEM_JSON = "application/problem+json"
ERRORS = {(status, PROBLEM_JSON): Problem for status in (401, 403, 404)}
INVALID = {(400, PROBLEM_JSON): Problem}
NOT_MODIFIED = {304: None}


class ReadView(APIView):
    """A read of the actor's data: every 200 carries an ETag, and If-None-Match answers 304."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return conditional(request, response)
