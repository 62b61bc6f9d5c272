"""Every write to the system clients: create, rotate the secret, revoke. The page, the command line
and the tests go through these. Only an administrator acts; a refusal changes nothing.

The secret is generated here, returned once to the caller (who shows it once) and stored hashed by
django-oauth-toolkit: nobody can read it back, so a lost secret is rotated, not recovered.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken

from accounts.models import User
from accounts.services import service_account_disable, service_account_save
from api.models import ApiClient
from api.permissions import SCOPES
from core.services import refuse
from core.text import fold_vietnamese

USERNAME_PREFIX = "api-"


def _require_administrator(user) -> None:
    if not (user is not None and user.is_authenticated and user.is_active and user.has_national_scope):
        raise PermissionDenied


def _username_for(name: str) -> str:
    """``api-<slug of the name>``, numbered when taken: the access log shows it beside the name."""
    base = USERNAME_PREFIX + (slugify(fold_vietnamese(name))[:40].strip("-") or "client")
    username, number = base, 1
    while User.objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def _end_tokens(application) -> None:
    """The client's live tokens stop working now."""
    RefreshToken.objects.filter(application=application).delete()
    AccessToken.objects.filter(application=application).delete()


@transaction.atomic
def client_create(*, name: str, role: str, scopes, communes=(), provinces=(), acting_user) -> tuple[ApiClient, str]:
    """A new system client: its service account (this role, these units), its OAuth2 application
    (client credentials, confidential) and its grant of ``scopes``. Returns the client and its secret,
    which is never readable again."""
    _require_administrator(acting_user)
    name = (name or "").strip()
    scopes = sorted(set(scopes))
    problems = {}
    if not name:
        problems["name"] = [_("Give the client a name.")]
    elif ApiClient.objects.filter(name__iexact=name).exists():
        problems["name"] = [_("A client of this name exists.")]
    if not scopes:
        problems["scopes"] = [_("Grant at least one scope.")]
    elif unknown := [scope for scope in scopes if scope not in SCOPES]:
        problems["scopes"] = [_("Unknown scope: %(scope)s") % {"scope": ", ".join(unknown)}]
    refuse(problems)
    account = service_account_save(
        username=_username_for(name), name=name, role=role, communes=communes, provinces=provinces,
        acting_user=acting_user,
    )  # fmt: skip
    secret = generate_client_secret()
    application = Application.objects.create(
        name=name,
        user=account,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
        redirect_uris="",
    )
    client = ApiClient(name=name, application=application, account=account, scopes=scopes, created_by=acting_user)
    client._history_user = acting_user
    client.save()
    return client, secret


@transaction.atomic
def client_rotate(client: ApiClient, *, acting_user) -> str:
    """A new secret for the client: the old one fails from now on, and so do the tokens issued with it
    (a secret is rotated because it may have leaked). Returns the new secret, shown once."""
    _require_administrator(acting_user)
    client = ApiClient.objects.select_for_update().select_related("application").get(pk=client.pk)
    if not client.is_active:
        refuse({"client": [_("This client is revoked.")]})
    secret = generate_client_secret()
    client.application.client_secret = secret
    client.application.save(update_fields=["client_secret", "updated"])
    _end_tokens(client.application)
    client.rotated_at, client.rotated_by = timezone.now(), acting_user
    client._history_user = acting_user
    client.save(update_fields=["rotated_at", "rotated_by", "updated_at"])
    return secret


@transaction.atomic
def client_revoke(client: ApiClient, *, acting_user) -> ApiClient:
    """The client gets no token again and its live tokens stop working: its account is disabled, its
    tokens deleted and its secret replaced by one nobody knows. The rows stay, for the audit."""
    _require_administrator(acting_user)
    client = ApiClient.objects.select_for_update().select_related("application", "account").get(pk=client.pk)
    if not client.is_active:
        refuse({"client": [_("This client is revoked.")]})
    client.application.client_secret = generate_client_secret()
    client.application.save(update_fields=["client_secret", "updated"])
    _end_tokens(client.application)
    service_account_disable(client.account, acting_user=acting_user)
    client.revoked_at, client.revoked_by = timezone.now(), acting_user
    client._history_user = acting_user
    client.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return client
