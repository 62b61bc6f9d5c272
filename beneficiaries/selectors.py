"""Shared reads of social-allowance cases: the case list, a case's page, the commune's monthly total
explained by category, and what the allowances add to a household's timeline and the home page's
work list. Every read narrows itself to the user's communes (``scope_to_user``)."""

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import banks, category_labels
from beneficiaries.entitlement import (
    PAYABLE_STATUSES,
    MonthAmount,
    Rules,
    coefficient_text,
    compute,
    funeral_support,
    paid_months,
    projection,
)
from beneficiaries.models import (
    Case,
    CaseCategory,
    CaseEvent,
    Category,
    ChangeRequest,
    HealthInsuranceCard,
    PaymentMethod,
    Suspension,
)
from core.formatting import day as day_text
from core.formatting import field_label, number
from core.formatting import month as month_text
from core.months import add_months, first_of_month
from core.text import fold_vietnamese
from core.timeline import TimelineEntry
from core.worklists import WorkItem
from geography.scoping import scope_to_user
from households.identity import mask
from households.models import Membership
from households.selectors import province_commune_codes
from privacy.visibility import HEALTH_CATEGORIES, generalised_category, mask_account

OPEN_STATUSES = (Case.Status.APPLIED, Case.Status.VERIFIED, Case.Status.ACTIVE, Case.Status.SUSPENDED)
# Ages at which a category's band begins or ends (rules.md §2): 80 (5.5a 2.0, 5.5c), 75 (5.5b),
# 60 (elderly), 16 (no longer a child), 4 (5.1/5.3 lower rate), 3 (5.7 ends).
BAND_AGES = (80, 75, 60, 16, 4, 3)
CARD_WARNING_DAYS = 30
REJECTED_SHOWN_DAYS = 30  # the officer's work list shows their change requests rejected this recently
PAGE_SIZE = 50


def money(value: int | None) -> str:
    """Đồng as the interface's language writes them ("750.000" in Vietnamese)."""
    return number(value)


# --- the case list ---------------------------------------------------------------------------------


def _current_membership(field_name: str) -> Subquery:
    return Subquery(Membership.objects.filter(person=OuterRef("person"), left_on__isnull=True).values(field_name)[:1])


def born_in_month_q(month: date, age: int, field_name: str = "person__date_of_birth") -> Q:
    """People who reach ``age`` in ``month`` (age in a month is counted on its last day: rules.md §2)."""
    year = month.year - age
    last_day = calendar.monthrange(year, month.month)[1]
    return Q(**{f"{field_name}__range": (date(year, month.month, 1), date(year, month.month, last_day))})


def _expiring_cards(today: date) -> QuerySet[HealthInsuranceCard]:
    """Each person's latest card, when it ends within the warning period."""
    newer = HealthInsuranceCard.objects.filter(person=OuterRef("person"), valid_to__gt=OuterRef("valid_to"))
    return HealthInsuranceCard.objects.filter(
        valid_to__range=(today, today + timedelta(days=CARD_WARNING_DAYS))
    ).filter(~Exists(newer))


def clause_of(category_code: str) -> str:
    """'5.5a' → '5.5', '5.6es' → '5.6', '5.1' → '5.1': the clause of Decree 20 Art. 5 a category
    belongs to (the dashboard and the case list group beneficiaries by it)."""
    head, _dot, rest = category_code.partition(".")
    digits = "".join(ch for ch in rest if ch.isdigit())
    return f"{head}.{digits}" if digits else category_code


def category_in_month_q(month: date) -> Q:
    """A CaseCategory held in ``month`` (open ends: from the case's start, until changed)."""
    return (Q(from_month__isnull=True) | Q(from_month__lte=month)) & (Q(to_month__isnull=True) | Q(to_month__gte=month))


def paid_in_month_q(month: date) -> Q:
    """The cases paid for ``month`` (a Case filter): the month's beneficiaries as the entitlement
    engine pays them: a payable status, ``month`` from the start to the end month, no suspension over
    it, not after the month of death, and a category held that month. Its SQL twin, which the
    dashboard (``reports.figures``) counts with, is ``sql.paid_cases`` (``tests/beneficiaries/test_sql.py``
    holds the two together)."""
    suspended = Suspension.objects.filter(case=OuterRef("pk"), from_month__lte=month).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=month)
    )
    held = CaseCategory.objects.filter(case=OuterRef("pk")).filter(category_in_month_q(month))
    return (
        Q(status__in=PAYABLE_STATUSES, start_month__lte=month)
        & (Q(end_month__isnull=True) | Q(end_month__gte=month))
        & ~Q(Exists(suspended))
        & (Q(person__date_of_death__isnull=True) | Q(person__date_of_death__gte=month))
        & Q(Exists(held))
    )


