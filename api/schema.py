"""What the OpenAPI schema says about our own classes (drf-spectacular extensions, loaded in
``ApiConfig.ready``)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SessionScheme(OpenApiAuthenticationExtension):
    """The session cookie of a signed-in user (``api.authentication.SessionAuthentication``); unsafe
    methods also need the CSRF token in the ``X-CSRFToken`` header."""

    target_class = "api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
