"""How an API call says who it acts for: a system client's bearer token (OAuth2 client credentials,
django-oauth-toolkit; the token acts as the client's service account, ``api/oauth.py``), else the
signed-in user's session (the browser's cookie), with Django's CSRF check on every unsafe method,
exactly as DRF's ``SessionAuthentication``. Both are in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``,
the token first: its challenge is the one a call without credentials gets with its 401.
"""

from oauth2_provider.contrib.rest_framework import OAuth2Authentication as ToolkitOAuth2Authentication
from rest_framework import authentication


class OAuth2Authentication(ToolkitOAuth2Authentication):
    """The toolkit's bearer-token authentication, answering a call without credentials with
    ``WWW-Authenticate: Bearer realm="casework"`` (and the token's error, RFC 6750, when it has one)."""

    www_authenticate_realm = "casework"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, answering a call without a session with 401 (not 403): the
    challenge names the scheme, so a client knows to sign in rather than that it was refused."""

    def authenticate_header(self, request) -> str:
        return 'Session realm="casework"'
