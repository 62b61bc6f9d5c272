"""What the API answers for a URL it does not have: problem details, not the site's HTML page."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from api.problems import PROBLEM_JSON, problem


@csrf_exempt  # it changes nothing; a POST to a wrong URL learns it is wrong, not that its token is missing
def not_found(request, path: str = ""):
    """The last route of ``api/urls.py``. A path that only lacks its final slash is redirected as
    Django's ``APPEND_SLASH`` did before this route caught everything (a GET or HEAD; other methods are
    told the URL, since a redirect would lose their body)."""
    with_slash = f"{request.path}/"
    if settings.APPEND_SLASH and not request.path.endswith("/") and _is_endpoint(with_slash):
        if request.method in ("GET", "HEAD"):
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(with_slash + (f"?{query}" if query else ""))
        return _not_found(f"Nothing here: the URL ends with a slash ({with_slash}).")
    return _not_found("Nothing here: no such URL in this API (see its schema).")


def _is_endpoint(path: str) -> bool:
    try:
        return resolve(path).func is not not_found
    except Resolver404:
        return False


def _not_found(detail: str) -> JsonResponse:
    return JsonResponse(problem(404, detail), status=404, content_type=PROBLEM_JSON)
