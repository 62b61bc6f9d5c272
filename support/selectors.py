"""Shared reads of support: lists for the pages, a household's support in its timeline and its yearly
totals, the home page's work list, and totals by kind, source, village and year (one aggregated
query each). Every read narrows itself to the user's communes (``scope_to_user``); the totals take
commune codes so that the reports app sums a commune or a whole province the same way."""

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import number
from core.sql import count_each
from core.timeline import HouseholdPanel, TimelineEntry
from core.worklists import WorkItem
from geography.scoping import commune_codes_for_user, scope_to_user
from households.models import Household, HouseholdYearStatus, PovertyStatus
from households.selectors import status_in_force
from support.models import Distribution, Funding, Kind, Livelihood, Loan, Programme, Record, RecordFunding

POOR_STATUSES = (PovertyStatus.POOR, PovertyStatus.NEAR_POOR)


def programmes_for_user(user) -> QuerySet[Programme]:
    return scope_to_user(Programme.objects.select_related("commune"), user)


def records_for_user(user) -> QuerySet[Record]:
    return scope_to_user(Record.objects.select_related("programme", "household", "person"), user)


def distributions_for_user(user) -> QuerySet[Distribution]:
    return scope_to_user(Distribution.objects.select_related("programme", "commune"), user)


def programme_totals(programme: Programme) -> dict:
    """The programme's budget (its funding) against what was delivered and is still planned."""
    records = programme.records.aggregate(
        delivered_vnd=Sum("value_vnd", filter=Q(status=Record.Status.DELIVERED), default=0),
        delivered=Count("pk", filter=Q(status=Record.Status.DELIVERED)),
        planned_vnd=Sum("value_vnd", filter=Q(status=Record.Status.PLANNED), default=0),
        planned=Count("pk", filter=Q(status=Record.Status.PLANNED)),
        households=Count("household", filter=Q(status=Record.Status.DELIVERED), distinct=True),
    )
    return {"budget_vnd": programme.fundings.aggregate(total=Sum("amount_vnd", default=0))["total"], **records}


def distribution_counts(distribution: Distribution) -> dict:
    return distribution.records.aggregate(
        planned=Count("pk", filter=Q(status=Record.Status.PLANNED)),
        delivered=Count("pk", filter=Q(status=Record.Status.DELIVERED)),
        cancelled=Count("pk", filter=Q(status=Record.Status.CANCELLED)),
        delivered_vnd=Sum("value_vnd", filter=Q(status=Record.Status.DELIVERED), default=0),
    )


# --- The household page -------------------------------------------------------------------------


def household_support_timeline(household_id: int) -> list[TimelineEntry]:
    """Every support record of the household, planned or delivered, with its value (one query)."""
    records = (
        Record.objects.filter(household_id=household_id)
        .exclude(status=Record.Status.CANCELLED)
        .select_related("programme", "person", "created_by", "commune")
    )
    entries = []
    for record in records:
        day = record.delivered_on or record.planned_on
        value = f"{number(record.value_vnd)} đ" if record.value_vnd else ""
        detail = " · ".join(part for part in (value, record.in_kind, record.person.full_name if record.person else "")
                            if part)  # fmt: skip
        status = _("delivered") if record.status == Record.Status.DELIVERED else _("planned")
        entries.append(
            TimelineEntry(
                occurred_at=timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12)),
                title=f"{record.get_kind_display()}: {record.programme.name} ({status})",
                detail=detail,
                actor=record.created_by.display_name,
                source=_("Support, %(commune)s") % {"commune": record.commune.name},
            )
        )
    return entries


def household_support_by_year(household_id: int) -> list[dict]:
    """Support delivered to the household per year: value in đồng and number of records."""
    return list(
        Record.objects.filter(household_id=household_id, status=Record.Status.DELIVERED)
        .annotate(year=ExtractYear("delivered_on"))
        .values("year")
        .annotate(value_vnd=Sum("value_vnd"), records=Count("pk"))
        .order_by("-year")
    )


# --- Totals (commune or province) ---------------------------------------------------------------


def _delivered(commune_codes, year: int | None) -> QuerySet[Record]:
    records = Record.objects.filter(commune_id__in=commune_codes, status=Record.Status.DELIVERED)
    if year is not None:
        records = records.filter(delivered_on__year=year)
    return records


def totals_by_kind(commune_codes, year: int | None = None) -> list[dict]:
    """Per kind: records, households reached, value in đồng (delivered in ``year``; all years if None)."""
    rows = (
        _delivered(commune_codes, year)
        .values("kind")
        .annotate(records=Count("pk"), households=Count("household", distinct=True), value_vnd=Sum("value_vnd"))
        .order_by("kind")
    )
    labels = dict(Kind.choices)
    return [{**row, "label": labels[row["kind"]]} for row in rows]


def totals_by_source(commune_codes, year: int | None = None) -> list[dict]:
    """Per source (and donor): đồng delivered, from the records' funding lines."""
    from support.models import Source

    rows = (
        RecordFunding.objects.filter(record__in=_delivered(commune_codes, year))
        .values("source", "donor_id", "donor__name")
        .annotate(value_vnd=Sum("amount_vnd"), records=Count("record", distinct=True))
        .order_by("source", "donor__name")
    )
    labels = dict(Source.choices)
    return [{**row, "label": row["donor__name"] or labels[row["source"]]} for row in rows]