def card_valid_on_q(day: date, person_ref: str = "person") -> Q:
    """The person (of a Case, by default) holds a health-insurance card valid on ``day`` (in SQL:
    ``sql.holds_card_on``, ``sql.card_holders_on``)."""
    return Q(
        Exists(HealthInsuranceCard.objects.filter(person=OuterRef(person_ref), valid_from__lte=day, valid_to__gte=day))
    )


def case_list_for_user(
    user,
    *,
    province_code: str = "",
    commune_code: str = "",
    status: str = "",
    categories: tuple[str, ...] = (),
    village_id: int | None = None,
    payment_method: str = "",
    paid_for: date | None = None,
    uninsured_on: date | None = None,
    search: str = "",
    turning: int | None = None,
    cards_expiring: bool = False,
    matches_nothing: bool = False,
) -> QuerySet[Case]:
    """The user's cases, newest application first, with what a list row shows: the person, the
    commune, the village and household of the person's current membership and the categories (one
    prefetch query), whatever the number of rows.

    ``categories``: cases holding one of them now, or in ``paid_for`` when given; ``paid_for`` (a
    month): the cases paid for it (``paid_in_month_q``), whose categories of that month the rows
    show; ``uninsured_on``: the person holds no card valid that day; ``matches_nothing``: the filter
    did not validate, so the list is empty rather than wider than asked."""
    if matches_nothing:
        return Case.objects.none()
    cases = scope_to_user(Case.objects.all(), user)
    if province_code:
        cases = cases.filter(commune_id__in=province_commune_codes(province_code))
    if commune_code:
        cases = cases.filter(commune_id=commune_code)
    if status:
        cases = cases.filter(status=status)
    if paid_for:
        cases = cases.filter(paid_in_month_q(paid_for))
    held = category_in_month_q(paid_for) if paid_for else Q(to_month__isnull=True)
    if categories:
        cases = cases.filter(
            Exists(CaseCategory.objects.filter(held, case=OuterRef("pk"), category_id__in=list(categories)))
        )
    if payment_method:
        cases = cases.filter(payment_method=payment_method)
    if village_id:
        cases = cases.filter(
            person__in=Membership.objects.filter(left_on__isnull=True, household__village_id=village_id).values(
                "person_id"
            )
        )
    if uninsured_on:
        cases = cases.filter(~card_valid_on_q(uninsured_on))
    if turning:
        cases = cases.filter(born_in_month_q(add_months(first_of_month(timezone.localdate()), 1), turning))
    if cards_expiring:
        cases = cases.filter(
            status__in=OPEN_STATUSES, person__in=_expiring_cards(timezone.localdate()).values("person_id")
        )
    search = search.strip()
    if search:
        digits = re.sub(r"[\s.\-]", "", search)
        if digits.isdigit() and len(digits) == 12:
            cases = cases.filter(person__national_id=digits)
        else:
            cases = cases.filter(person__search_name__contains=fold_vietnamese(search))
    shown = CaseCategory.objects.filter(held).order_by("category__position")
    return (
        cases.select_related("person", "commune")
        .prefetch_related(Prefetch("categories", queryset=shown, to_attr="current_categories"))
        .annotate(
            village_name=_current_membership("household__village__name"),
            household_uuid=_current_membership("household__uuid"),
        )
        .order_by("-applied_on", "-id")
    )


def residence_for_user(user, **person_filter) -> Membership | None:
    """The current membership (with its person and commune) of a person living in one of the user's
    communes, found by ``person_filter`` (``person__uuid=…`` or ``person__national_id=…``): whom the
    case form (and the API) may file a case for, and in which commune."""
    memberships = Membership.objects.filter(left_on__isnull=True, **person_filter).select_related(
        "person", "household__commune"
    )
    return scope_to_user(memberships, user, commune_field="household__commune").first()


