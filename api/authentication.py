"""How an API call says who it acts for. Today: the signed-in user's session (the browser's cookie),
with Django's CSRF check on every unsafe method, exactly as DRF's ``SessionAuthentication``. The OAuth2
client credentials of a later slice go in front of it in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``.
"""

from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, answering a call without a session with 401 (not 403): the
    challenge names the scheme, so a client knows to sign in rather than that it was refused."""

    def authenticate_header(self, request) -> str:
        return 'Session realm="casework"'
