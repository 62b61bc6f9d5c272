from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.formats_page import formats_html
from core.health import run_checks
from core.worklists import worklist_for_user
from geography.selectors import commune_list_for_user


@login_required
def home(request):
    """Officers, committee members and chairs see today's work; provincial staff their communes.

    An administrator's scope is the whole country, so the home page lists no communes for them:
    the commune list has a search box instead.
    """
    user = request.user
    communes = [] if user.has_national_scope else commune_list_for_user(user)
    return render(request, "core/home.html", {"work_items": worklist_for_user(user), "communes": communes})


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer; 503 naming each one that does not."""
    results = run_checks()
    failing = [name for name, value in results.items() if value != "ok" and not value.startswith("skipped")]
    body = {"status": "unavailable" if failing else "ok", "checks": results, "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)


@login_required
@require_GET
def formats(request):
    """docs/formats.md, the columns and codes of every import and export, as a page of the product
    (each import page links to it): the officers do not have the repository."""
    return render(request, "core/formats.html", {"formats": formats_html()})