def masked_account(case: Case, *, full: bool) -> str:
    """How a case is paid, as a list shows it: the account's last 4 digits unless ``full``."""
    if case.payment_method == PaymentMethod.CASH:
        return str(PaymentMethod.CASH.label)
    number = case.account_number if full else mask_account(case.account_number)
    return banks.account_text(case.bank_bin, number)


# --- a case's page ---------------------------------------------------------------------------------


@dataclass
class CasePage:
    household: object | None
    categories: list
    suspensions: list
    events: list
    documents: list
    health_cards: list
    months: list[MonthAmount]  # arrears months (oldest first) then this month
    current: MonthAmount | None
    total: int
    arrears: list[MonthAmount]
    projection: list[MonthAmount]
    declarations: list[tuple[str, list[str]]] = field(default_factory=list)
    funeral: tuple[int, str] | None = None  # (amount, "10,000,000 = 20 × 500,000 (2025-05)")
    paid_after_death: list[date] = field(default_factory=list)  # months to recover, oldest first
    month_paid: bool = False  # the month itself is already paid (by a run, or before the product)


def months_paid_after_death(case: Case) -> list[date]:
    """The months paid for the case's person after their month of death, oldest first: by a payment
    run (any of the person's cases) or before the product (``paid_through_month``). A death found
    late (a hand-over, an imported list) leaves them paid: the payment history is never rewritten;
    the case page shows them to be recovered. No query while the person is alive."""
    died = case.person.date_of_death
    if died is None:
        return []
    last = first_of_month(died)
    months = set(case.person.paid_months.filter(month__gt=last).values_list("month", flat=True))
    month = add_months(last, 1)
    while case.paid_through_month is not None and month <= case.paid_through_month:
        months.add(month)
        month = add_months(month, 1)
    return sorted(months)


def case_page(case: Case, month: date) -> CasePage:
    """Everything the case page shows, in a fixed number of queries (rules read once for both the
    month's amount and the projection)."""
    month = first_of_month(month)
    membership = (
        Membership.objects.filter(person_id=case.person_id, left_on__isnull=True)
        .select_related("household__village")
        .first()
    )
    categories = list(case.categories.select_related("category").order_by("from_month", "category__position"))
    rules = Rules()
    paid = paid_months([case.pk])  # asked here (compute would ask the same) to say why nothing is owed
    entitlement = compute([case.pk], month, paid=paid, rules=rules)[case.pk]
    return CasePage(
        household=membership.household if membership else None,
        categories=categories,
        suspensions=list(case.suspensions.all()),
        events=list(case.events.select_related("actor")),
        documents=list(case.documents.select_related("uploaded_by")),
        health_cards=list(HealthInsuranceCard.objects.filter(person_id=case.person_id)),
        months=entitlement.months,
        current=entitlement.current,
        total=entitlement.amount,
        arrears=[line for line in entitlement.months if line.month < month],
        projection=projection(case, month, rules=rules),
        declarations=[(row.category.code, row.category.declarations) for row in categories if row.to_month is None],
        funeral=funeral_support(case, rules=rules),
        paid_after_death=months_paid_after_death(case),
        month_paid=month in paid.get(case.pk, ())
        or (case.paid_through_month is not None and case.paid_through_month >= month),
    )