def totals_by_village(commune_codes, year: int | None = None) -> list[dict]:
    rows = (
        _delivered(commune_codes, year)
        .values("household__village_id", "household__village__name")
        .annotate(records=Count("pk"), households=Count("household", distinct=True), value_vnd=Sum("value_vnd"))
        .order_by("household__village__name")
    )
    return list(rows)


def totals_by_year(commune_codes) -> list[dict]:
    return list(
        _delivered(commune_codes, None)
        .annotate(year=ExtractYear("delivered_on"))
        .values("year", "kind")
        .annotate(records=Count("pk"), value_vnd=Sum("value_vnd"))
        .order_by("year", "kind")
    )


def checkup_totals(commune_codes, year: int | None = None) -> dict:
    """Check-up days: people attended and their cost (the programmes' funding)."""
    programmes = Programme.objects.filter(commune_id__in=commune_codes, kind=Kind.CHECKUP)
    if year is not None:
        programmes = programmes.filter(year=year)
    # One query: the funding of each programme is summed in a subquery, so a programme with several
    # sources never counts its attendees more than once.
    cost = (
        Funding.objects.filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(total=Sum("amount_vnd"))
        .values("total")
    )
    return programmes.annotate(funding_vnd=Subquery(cost)).aggregate(
        programmes=Count("pk"),
        attendees=Sum("attendees", default=0),
        cost_vnd=Sum("funding_vnd", default=0),
    )


def loan_totals(commune_codes, on: date | None = None) -> dict:
    """Loans recorded (all years): number, amount lent, balance still owed, and the overdue ones."""
    on = on or timezone.localdate()
    loans = Loan.objects.filter(record__commune_id__in=commune_codes, record__status=Record.Status.DELIVERED)
    return loans.aggregate(
        loans=Count("pk"),
        lent_vnd=Sum("record__value_vnd", default=0),
        balance_vnd=Sum("outstanding_vnd", default=0),
        overdue=Count("pk", filter=overdue_loans_q(on)),
        overdue_balance_vnd=Sum("outstanding_vnd", filter=overdue_loans_q(on), default=0),
    )


# --- Work lists ---------------------------------------------------------------------------------


def overdue_loans_q(on: date, prefix: str = "") -> Q:
    """A loan the bank reports overdue, or past its due date with money still owed."""
    return Q(**{f"{prefix}repayment": Loan.Repayment.OVERDUE}) | Q(
        **{f"{prefix}due_on__lt": on, f"{prefix}outstanding_vnd__gt": 0}
    )


def unsupported_poor_households(commune_codes, year: int) -> QuerySet[Household]:
    """Households poor or near-poor on the list in force in ``year`` (``status_in_force``) that received
    no support delivered in ``year``."""
    supported = Record.objects.filter(household=OuterRef("pk"), status=Record.Status.DELIVERED, delivered_on__year=year)
    # The status in force is the latest of ``year`` or before: a poor or near-poor status row with no
    # later row up to ``year``. Joined to that row (at most one per household, so no duplicates), the
    # commune's households meet the few listed rows in one hash join (the partial index
    # household_status_listed) and only those are asked for a later row; filtering on the
    # ``status_in_force`` subquery instead asked it of every household (10,000 probes, 50 ms).
    later = HouseholdYearStatus.objects.filter(
        household_id=OuterRef("pk"), year__gt=OuterRef("year_statuses__year"), year__lte=year
    )
    return (
        Household.objects.filter(
            Q(commune_id__in=commune_codes, dissolved_on__isnull=True),
            Q(year_statuses__year__lte=year, year_statuses__status__in=POOR_STATUSES),
            ~Exists(later),
            ~Exists(supported),
        )
        .annotate(status_in_force=status_in_force(year))
        .order_by("village__name", "code")
    )


def visits_due(commune_codes, on: date) -> QuerySet[Livelihood]:
    return Livelihood.objects.filter(
        record__commune_id__in=commune_codes, record__status=Record.Status.DELIVERED, next_visit_due__lte=on
    ).select_related("record__household", "record__programme")


def overdue_loans(commune_codes, on: date) -> QuerySet[Loan]:
    return Loan.objects.filter(
        overdue_loans_q(on), record__commune_id__in=commune_codes, record__status=Record.Status.DELIVERED
    ).select_related("record__household")


def support_worklist(user) -> list[WorkItem]:
    """Home-page items for the commune officer (three counts)."""
    if not user.can_manage_registry or user.has_national_scope:
        return []
    codes = commune_codes_for_user(user)
    today = timezone.localdate()
    items = []
    found = count_each(  # one query for the three counts
        unsupported=unsupported_poor_households(codes, today.year),
        visits=visits_due(codes, today),
        loans=overdue_loans(codes, today),
    )
    counts = (
        (_("Poor and near-poor households with no support this year"), found["unsupported"], "unsupported"),
        (_("Livelihood models due a follow-up visit"), found["visits"], "visits"),
        (_("Preferential loans overdue"), found["loans"], "loans"),
    )
    url = reverse("support:worklist")
    for title, count, anchor in counts:
        if count:
            items.append(WorkItem(title=title, url=f"{url}#{anchor}", count=count))
    return items


def household_support_panel(household_id: int) -> HouseholdPanel:
    """The household page's "support received" table: value and number of records per year."""
    rows = [
        (
            str(row["year"]),
            ngettext("%(value)s đ (%(count)d record)", "%(value)s đ (%(count)d records)", row["records"])
            % {"value": number(row["value_vnd"]), "count": row["records"]},
        )
        for row in household_support_by_year(household_id)
    ]
    return HouseholdPanel(title=_("Support received by year"), rows=rows, empty=_("No support delivered yet."))
