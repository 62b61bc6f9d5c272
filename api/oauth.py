"""The OAuth2 server's rules for our system clients (django-oauth-toolkit, ``OAUTH2_PROVIDER``).

- A token may carry only the scopes its client was granted (``ApiClient.scopes``): the scopes backend
  offers exactly those, so the toolkit's ``validate_scopes`` refuses a request for more with
  ``invalid_scope``; a request naming no scope gets all of them.
- Only a client of ours that is not revoked authenticates; its token acts as its service account
  (the toolkit leaves a client-credentials token without a user), and stops working as soon as that
  account is disabled (revoking disables it and deletes the client's tokens).
"""

from collections import OrderedDict

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from api.permissions import SCOPES


def client_of(application):
    """The application's ``ApiClient`` if it has one and is not revoked."""
    client = getattr(application, "api_client", None) if application is not None else None
    return client if client is not None and client.is_active else None


class ClientScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return dict(SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        client = client_of(application)
        return list(client.scopes) if client else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return self.get_available_scopes(application, request)


class ClientValidator(OAuth2Validator):
    def authenticate_client(self, request, *args, **kwargs) -> bool:
        """The toolkit's check of the id and secret, and then: the client is one of ours, not revoked."""
        return super().authenticate_client(request, *args, **kwargs) and client_of(request.client) is not None

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        return grant_type == "client_credentials" and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    def validate_user(self, username, password, client, request, *args, **kwargs) -> bool:
        """No password grant, ever (the server class offers none): staff passwords are not tried here."""
        return False

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        # The toolkit stores a client-credentials token without a user; ours acts as the client's
        # service account, the actor every scoping door reads (api.scoping.actor).
        if request.grant_type == "client_credentials":
            request.user = request.client.user
        return super()._create_access_token(expires, request, token, source_refresh_token)

    def validate_bearer_token(self, token, scopes, request) -> bool:
        """The toolkit's check (known, not expired), and then: the token acts for an active account
        (read with the token, no query more)."""
        if not super().validate_bearer_token(token, scopes, request):
            return False
        account = request.access_token.user
        if account is None or not account.is_active:
            request.oauth2_error = OrderedDict([("error", "invalid_token"), ("error_description", "The access token is invalid.")])  # fmt: skip
            return False
        return True