def event_detail(event: CaseEvent, *, masked: bool = False) -> str:
    """The event as one line; ``masked``: health-related category codes generalised
    (``privacy.visibility``; accounts and national IDs are kept masked in the event's data)."""
    data = event.data or {}
    kind = CaseEvent.Kind

    def code(category: str) -> str:
        """A category in the decree's words; a health-related one generalised when ``masked``."""
        if masked and category in HEALTH_CATEGORIES:
            return str(generalised_category(category))
        return category_labels.short_label(category)

    def warning(text: str) -> str:
        """A verification's warning ("5.6s: severe_disability"): the check of a health-related category
        names the condition too, so a masked reader reads the generalised category alone."""
        category = text.split(":", 1)[0]
        return str(generalised_category(category)) if masked and category in HEALTH_CATEGORIES else text

    if event.kind == kind.APPLIED:
        return ", ".join(code(category) for category in data.get("categories", []))
    if event.kind == kind.VERIFIED and data.get("warnings"):
        return _("Registry warnings: %(warnings)s") % {"warnings": "; ".join(map(warning, data["warnings"]))}
    if event.kind == kind.DECIDED:
        return _("Decision %(decision)s, paid from %(start)s") % {
            "decision": data.get("decision", ""),
            "start": month_text(data.get("start_month")),
        }
    if event.kind == kind.SUSPENDED:
        return _("From %(month)s") % {"month": month_text(data.get("from_month"))}
    if event.kind == kind.RESUMED:
        text = _("From %(month)s") % {"month": month_text(data.get("from_month"))}
        return text + (" · " + _("suspended months paid") if data.get("arrears") else "")
    if event.kind == kind.TERMINATED:
        return _("Last month paid %(month)s") % {"month": month_text(data.get("last_month"))}
    if event.kind == kind.CATEGORY_CHANGED:
        after = ", ".join(
            code(category) + (f" ×{children}" if children else "") for category, children in data.get("after", [])
        )
        text = _("From %(month)s: %(categories)s") % {"month": month_text(data.get("from_month")), "categories": after}
        return text + _approval_text(data)
    if event.kind == kind.TRANSFERRED_OUT:
        return _("To %(commune)s, last month paid %(month)s") % {
            "commune": data.get("to_commune", ""),
            "month": month_text(data.get("last_month")),
        }
    if event.kind == kind.TRANSFERRED_IN:
        return _("From %(commune)s") % {"commune": data.get("from_commune", "")}
    if event.kind == kind.PAYMENT_CHANGED:
        return f"{data.get('before', '')} → {data.get('after', '')}" + _approval_text(data)
    if event.kind == kind.MONTHS_CHANGED:
        return _months_change_text(data) + _approval_text(data)
    if event.kind == kind.BIRTH_DATE_CORRECTED:
        return _birth_date_text(data) + _approval_text(data)
    if event.kind == kind.CHANGE_REQUESTED:
        return _requested_text(data)
    if event.kind in (kind.CHANGE_REJECTED, kind.CHANGE_WITHDRAWN):
        return str(ChangeRequest.Kind(data["change"]).label) if data.get("change") in ChangeRequest.Kind.values else ""
    if event.kind in (kind.IMPORTED, kind.IMPORT_CONFIRMED) and data.get("batch"):
        text = _("Imported list %(batch)s, line %(line)s") % {"batch": data["batch"], "line": data.get("line", "")}
        if data.get("changed"):
            fields = ", ".join(
                field_label(Case, name) if name != "categories" else _("categories") for name in data["changed"]
            )
            text += " · " + _("changed: %(fields)s") % {"fields": fields}
        if data.get("date_of_death"):
            text += " · " + _("death recorded in the registry: %(date)s") % {"date": day_text(data["date_of_death"])}
        return text
    return ""


def _approval_text(data: dict) -> str:
    """ " · requested by X, approved by Y" for a change applied on a request's approval."""
    if not data.get("requested_by"):
        return ""
    return " · " + _("requested by %(maker)s, approved by %(checker)s") % {
        "maker": data["requested_by"],
        "checker": data.get("approved_by", ""),
    }


def _months_change_text(data: dict) -> str:
    before, after = data.get("before") or {}, data.get("after") or {}
    parts = []
    for key, label in (("start_month", _("first month paid")), ("paid_through_month", _("paid through"))):
        if before.get(key) != after.get(key):
            parts.append(f"{label} {_month_text(before.get(key))} → {_month_text(after.get(key))}")
    return "; ".join(parts)


def _requested_text(data: dict) -> str:
    change = data.get("change")
    if change not in ChangeRequest.Kind.values:
        return ""
    label = str(ChangeRequest.Kind(change).label)
    if change == ChangeRequest.Kind.PAYMENT:
        return f"{label}: {data.get('before', '')} → {data.get('after', '')}"
    if change == ChangeRequest.Kind.CATEGORIES:
        return f"{label}: " + _("From %(month)s: %(categories)s") % {
            "month": month_text(data.get("from_month")),
            "categories": _categories_text(data.get("after", [])),
        }
    if change == ChangeRequest.Kind.BIRTH_DATE:
        return f"{label}: {_birth_date_text(data)}"
    return f"{label}: {_months_change_text(data)}"


def _birth_date_text(data: dict) -> str:
    """ "30/09/1946 → 05/07/1946" (and the national ID, masked, when it changes with the year)."""
    text = f"{_day_text(data.get('before'))} → {_day_text(data.get('after'))}"
    if data.get("national_id"):
        text += " · " + _("national ID %(change)s") % {"change": data["national_id"]}
    return text


