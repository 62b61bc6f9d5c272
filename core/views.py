from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.formats_page import formats_html, guide_html, guide_image_file, guide_page_file, guide_pages
from core.health import run_checks
from core.worklists import units_for_user, worklist_for_user


@login_required
def home(request):
    """Officers, committee members and chairs see today's work; provincial staff their communes.

    An administrator's scope is the whole country, so the home page lists no communes for them:
    the commune list has a search box instead.
    """
    user = request.user
    communes = [] if user.has_national_scope else units_for_user(user)
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


@login_required
@require_GET
def guide(request, page: str = ""):
    """The user guide (docs/huong-dan/), one page per role's work, with its pictures: what each
    menu item and button does and what the product refuses."""
    if guide_page_file(page) is None:
        raise Http404
    title, html = guide_html(page)
    pages = [(name, guide_html(name)[0]) for name in guide_pages()]
    return render(request, "core/guide.html", {"title": title, "guide": html, "pages": pages, "page": page})


@login_required
@require_GET
def guide_image(request, filename: str):
    """A picture of the guide (docs/huong-dan/anh/), served by the product as the guide is (no /media/)."""
    path = guide_image_file(filename)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response
