from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Vietnamese unless the user picked another language with the switch (a cookie).

    Django's own middleware would follow the browser's Accept-Language, but commune offices often
    run browsers set to English; the product speaks Vietnamese until someone asks otherwise.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class PermissionsPolicyMiddleware:
    """Sends ``settings.PERMISSIONS_POLICY``: browser features (camera, microphone, location …) that
    no page uses are turned off, so an injected script or a framed page cannot ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


class NulCharacterMiddleware:
    """A query value holding a NUL character ("?commune=%00") is a 400 before any view reads it.

    PostgreSQL cannot hold NUL in text, so such a value only ever reached the database to crash the
    page with a 500 (the list pages' filters, the API's). Forms' text fields already refuse it; this
    covers every query parameter of every door at once. The API's clients read the refusal as problem
    details (RFC 9457), the pages' users as the site's 400 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            if request.path.startswith("/api/"):
                body = {"type": "about:blank", "title": "Bad Request", "status": 400,
                        "detail": "A query parameter holds a NUL character."}  # fmt: skip
                return JsonResponse(body, status=400, content_type="application/problem+json")
            raise SuspiciousOperation("A query parameter holds a NUL character.")
        return self.get_response(request)