# --- the commune's monthly total -------------------------------------------------------------------


@dataclass
class TotalLine:
    """Amounts of one category paid at one base level and coefficient."""

    base: int
    coefficient: Decimal
    people: int = 0
    total: int = 0
    per_child: bool = False

    @property
    def amount(self) -> int:
        return int(self.base * self.coefficient)

    @property
    def explanation(self) -> str:
        """'500,000 × 1.5 = 750,000'"""
        coefficient = coefficient_text(self.coefficient)
        text = f"{money(self.base)} × {coefficient} = {money(self.amount)}"
        return text + (" " + _("per child") if self.per_child else "")

    @property
    def total_display(self) -> str:
        return money(self.total)


@dataclass
class CategoryTotal:
    code: str
    name: str
    people: int = 0
    total: int = 0
    lines: list[TotalLine] = field(default_factory=list)

    @property
    def total_display(self) -> str:
        return money(self.total)


@dataclass
class MonthlyTotal:
    month: date
    categories: list[CategoryTotal]
    people: int
    total: int
    bank_people: int
    bank_total: int

    @property
    def bank_share(self) -> float:
        return round(100 * self.bank_total / self.total, 1) if self.total else 0.0

    @property
    def total_display(self) -> str:
        return money(self.total)

    @property
    def bank_total_display(self) -> str:
        return money(self.bank_total)

    @property
    def cash_people(self) -> int:
        return self.people - self.bank_people

    @property
    def cash_total_display(self) -> str:
        return money(self.total - self.bank_total)


def monthly_total(commune, month: date) -> MonthlyTotal:
    """What the commune's cases are owed for ``month`` itself (arrears of earlier months are not
    part of a month's total), grouped by the category paid: each person is counted under the
    category whose coefficient is paid, and under 5.4 for the per-child addition. One call of the
    engine for all the cases: a fixed number of queries whatever their number."""
    month = first_of_month(month)
    cases = Case.objects.filter(commune=commune, status__in=PAYABLE_STATUSES, start_month__lte=month).filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month)
    )
    methods = dict(cases.values_list("pk", "payment_method"))
    entitlements = compute(cases, month)
    names = {category.code: category for category in Category.objects.all()}
    groups: dict[str, dict[tuple, TotalLine]] = defaultdict(dict)
    people, total, bank_people, bank_total = 0, 0, 0, 0
    for case_id, entitlement in entitlements.items():
        line = entitlement.current
        if line is None or not line.amount:
            continue
        people += 1
        total += line.amount
        if methods.get(case_id) == PaymentMethod.BANK:
            bank_people += 1
            bank_total += line.amount
        parts = []
        if line.category:
            parts.append((line.category, line.coefficient, 1, False))
        if line.dependent_children:
            parts.append((line.per_child_category, line.per_child_coefficient, line.dependent_children, True))
        for code, coefficient, times, per_child in parts:
            key = (line.base, coefficient, per_child)
            row = groups[code].setdefault(key, TotalLine(base=line.base, coefficient=coefficient, per_child=per_child))
            row.people += 1
            row.total += int(line.base * coefficient) * times
    categories = []
    for code, rows in groups.items():
        lines = sorted(rows.values(), key=lambda row: (row.base, row.coefficient))
        category = names.get(code)
        categories.append(
            CategoryTotal(
                code=code,
                name=category.name if category else code,
                people=sum(row.people for row in lines),
                total=sum(row.total for row in lines),
                lines=lines,
            )
        )
    categories.sort(key=lambda item: names[item.code].position if item.code in names else 999)
    return MonthlyTotal(month, categories, people, total, bank_people, bank_total)


# --- household timeline and home-page work list ----------------------------------------------------


def household_case_timeline(household_id: int) -> list[TimelineEntry]:
    """The allowance events of the household's members, current and former (one query)."""
    members = Membership.objects.filter(household_id=household_id).values("person_id")
    events = CaseEvent.objects.filter(case__person_id__in=members).select_related(
        "actor", "case__person", "case__commune"
    )
    return [
        TimelineEntry(
            occurred_at=event.occurred_at,
            title=f"{event.get_kind_display()}: {event.case.person.full_name}",
            detail=event_detail(event),
            masked_detail=event_detail(event, masked=True),
            actor=event.actor.display_name if event.actor else "",
            source=_("Social allowance, %(commune)s") % {"commune": event.case.commune.name},
            reason=event.reason,
        )
        for event in events
    ]


