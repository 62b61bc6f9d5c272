"""The API's system clients from the command line, for operators, through the same services as the
administrator's page (``api.services``):

    python manage.py apiclient list
    python manage.py apiclient create --name "Hệ thống BHYT Tây Ninh" --role commune_officer \\
        --commune 25522 --scope registry:read --as admin
    python manage.py apiclient create --name "Báo cáo tỉnh" --role provincial_viewer --province 80 \\
        --scope reports:read --as admin
    python manage.py apiclient rotate CLIENT_ID --as admin
    python manage.py apiclient revoke CLIENT_ID --as admin

``create`` and ``rotate`` print the client id and the secret on stdout, once: the secret is stored
hashed and cannot be read again. CLIENT_ID is the OAuth2 client id (as ``list`` shows it). Every
refusal exits non-zero with nothing changed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import SERVICE_ROLES
from api import selectors, services
from api.models import ApiClient
from api.permissions import SCOPES
from core.importing import command_user
from geography.models import Commune, Province


def _refusal(error: Exception) -> CommandError:
    if isinstance(error, ValidationError):
        return CommandError(" ".join(error.messages))
    return CommandError(str(error) or "Only an administrator may do this.")


class Command(BaseCommand):
    help = "List, create, rotate the secret of, and revoke the API's system clients."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        commands.add_parser("list", help="Every client: client id, name, account, scopes, status.")

        create = commands.add_parser("create", help="A new client; prints its id and secret (shown once).")
        create.add_argument("--name", required=True)
        create.add_argument("--role", required=True, choices=[str(role) for role in SERVICE_ROLES])
        create.add_argument("--commune", nargs="+", default=[], metavar="CODE", help="commune codes (commune roles)")
        create.add_argument("--province", nargs="+", default=[], metavar="CODE", help="province codes (the viewer)")
        create.add_argument("--scope", nargs="+", required=True, choices=list(SCOPES), metavar="SCOPE")
        create.add_argument("--as", dest="username", required=True, help="the administrator creating it")

        for name, text in (("rotate", "A new secret (the old one and its tokens stop working)."),
                           ("revoke", "No token again; the client's tokens stop working.")):  # fmt: skip
            act = commands.add_parser(name, help=text)
            act.add_argument("client_id")
            act.add_argument("--as", dest="username", required=True, help="the administrator")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _list(self, **_options):
        for client in selectors.clients():
            status = "active" if client.is_active else f"revoked {client.revoked_at:%Y-%m-%d}"
            self.stdout.write(
                f"{client.application.client_id}\t{client.name}\t{client.account.username}\t"
                f"{' '.join(client.scopes)}\t{status}"
            )

    def _create(self, *, name, role, commune, province, scope, username, **_options):
        user = command_user(username, "has_national_scope", "is not an administrator")
        communes = list(Commune.objects.filter(code__in=commune))
        provinces = list(Province.objects.filter(code__in=province))
        missing = sorted(set(commune) - {c.code for c in communes}) + sorted(
            set(province) - {p.code for p in provinces}
        )
        if missing:
            raise CommandError(f"No unit {', '.join(missing)}.")
        try:
            client, secret = services.client_create(
                name=name, role=role, scopes=scope, communes=communes, provinces=provinces, acting_user=user
            )
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from error
        self.stdout.write(f"client_id={client.application.client_id}\nclient_secret={secret}")

    def _rotate(self, *, client_id, username, **_options):
        user = command_user(username, "has_national_scope", "is not an administrator")
        try:
            secret = services.client_rotate(self._client(client_id), acting_user=user)
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from error
        self.stdout.write(f"client_id={client_id}\nclient_secret={secret}")

    def _revoke(self, *, client_id, username, **_options):
        user = command_user(username, "has_national_scope", "is not an administrator")
        try:
            client = services.client_revoke(self._client(client_id), acting_user=user)
        except (ValidationError, PermissionDenied) as error:
            raise _refusal(error) from error
        self.stdout.write(f"{client.name} revoked.")

    @staticmethod
    def _client(client_id: str) -> ApiClient:
        client = ApiClient.objects.filter(application__client_id=client_id).first()
        if client is None:
            raise CommandError(f"No client {client_id!r}.")
        return client
