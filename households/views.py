"""Registry pages. Each view: check access, validate the form's shape, call one service, and put a
service's ValidationError back on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import submit
from core.timeline import panels_for_household, timeline_for_household
from geography.access import access_commune_by_code
from geography.models import Commune
from geography.scoping import commune_codes_for_user, communes_for_user, in_scope
from households import services
from households.access import (
    access_household_by_uuid,
    access_membership,
    access_transfer_by_uuid,
    can_see_full_identifiers,
)
from households.forms import (
    AcceptHouseholdForm,
    AcceptPersonForm,
    ChangeHeadForm,
    DeathForm,
    HouseholdForm,
    MemberForm,
    MemberRowForm,
    MoveForm,
    RegisterMemberFormSet,
    SplitForm,
    TransferHouseholdForm,
    TransferPersonForm,
    TransferReasonForm,
    household_filter_form,
)
from households.models import Household, Relationship, Transfer
from households.privacy import person_ids_by_national_id
from households.searching import refuse_identifier_search
from households.selectors import (
    COUNT_LIMIT,
    PAGE_SIZE,
    RANK_EXACT_MEMBER,
    arrivals_for_user,
    common_ethnicities,
    count_up_to,
    duplicates_shown,
    household_list_for_user,
    household_page_data,
    next_household_code,
    sender_history,
    status_for_year,
    transfer_identities,
    uninsured_members_for_user,
)
from privacy.log import Purpose, record_list_view, record_view
from privacy.visibility import sees_health


def _require_editor(user) -> None:
    if not user.can_manage_registry:
        raise PermissionDenied


@login_required
def household_list(request):
    codes = commune_codes_for_user(request.user) if not request.user.has_national_scope else None
    form = household_filter_form(request.user, request.GET)
    refuse_identifier_search(form, request.user)  # masked roles: whole numbers only, rate limited
    filters = form.filters()
    page = _page_number(request)
    households = household_list_for_user(request.user, **filters)
    rows = list(households[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    year = filters.get("year") or timezone.localdate().year - 1
    statuses = status_for_year([household.pk for household in rows], year)
    relationships = dict(Relationship.choices)
    for household in rows:
        household.year_status = statuses.get(household.pk, "")
        household.matched = _matched_member(household, relationships)
    # Asked for even when another filter did not validate (the list is then empty): say so.
    uninsured_on = form.cleaned_data.get("uninsured_on") if form.is_bound else None
    # How many the list holds: read off the page when it is the only one, or off a name search's
    # rows (``search_total``, capped as a count is), else one count query (and one for the members
    # without a card).
    if page == 1 and not has_next:
        count = len(rows)
        uninsured_count = sum(len(household.uninsured_names or []) for household in rows) if uninsured_on else 0
    else:
        searched = getattr(rows[0], "search_total", None) if rows else None
        count = min(searched, COUNT_LIMIT + 1) if searched is not None else count_up_to(households)
        uninsured_count = (
            count_up_to(uninsured_members_for_user(request.user, **{**filters, "uninsured_on": uninsured_on}))
            if uninsured_on
            else 0
        )
    shown = [household.head_id for household in rows]
    shown += [household.matched["person_id"] for household in rows if household.matched]
    record_list_view(request, person_ids=shown, count=count)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "households/household_list.html",
        {
            "form": form,
            "households": rows,
            "page": page,
            "has_next": has_next,
            "count": count,
            "count_limit": COUNT_LIMIT,
            "uninsured_on": uninsured_on,
            "uninsured_count": uninsured_count,
            "status_year": year,
            # Rows link to list_url + uuid + "/" (households:detail): one reverse() instead of 50.
            "list_url": reverse("households:list"),
            "querystring": query.urlencode(),
            "can_edit": request.user.can_manage_registry,
            "single_commune": codes is not None and len(codes) == 1,
        },
    )


def _matched_member(household, relationships: dict) -> dict | None:
    """The member a name search found, when it was not the head (``search_rank`` ≥ 2): name,
    relationship and birth year for the row, so the officer sees why the household is listed."""
    member = getattr(household, "matched_member", None)
    if not member or household.search_rank < RANK_EXACT_MEMBER:
        return None
    return {**member, "relationship": relationships.get(member["relationship"], ""), "born": str(member["born"])}


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
@require_http_methods(["GET", "POST"])
def household_register(request):
    _require_editor(request.user)
    commune = _commune_from_request(request)
    # The code is suggested (the next free one of the commune's pattern), the ethnicity defaults to
    # the commune's most common one; both stay editable.
    suggested = next_household_code(commune) if request.method == "GET" else request.POST.get("suggested_code", "")
    form = HouseholdForm(request.POST or None, commune=commune, prefix="household", initial={"code": suggested})
    _suggest_on_village_change(form, commune)
    common = common_ethnicities(commune)
    head_form = MemberForm(request.POST or None, prefix="head", common_ethnicities=common)
    del head_form.fields["relationship"]
    del head_form.fields["joined_on"]
    members = RegisterMemberFormSet(request.POST or None, prefix="members", form_kwargs={"common_ethnicities": common})
    if request.method == "POST" and form.is_valid() and head_form.is_valid() and members.is_valid():
        entered = [member for member in members if member.has_changed() and member.cleaned_data]
        try:
            household = services.household_register(
                commune=commune,
                village=form.cleaned_data["village"],
                code=form.cleaned_data["code"],
                address=form.cleaned_data["address"],
                area=form.cleaned_data["area"] or None,
                housing_area_m2=form.cleaned_data["housing_area_m2"],
                head=head_form.person_data(),
                members=[(member.person_data(), member.cleaned_data["relationship"]) for member in entered],
                acting_user=request.user,
            )
        except ValidationError as error:
            _spread_register_errors(error, form, head_form, entered)
        else:
            messages.success(request, _("Household %(code)s registered.") % {"code": household.code})
            return redirect("households:detail", household_uuid=household.uuid)
    return render(
        request,
        "households/household_register.html",
        {"commune": commune, "form": form, "head_form": head_form, "members": members, "suggested_code": suggested},
    )


def _suggest_on_village_change(form: HouseholdForm, commune: Commune) -> None:
    """Choosing the village asks for the code again (htmx): a village numbered apart has its own."""
    form.fields["village"].widget.attrs.update(
        {
            "hx-get": reverse("households:register_code") + f"?commune={commune.code}",
            "hx-trigger": "change",
            "hx-target": "#household-code-box",
            "hx-include": "[name='household-code'], [name='suggested_code']",
        }
    )


@login_required
@require_http_methods(["GET"])
def household_register_code(request):
    """The registration form's code field for the chosen village (htmx): the next free code of
    the village's pattern (``next_household_code``) while the officer has left the suggestion as it
    was; a code they typed stays."""
    _require_editor(request.user)
    commune = _commune_from_request(request)
    village = commune.villages.filter(pk=request.GET.get("household-village") or None).first()
    typed, suggested = request.GET.get("household-code", ""), request.GET.get("suggested_code", "")
    if typed.strip() in ("", suggested):
        suggested = typed = next_household_code(commune, village)
    form = HouseholdForm(commune=commune, prefix="household", initial={"code": typed})
    return render(request, "households/_register_code.html", {"form": form, "suggested_code": suggested})


def _commune_from_request(request) -> Commune:
    code = request.GET.get("commune") or request.POST.get("commune")
    if code:
        return access_commune_by_code(request.user, code)
    communes = list(communes_for_user(request.user)[:2])
    if len(communes) != 1:
        raise PermissionDenied
    return communes[0]


def _spread_register_errors(error: ValidationError, form, head_form, member_forms) -> None:
    """Service errors name "code", "village", a head field, or "members[i].field" (i = 1 for the first member)."""
    for key, messages_ in error.message_dict.items():
        if key.startswith("members[") and "]." in key:
            index = int(key[len("members[") : key.index("]")]) - 1
            field = key.split("].", 1)[1]
            target = member_forms[index] if 0 <= index < len(member_forms) else form
            target.add_error(field if field in target.fields else None, messages_)
        elif key in form.fields:
            form.add_error(key, messages_)
        elif key in head_form.fields:
            head_form.add_error(key, messages_)
        else:
            form.add_error(None, messages_)


@login_required
def household_detail(request, household_uuid):
    household = access_household_by_uuid(request.user, household_uuid)
    members = household_page_data(household)
    record_view(
        request,
        purpose=Purpose.PAGE,
        person_ids=[m.person_id for m in (*members["current_members"], *members["former_members"])],
        commune_ids=[household.commune_id],
    )
    full = can_see_full_identifiers(request.user)
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            **members,
            "timeline": timeline_for_household(household.pk, masked=not full),
            "panels": panels_for_household(household.pk),
            "can_edit": request.user.can_manage_registry and household.dissolved_on is None,
            "full_identifiers": full,
            "full_health": sees_health(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, household_uuid):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    initial = {
        "village": household.village,
        "address": household.address,
        "area": household.area,
        "housing_area_m2": household.housing_area_m2,
    }
    form = HouseholdForm(request.POST or None, commune=household.commune, with_code=False, initial=initial)
    return _action(
        request, household, form,
        lambda data: services.household_edit(
            household=household, village=data["village"], address=data["address"],
            area=data["area"] or household.commune.area, housing_area_m2=data["housing_area_m2"],
            acting_user=request.user,
        ),
        title=_("Edit household details"),
        success=_("Household details saved."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, household_uuid):
    """GET: the form (a fragment for htmx, loaded when asked for, or a page); POST: add the member."""
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    if request.method == "GET":
        form = MemberForm(prefix="new")
        if request.htmx:
            return render(request, "households/_member_add_form.html", {"household": household, "form": form})
        return _action_page(request, household, form, _("Add a member"))
    form = MemberForm(request.POST, prefix="new")
    membership = submit(
        form,
        lambda data: services.member_add(
            household=household,
            data=form.person_data(),
            relationship=data["relationship"],
            joined_on=data["joined_on"] or None,
            acting_user=request.user,
        ),  # fmt: skip
    )
    if membership:
        messages.success(request, _("%(name)s added to the household.") % {"name": membership.person.full_name})
        return redirect("households:detail", household_uuid=household.uuid)
    return _action_page(request, household, form, _("Add a member"), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def member_row(request, household_uuid, membership_id):
    """A member's row on the household page; GET ?edit=1 or a POST with errors gives the edit row (htmx)."""
    household = access_household_by_uuid(request.user, household_uuid)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    membership = access_membership(request.user, household, membership_id, for_edit=editing)
    form = None
    if editing:
        _require_editor(request.user)
        if request.method == "POST":
            form = MemberRowForm(request.POST, prefix=f"m{membership.pk}")
            saved = submit(
                form,
                lambda data: services.member_edit(
                    person=membership.person, data=form.person_data(), reason=data["reason"], acting_user=request.user
                ),
            )
            if saved:
                membership.person = saved
                form = None
        else:
            person = membership.person
            form = MemberRowForm(
                prefix=f"m{membership.pk}",
                initial={name: getattr(person, name) for name in services.PERSON_FIELDS},
            )
    context = {
        "household": household,
        "membership": membership,
        "form": form,
        "can_edit": request.user.can_manage_registry,
        "full_identifiers": can_see_full_identifiers(request.user),
        "full_health": sees_health(request.user),
    }
    if not request.htmx and form is None:
        return redirect("households:detail", household_uuid=household.uuid)
    record_view(
        request,
        purpose=Purpose.FRAGMENT if request.htmx else Purpose.PAGE,
        person_ids=[membership.person_id],
        commune_ids=[household.commune_id],
    )
    if not request.htmx:
        return _action_page(request, household, form, _("Edit member"), status=200)
    return render(request, "households/_member_row.html", context)