def allowance_worklist(user) -> list[WorkItem]:
    """Home-page items for the officer and the chair: cases to verify or decide, suspended cases
    to review, beneficiaries whose age band changes next month, health cards about to expire
    (three queries; none for the roles without allowance work)."""
    if not (user.can_manage_registry or user.can_sign_decisions):
        return []
    list_url = reverse("beneficiaries:list")
    cases = scope_to_user(Case.objects.all(), user)
    counts = cases.aggregate(
        applied=Count("pk", filter=Q(status=Case.Status.APPLIED)),
        verified=Count("pk", filter=Q(status=Case.Status.VERIFIED)),
        suspended=Count("pk", filter=Q(status=Case.Status.SUSPENDED)),
    )
    items = []

    def add(title, count, query):
        if count:
            items.append(WorkItem(title=title, url=f"{list_url}?{query}", count=count))

    if user.can_manage_registry:
        add(_("Allowance cases waiting for your verification"), counts["applied"], "status=applied")
        add(_("Allowance cases waiting for the chair's decision"), counts["verified"], "status=verified")
    if user.can_sign_decisions:
        add(_("Allowance cases waiting for your decision"), counts["verified"], "status=verified")
    add(_("Suspended allowance cases to review"), counts["suspended"], "status=suspended")
    next_month = add_months(first_of_month(timezone.localdate()), 1)
    active = cases.filter(status=Case.Status.ACTIVE)
    turning = active.aggregate(
        **{f"age_{age}": Count("pk", filter=born_in_month_q(next_month, age)) for age in BAND_AGES}
    )
    for age in BAND_AGES:
        add(
            _("Beneficiaries turning %(age)d in %(month)s (age band changes)")
            % {"age": age, "month": f"{next_month:%m/%Y}"},
            turning[f"age_{age}"],
            f"status=active&turning={age}",
        )
    expiring = (
        _expiring_cards(timezone.localdate())
        .filter(person__in=cases.filter(status__in=OPEN_STATUSES).values("person_id"))
        .count()
    )
    add(
        _("Beneficiaries' health-insurance cards expiring within %(days)d days") % {"days": CARD_WARNING_DAYS},
        expiring,
        "cards=expiring",
    )
    return items


# --- change requests (maker-checker: beneficiaries.changes) ----------------------------------------


def change_requests_for_user(user, *, status: str = "", mine: bool = False) -> QuerySet[ChangeRequest]:
    """The change requests of the user's communes (of one status, or all; ``mine``: those the user
    made), oldest pending first, with what a list row shows (one query)."""
    requests = scope_to_user(ChangeRequest.objects.all(), user, commune_field="case__commune")
    if status:
        requests = requests.filter(status=status)
    if mine:
        requests = requests.filter(requested_by=user)
    # The queue of pending requests oldest first; decided ones newest first.
    order = ("created_at", "id") if status == ChangeRequest.Status.PENDING else ("-created_at", "-id")
    return requests.select_related("case__person", "case__commune", "requested_by", "decided_by").order_by(*order)


def case_change_requests(case: Case) -> list[ChangeRequest]:
    """A case's change requests, newest first, with their maker and decider (one query)."""
    return list(case.change_requests.select_related("requested_by", "decided_by").order_by("-created_at", "-id"))


@dataclass(frozen=True)
class ChangeLine:
    """One field of a change request: its value before and the one proposed, as shown."""

    label: str
    before: str
    after: str
    account: bool = False  # where the money goes: highlighted when it changes

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _month_text(value: str | None) -> str:
    return f"{date.fromisoformat(value):%m/%Y}" if value else "—"


def _day_text(value: str | None) -> str:
    return f"{date.fromisoformat(value):%d/%m/%Y}" if value else "—"


def _categories_text(rows) -> str:
    return (
        ", ".join(
            category_labels.short_label(code) + (f" ×{children}" if children else "") for code, children, *_rest in rows
        )
        or "—"
    )


