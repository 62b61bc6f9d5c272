"""The administrator's pages of the system clients: list, create, rotate the secret, revoke.

Thin: the administrator only (403 for every other role, before anything is looked up); the services
(``api.services``) write. A secret is shown in the answer to the POST that made it and never again:
it is not stored in the session, a message or the database (only its hash is).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from api import selectors, services
from api.forms import ClientForm, ConfirmForm
from api.models import ApiClient
from api.permissions import SCOPES
from core.forms import submit


def _require_administrator(user) -> None:
    if not user.has_national_scope:
        raise PermissionDenied


@login_required
def client_list(request):
    _require_administrator(request.user)
    return render(request, "api/client_list.html", {"clients": list(selectors.clients()), "scopes": SCOPES})


@login_required
@never_cache
def client_create(request):
    _require_administrator(request.user)
    form = ClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        created = submit(
            form,
            lambda data: services.client_create(
                name=data["name"], role=data["role"], scopes=data["scopes"], communes=data["communes"],
                provinces=data["provinces"], acting_user=request.user,
            ),
        )  # fmt: skip
        if created is not None:
            client, secret = created
            return _secret_page(request, client, secret, created=True)
    return render(request, "api/client_form.html", {"form": form})


@login_required
@never_cache
def client_rotate(request, client_id: int):
    return _confirm(
        request, client_id, act=services.client_rotate, title=_("New secret for %(name)s"),
        intro=_("The old secret stops working at once, and so do the tokens the client holds. The new secret is shown once."),
        button=_("Generate a new secret"),
    )  # fmt: skip


@login_required
def client_revoke(request, client_id: int):
    return _confirm(
        request, client_id, act=services.client_revoke, title=_("Revoke %(name)s"),
        intro=_("The client gets no token again and the tokens it holds stop working. This cannot be undone: a new client would need a new name."),
        button=_("Revoke the client"),
    )  # fmt: skip


def _confirm(request, client_id, *, act, title, intro, button):
    _require_administrator(request.user)
    client = get_object_or_404(ApiClient, pk=client_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        result = submit(form, lambda data: act(client, acting_user=request.user))
        if isinstance(result, str):  # a new secret
            client.refresh_from_db()
            return _secret_page(request, client, result, created=False)
        if result is not None:
            messages.success(request, _("%(name)s is revoked.") % {"name": client.name})
            return redirect("api_clients:list")
    context = {"client": client, "form": form, "title": title % {"name": client.name}, "intro": intro, "button": button}
    return render(request, "api/client_confirm.html", context)


def _secret_page(request, client, secret: str, *, created: bool):
    """The answer that shows a secret: its views are ``never_cache`` (no-store), so no cache keeps it."""
    return render(request, "api/client_secret.html", {"client": client, "secret": secret, "created": created})