def _current_members(household: Household, *, exclude=None):
    members = household.memberships.filter(left_on__isnull=True).select_related("person").order_by("id")
    return members.exclude(pk=exclude.pk) if exclude else members


@login_required
@require_http_methods(["GET", "POST"])
def member_move(request, household_uuid, membership_id):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    membership = access_membership(request.user, household, membership_id, for_edit=True)
    name = membership.person.full_name

    def move(data):
        target = Household.objects.filter(commune=household.commune, code=data["to_household"].strip()).first()
        if target is None:
            raise ValidationError(
                {"to_household": _("no household with this code in %(commune)s") % {"commune": household.commune.name}}
            )
        return services.member_move(membership=membership, to_household=target, relationship=data["relationship"],
                                    moved_on=data["moved_on"], reason=data["reason"], acting_user=request.user)  # fmt: skip

    return _action(
        request, household, MoveForm(request.POST or None), move,
        title=_("Move %(name)s to another household") % {"name": name},
        success=_("%(name)s moved.") % {"name": name},
    )  # fmt: skip


def _commune_by_code(code: str) -> Commune:
    commune = Commune.objects.filter(code=code.strip()).first()
    if commune is None:
        raise ValidationError({"to_commune": _("no commune has the code %(code)s") % {"code": code}})
    return commune


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request, household_uuid, membership_id):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    membership = access_membership(request.user, household, membership_id, for_edit=True)
    name = membership.person.full_name
    return _action(
        request, household, TransferPersonForm(request.POST or None),
        lambda data: services.person_transfer(
            membership=membership, to_commune=_commune_by_code(data["to_commune"]), moved_on=data["moved_on"],
            reason=data["reason"], acting_user=request.user,
        ),
        title=_("Transfer %(name)s to another commune") % {"name": name},
        success=lambda transfer: _("Transfer of %(name)s to %(commune)s requested: they stay in this household until "
                                   "that commune accepts.") % {"name": name, "commune": transfer.to_commune.name},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record_death(request, household_uuid, membership_id):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    membership = access_membership(request.user, household, membership_id, for_edit=True)
    name = membership.person.full_name
    return _action(
        request, household,
        DeathForm(request.POST or None, candidates=_current_members(household, exclude=membership)),
        lambda data: services.person_record_death(
            person=membership.person, date_of_death=data["date_of_death"], new_head=data["new_head"],
            reason=data["reason"], acting_user=request.user,
        ),
        title=_("Record the death of %(name)s") % {"name": name},
        success=_("Death of %(name)s recorded.") % {"name": name},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def change_head(request, household_uuid):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    candidates = _current_members(household).exclude(relationship=Relationship.HEAD)
    return _action(
        request, household, ChangeHeadForm(request.POST or None, candidates=candidates),
        lambda data: services.household_change_head(
            household=household, new_head=data["new_head"], former_head_relationship=data["former_head_relationship"],
            reason=data["reason"], acting_user=request.user,
        ),
        title=_("Change the head"),
        success=_("Head changed."),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def split(request, household_uuid):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    candidates = _current_members(household).exclude(relationship=Relationship.HEAD)
    return _action(
        request, household, SplitForm(request.POST or None, candidates=candidates, commune=household.commune),
        lambda data: services.household_split(
            household=household, memberships=list(data["members"]), new_head=data["new_head"],
            new_code=data["new_code"], village=data["village"], address=data["address"], split_on=data["split_on"],
            reason=data["reason"], acting_user=request.user,
        ),
        title=_("Split the household"),
        success=lambda new: _("Household %(code)s created by the split.") % {"code": new.code},
        done=lambda new: reverse("households:detail", kwargs={"household_uuid": new.uuid}),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request, household_uuid):
    household = access_household_by_uuid(request.user, household_uuid, for_edit=True)
    return _action(
        request, household, TransferHouseholdForm(request.POST or None),
        lambda data: services.household_transfer(
            household=household, to_commune=_commune_by_code(data["to_commune"]),
            transferred_on=data["transferred_on"], reason=data["reason"], acting_user=request.user,
        ),
        title=_("Transfer the household to another commune"),
        success=lambda transfer: _("Transfer of household %(code)s to %(commune)s requested: it stays here until "
                                   "that commune accepts.") % {"code": household.code,
                                                               "commune": transfer.to_commune.name},
    )  # fmt: skip


def _action(request, household, form, call, *, title: str, success, done=None):
    """The shape every registry action page shares: GET shows the form; a valid POST runs the
    service; on success a message and a redirect (to the household, or ``done(result)``), on a
    refusal the form again with the service's errors on its fields."""
    if request.method == "POST":
        result = submit(form, call)
        if result:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(
                done(result) if done else reverse("households:detail", kwargs={"household_uuid": household.uuid})
            )
    return _action_page(request, household, form, title)


@login_required
def arrivals(request):
    lists = arrivals_for_user(request.user)
    for name in ("arriving", "departing"):
        lists[name] = list(lists[name])
    lists["duplicates"] = duplicates_shown(request.user, lists["duplicates"])
    shown = [t.person_id for t in (*lists["arriving"], *lists["departing"])]
    # a duplicate's registered person is shown (and recorded) only when they live in the user's communes
    shown += [
        person_id
        for flag in lists["duplicates"]
        for person_id in ((flag.person_id, flag.existing_id) if flag.existing_in_scope else (flag.person_id,))
    ]
    record_view(request, purpose=Purpose.PAGE, person_ids=shown)
    return render(
        request,
        "households/arrivals.html",
        {
            **lists,
            "can_edit": request.user.can_manage_registry,
            "full_identifiers": can_see_full_identifiers(request.user),
        },
    )


def _transfer_context(request, transfer: Transfer) -> dict:
    members = transfer_identities(transfer)
    record_view(
        request,
        purpose=Purpose.PAGE,
        person_ids=person_ids_by_national_id(member["national_id"] for member in members),
        commune_ids=[transfer.from_commune_id, transfer.to_commune_id],
    )
    return {
        "transfer": transfer,
        "members": members,
        "full_identifiers": can_see_full_identifiers(request.user),
    }


@login_required
def transfer_detail(request, transfer_uuid):
    """A transfer as either side sees it: who, from where to where, its state; the sending side
    also reads what it recorded about them (its history, kept after they moved away)."""
    transfer = access_transfer_by_uuid(request.user, transfer_uuid)
    is_sender = in_scope(request.user, transfer.from_commune_id)
    is_receiver = in_scope(request.user, transfer.to_commune_id)
    editor = request.user.can_manage_registry and transfer.is_pending
    return render(
        request,
        "households/transfer_detail.html",
        {
            **_transfer_context(request, transfer),
            "can_answer": editor and is_receiver,
            "can_cancel": editor and is_sender,
            "history": sender_history(transfer, masked=not can_see_full_identifiers(request.user)) if is_sender else [],
            # The household's own page, when it is (or is again) one of the user's.
            "household_link": transfer.household if transfer.household and in_scope(
                request.user, transfer.household.commune_id) else None,
        },
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def transfer_accept(request, transfer_uuid):
    """The receiving commune takes the household in (village, code) or places the person."""
    transfer = access_transfer_by_uuid(request.user, transfer_uuid, act_as="receiver")
    commune = transfer.to_commune
    if transfer.kind == Transfer.Kind.HOUSEHOLD:
        form = AcceptHouseholdForm(request.POST or None, commune=commune)

        def accept(data):
            return services.transfer_accept_household(
                transfer=transfer, village=data["village"], new_code=data["new_code"], acting_user=request.user
            )
    else:
        form = AcceptPersonForm(request.POST or None, commune=commune)

        def accept(data):
            if data["placement"] == AcceptPersonForm.EXISTING:
                target = Household.objects.filter(commune=commune, code=data["household_code"].strip()).first()
                if target is None:
                    raise ValidationError({"household_code": _("no household with this code in %(commune)s")
                                           % {"commune": commune.name}})  # fmt: skip
                return services.transfer_accept_person(transfer=transfer, household=target,
                                                       relationship=data["relationship"], acting_user=request.user)  # fmt: skip
            return services.transfer_accept_person(transfer=transfer, village=data["village"], new_code=data["new_code"],
                                                   address=data["address"], acting_user=request.user)  # fmt: skip

    if request.method == "POST" and transfer.is_pending:
        household = submit(form, accept)
        if household:
            messages.success(request, _("Transfer accepted: household %(code)s.") % {"code": household.code})
            return redirect("households:detail", household_uuid=household.uuid)
    return render(request, "households/transfer_accept.html", {**_transfer_context(request, transfer), "form": form})


@login_required
@require_http_methods(["POST"])
def transfer_reject(request, transfer_uuid):
    transfer = access_transfer_by_uuid(request.user, transfer_uuid, act_as="receiver")
    return _decide(request, transfer, services.transfer_reject, _("Transfer rejected."))


@login_required
@require_http_methods(["POST"])
def transfer_cancel(request, transfer_uuid):
    transfer = access_transfer_by_uuid(request.user, transfer_uuid, act_as="sender")
    return _decide(request, transfer, services.transfer_cancel, _("Transfer cancelled."))


def _decide(request, transfer: Transfer, service, success: str):
    """Reject or cancel: a reason from the form, the service, then back to the transfer's page."""
    form = TransferReasonForm(request.POST)
    form.is_valid()
    try:
        service(transfer=transfer, reason=form.cleaned_data.get("reason", ""), acting_user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("households:transfer_detail", transfer_uuid=transfer.uuid)


def _action_page(request, household, form, title, status=200):
    return render(
        request, "households/action.html", {"household": household, "form": form, "title": title}, status=status
    )


@login_required
@require_http_methods(["POST"])
def duplicate_resolve(request, flag_id: int):
    flag = arrivals_for_user(request.user)["duplicates"].filter(pk=flag_id).first()
    if flag is None:
        raise Http404("duplicate flag")
    _require_editor(request.user)
    try:
        services.duplicate_resolve(
            flag=flag, same_person=request.POST.get("decision") == "same", acting_user=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Check closed."))
    return redirect("households:arrivals")