def change_lines(change: ChangeRequest, *, full: bool) -> list[ChangeLine]:
    """Old → new for each field of the request; account numbers by their last 4 digits unless
    ``full`` (``households.access.can_see_full_identifiers``)."""
    before, after = change.before, change.proposed
    if change.kind == ChangeRequest.Kind.PAYMENT:
        methods = dict(PaymentMethod.choices)

        def number(values):
            value = values.get("account_number", "")
            return value if full or not value else mask_account(value)

        return [
            ChangeLine(_("Payment method"), str(methods.get(before["payment_method"], "")),
                       str(methods.get(after["payment_method"], ""))),
            ChangeLine(
                _("Bank"), banks.bank_name(before["bank_bin"]) or "—", banks.bank_name(after["bank_bin"]) or "—",
                account=True,
            ),
            ChangeLine(_("Account number"), number(before) or "—", number(after) or "—", account=True),
            ChangeLine(_("Account holder"), before["account_name"] or "—", after["account_name"] or "—", account=True),
        ]  # fmt: skip
    if change.kind == ChangeRequest.Kind.CATEGORIES:
        month = date.fromisoformat(after["from_month"])
        held = [
            row
            for row in before["rows"]
            if (row[2] is None or date.fromisoformat(row[2]) <= month)
            and (row[3] is None or date.fromisoformat(row[3]) >= month)
        ]
        return [
            ChangeLine(_("From (month)"), _month_text(after["from_month"]), _month_text(after["from_month"])),
            ChangeLine(_("Categories"), _categories_text(held), _categories_text(after["categories"])),
        ]
    if change.kind == ChangeRequest.Kind.BIRTH_DATE:

        def national_id(values):
            return values["national_id"] if full else mask(values["national_id"])

        return [
            ChangeLine(_("Date of birth"), _day_text(before["date_of_birth"]), _day_text(after["date_of_birth"])),
            ChangeLine(_("National ID (CCCD)"), national_id(before), national_id(after)),
        ]
    return [
        ChangeLine(_("First month paid"), _month_text(before["start_month"]), _month_text(after["start_month"])),
        ChangeLine(
            _("Paid through (before this product)"),
            _month_text(before["paid_through_month"]),
            _month_text(after["paid_through_month"]),
        ),
    ]


def change_request_worklist(user) -> list[WorkItem]:
    """Home-page items: for the chair, the requests of their communes waiting for them (not their
    own: another person decides those); for the officer, their requests still waiting and those
    rejected in the last 30 days (one query; none for the other roles)."""
    if not (user.can_manage_registry or user.can_sign_decisions):
        return []
    list_url = reverse("beneficiaries:changes")
    pending = Q(status=ChangeRequest.Status.PENDING)
    recently_rejected = Q(
        status=ChangeRequest.Status.REJECTED, decided_at__gte=timezone.now() - timedelta(days=REJECTED_SHOWN_DAYS)
    )
    counts = scope_to_user(ChangeRequest.objects.all(), user, commune_field="case__commune").aggregate(
        to_decide=Count("pk", filter=pending & ~Q(requested_by=user)),
        mine_pending=Count("pk", filter=pending & Q(requested_by=user)),
        mine_rejected=Count("pk", filter=recently_rejected & Q(requested_by=user)),
    )
    items = []
    if user.can_sign_decisions and counts["to_decide"]:
        items.append(WorkItem(title=_("Change requests waiting for your approval"), url=list_url,
                              count=counts["to_decide"]))  # fmt: skip
    if counts["mine_pending"]:
        items.append(WorkItem(title=_("Your change requests waiting for the chair"), url=f"{list_url}?mine=1",
                              count=counts["mine_pending"]))  # fmt: skip
    if counts["mine_rejected"]:
        items.append(
            WorkItem(
                title=_("Your change requests rejected in the last %(days)d days") % {"days": REJECTED_SHOWN_DAYS},
                url=f"{list_url}?status=rejected&mine=1",
                count=counts["mine_rejected"],
            )
        )
    return items


# --- accounts found by their keyed hash (issue 15: the account number is encrypted) -------------


def cases_paid_to(account_number: str, *, among: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases (of ``among``, scoped by the caller; every case when None) paid to this account
    number, found by its keyed hash: the encrypted column itself cannot be compared (privacy.fields)."""
    cases = Case.objects.all() if among is None else among
    if not account_number:
        return cases.none()
    return cases.filter(account_hash=Case._meta.get_field("account_hash").digest(account_number))
