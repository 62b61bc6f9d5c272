"""What the OpenAPI schema says about our own classes (drf-spectacular extensions, loaded in
``ApiConfig.ready``)."""

from django.conf import settings
from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from api.permissions import scope_for


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
