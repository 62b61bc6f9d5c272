from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import apply_validation_error
from geography.access import access_commune_by_code, access_commune_for_village_edit
from geography.forms import CommuneSearchForm, VillageForm
from geography.selectors import commune_list_for_user, village_list_for_commune
from geography.services import village_create


@login_required
def commune_list(request):
    form = CommuneSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    communes = commune_list_for_user(request.user, search=search)
    return render(request, "geography/commune_list.html", {"form": form, "communes": communes})


@login_required
def commune_detail(request, code: str):
    commune = access_commune_by_code(request.user, code)
    return render(
        request,
        "geography/commune_detail.html",
        {
            "commune": commune,
            "villages": village_list_for_commune(commune),
            "village_form": VillageForm() if request.user.can_manage_registry else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def village_create_view(request, code: str):
    commune = access_commune_for_village_edit(request.user, code)
    form = VillageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            village = village_create(commune=commune, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Added %(name)s.") % {"name": village.name})
            return redirect("geography:commune_detail", code=commune.code)
    return render(request, "geography/village_form.html", {"commune": commune, "form": form})
