"""The dashboards: a commune's (every user whose scope holds it) and a province's (provincial
viewers and administrators). Views check access, compute the figures (``reports.figures``), draw the
charts (``reports.charts``) and build the link behind each number; nothing else.

The province dashboard reads its figures from ``reports.snapshots`` (kept in the shared cache and
refreshed by beat); the commune dashboard is always computed on the spot.
"""

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import category_labels
from beneficiaries.models import Category
from beneficiaries.selectors import clause_of
from core.months import add_months, first_of_month
from core.text import in_language
from geography.scoping import communes_for_user, provinces_for_user
from privacy.visibility import HEALTH_CATEGORIES, sees_health
from reports import charts, figures
from reports.access import access_commune_dashboard, access_province_dashboard, may_see_provinces
from reports.snapshots import cache_seconds, province_figures

# Columns of the province's table of communes: query value -> the value sorted on.
SORTS = {
    "name": lambda row: (row.name, row.code),
    "households": lambda row: row.households,
    "listed": lambda row: row.listed,
    "rate": lambda row: row.listed_rate,
    "plan": lambda row: row.plan_percent if row.plan_percent is not None else -1.0,
    "beneficiaries": lambda row: row.beneficiaries,
    "run": lambda row: (row.run_approved, RUN_ORDER.get(row.run_status, -1), row.run_total_vnd),
    "bank": lambda row: row.bank_share if row.run_people else -1.0,
    "coverage": lambda row: row.member_coverage if row.living_members else -1.0,
    "beneficiary_coverage": lambda row: row.beneficiary_coverage if row.beneficiaries else -1.0,
    "late": lambda row: (row.late_run + row.late_review, row.name),
}
RUN_ORDER = {"preparing": 0, "computed": 1, "approved": 2, "exported": 3, "reconciled": 4}


def _chosen_period(request) -> tuple[int, int]:
    """``?month=MM/YYYY`` (the month input) or ``YYYY-MM`` (the links), or ``?year=YYYY`` (December of a past year, this month of this year);
    anything else: this month."""
    today = timezone.localdate()
    value = request.GET.get("month", "")
    try:
        if "/" in value:
            month, year = (int(part) for part in value.split("/"))
        else:
            year, month = (int(part) for part in value.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    year = request.GET.get("year", "")
    if year.isdigit() and 2000 <= int(year) <= 2100:
        return int(year), (12 if int(year) < today.year else today.month)
    return today.year, today.month


class Links:
    """The list behind each number: the list filtered to exactly the records the number counts
    (a test follows every link and counts). One ``reverse()`` per list, then query strings.

    ``code`` is the commune of a commune dashboard, or "" for a province dashboard's totals, whose
    lists are narrowed to ``province`` (the user's communes of it: lists keep the user's scope)."""

    def __init__(self, period: figures.Period, province: str = ""):
        self.period = period
        self.province = province
        self.households_url = reverse("households:list")
        self.allowances_url = reverse("beneficiaries:list")
        self.runs_url = reverse("disbursements:list")
        self.reviews_url = reverse("povertyreview:list")
        self.results_url = reverse("povertyreview:results")
        self.records_url = reverse("support:records")
        self.programmes_url = reverse("support:list")
        self.commune_url = reverse("reports:commune", kwargs={"code": "00000"}).removesuffix("00000/")
        self.run_url = reverse("disbursements:detail", kwargs={"run_id": 0}).removesuffix("0/")
        self.campaign_url = reverse("povertyreview:detail", kwargs={"campaign_id": 0}).removesuffix("0/")
        self.reminders_url = reverse("notifications:reminders", kwargs={"code": "00000"}).removesuffix("00000/")

    @staticmethod
    def _query(url: str, **query) -> str:
        query = {key: value for key, value in query.items() if value not in (None, "")}
        return f"{url}?{urlencode(query)}" if query else url

    def _place(self, code: str) -> dict:
        return {"commune": code} if code else {"province": self.province}

    def month_query(self) -> str:
        return urlencode({"month": f"{self.period.month:%Y-%m}"})

    def commune(self, code: str) -> str:
        return f"{self.commune_url}{code}/?{self.month_query()}"

    def households(self, code: str = "", **query) -> str:
        return self._query(self.households_url, **self._place(code), **query)

    def listed(self, code: str, status: str, year: int | None, village_id: int | str | None = None) -> str:
        """Households of ``status`` ("poor", "near_poor", "middle_income" or "listed": poor or
        near-poor) on the list of ``year``; ``village_id`` "none": those waiting for a village."""
        return self.households(code, year=year, status=status, village=village_id)

    def changed(self, code: str, change: str, year: int) -> str:
        """Households whose status of ``year`` is a ``change`` from the year before."""
        return self.households(code, year=year, change=change)

    def uninsured_members(self, code: str) -> str:
        """Households with members living on the month's last day without a valid card (the list
        names them and counts them)."""
        return self.households(code, uninsured_on=self.period.coverage_day.isoformat())

    def results(self, code: str, status_year: int | None) -> str:
        return self._query(self.results_url, commune=code, year=status_year - 1 if status_year else None)

    def allowances(self, code: str = "", **query) -> str:
        return self._query(self.allowances_url, **self._place(code), **query)

    def beneficiaries(self, code: str = "", **query) -> str:
        """The cases paid for the month (the month's beneficiaries)."""
        return self.allowances(code, month=f"{self.period.month:%Y-%m}", **query)

    def run(self, run_id: int, **query) -> str:
        return self._query(f"{self.run_url}{run_id}/", **query)

    def runs(self) -> str:
        return f"{self.runs_url}?{self.month_query()}"

    def campaign(self, campaign_id: int, page: str = "") -> str:
        return f"{self.campaign_url}{campaign_id}/{page}"

    def records(self, code: str = "", **query) -> str:
        return self._query(self.records_url, commune=code, status="delivered", **query)

    def checkups(self, code: str = "", **query) -> str:
        return self._query(self.programmes_url, commune=code, kind="checkup", **query)

    def reminders(self, code: str) -> str:
        return f"{self.reminders_url}{code}/"


def _month_choices(period: figures.Period) -> dict:
    return {
        "month_value": f"{period.month:%m/%Y}",
        "previous_month": f"{add_months(period.month, -1):%Y-%m}",
        "next_month": f"{add_months(period.month, 1):%Y-%m}" if period.month < first_of_month(period.today) else "",
    }


def _category_names() -> dict[str, str]:
    return {code: in_language(vi, en) for code, vi, en in Category.objects.values_list("code", "name_vi", "name_en")}


def _category_rows(
    dashboard: figures.Dashboard, links: Links, names: dict[str, str], code: str, *, health_linked: bool
) -> list[dict]:
    """The beneficiaries' table: a clause, then its categories, each linked to the cases paid for
    the month under it (``code``: the commune, or "" for the province). A reader who may not see
    health data (``health_linked`` False) reads the counts of the health-related categories and their
    clauses unlinked: the list behind them, which names the people, is not theirs to filter."""
    health_clauses = {clause_of(category) for category in HEALTH_CATEGORIES}

    def url(link: str, *, health: bool) -> str:
        return link if health_linked or not health else ""

    rows = []
    for clause in dashboard.categories:
        rows.append(
            {
                "code": clause.code,
                "label": category_labels.clause_label(clause.code),
                "title": "",
                "people": clause.people,
                "url": url(links.beneficiaries(code, clause=clause.code), health=clause.code in health_clauses),
                "clause": True,
            }
        )
        if len(clause.categories) > 1:
            rows += [
                {
                    "code": category,
                    "label": category_labels.short_label(category)
                    if category in category_labels.LABELS
                    else names.get(category, category),
                    "title": category_labels.full_label(category) if category in category_labels.LABELS else "",
                    "people": people,
                    "url": url(links.beneficiaries(code, category=category), health=category in HEALTH_CATEGORIES),
                    "clause": False,
                }
                for category, people in clause.categories
            ]
    return rows


def _support_rows(support: figures.SupportFigures | None, links: Links, code: str, year: int) -> dict:
    if support is None:
        return {}
    from support.models import Kind, Source

    kinds, sources = dict(Kind.choices), dict(Source.choices)
    return {
        "by_kind": [
            {
                **row,
                "label": kinds.get(row["kind"], row["kind"]),
                "url": links.records(code, kind=row["kind"], year=year),
                "all_url": links.records(code, kind=row["kind"]),
            }
            for row in support.by_kind
        ],
        "by_source": [
            {
                **row,
                "label": row["donor__name"] or sources.get(row["source"], row["source"]),
                "url": links.records(code, source=row["source"], donor=row["donor_id"], year=year),
            }
            for row in support.by_source
        ],
        "value_vnd": support.value_vnd,
        "all_value_vnd": support.all_value_vnd,
        "checkups": support.checkups,
        "all_checkups": support.all_checkups,
        "checkups_url": links.checkups(code, year=year),
        "all_checkups_url": links.checkups(code),
        "url": links.records(code, year=year),
        "all_url": links.records(code),
    }


def _urls(links: Links, total: figures.CommuneFigures, code: str) -> dict[str, str]:
    """The list behind each number of a total (``code``: the commune, or "" for the user's communes
    of the province)."""
    year = total.status_year
    review_list = links.reviews_url
    last_day = links.period.coverage_day.isoformat()

    def listed(status: str, list_year: int | None) -> str:
        # No link without a list year: no list yet (the number is 0), or communes whose lists are of
        # different years, whose sum no single list holds (each commune's dashboard has its own).
        return links.listed(code, status, list_year) if list_year else ""

    def changed(change: str) -> str:
        return links.changed(code, change, year) if year else ""

    return {
        "households": links.households(code),
        "listed": listed("listed", year),
        "poor": listed("poor", year),
        "near_poor": listed("near_poor", year),
        "middle_income": listed("middle_income", year),
        "previous_listed": listed("listed", year - 1 if year else None),
        "previous_poor": listed("poor", year - 1 if year else None),
        "previous_near_poor": listed("near_poor", year - 1 if year else None),
        "escaped_poverty": changed("escaped_poverty"),
        "escaped_near_poverty": changed("escaped_near_poverty"),
        "new_listed": changed("new_listed"),
        "fell_back": changed("fell_back"),
        "results": links.results(code, year) if code else review_list,
        "beneficiaries": links.beneficiaries(code),
        "beneficiaries_uncovered": links.beneficiaries(code, uninsured_on=last_day),
        "members_uncovered": links.uninsured_members(code),
        "run": links.run(total.run_id) if code and total.run_id else links.runs(),
        "run_bank": links.run(total.run_id, payment_method="bank") if code and total.run_id else links.runs(),
        "run_cash": links.run(total.run_id, payment_method="cash") if code and total.run_id else links.runs(),
        "runs": links.runs(),
        "cases_applied": links.allowances(code, status="applied"),
        "cases_verified": links.allowances(code, status="verified"),
        "cases_suspended": links.allowances(code, status="suspended"),
        "cards_expiring": links.allowances(code, cards="expiring"),
        "complaints": (
            links.campaign(total.complaint_campaign_id, "complaints/")
            if code and total.complaint_campaign_id
            else review_list
        ),
        "review": links.campaign(total.review_id) if code and total.review_id else review_list,
        "reminders": links.reminders(code) if code else reverse("notifications:reminder_communes"),
    }


def _context(dashboard: figures.Dashboard, links: Links, code: str, user) -> dict:
    """What both dashboards show of their total (``code``: the commune, or "" for a province)."""
    total = dashboard.total
    return {
        "urls": _urls(links, total, code),
        # The numbers of the coverage's links: the complement of those covered.
        "uncovered": {
            "members": total.living_members - total.members_covered,
            "beneficiaries": total.beneficiaries - total.beneficiaries_covered,
        },
        "dashboard": dashboard,
        "period": dashboard.period,
        "total": total,
        "links": links,
        "panels": {panel.name: panel for panel in charts.dashboard_panels(dashboard)},
        "category_rows": _category_rows(
            dashboard,
            links,
            _category_names(),
            code,
            health_linked=sees_health(user),  # the door has scoped the dashboard
        ),
        "support": _support_rows(dashboard.support, links, code, dashboard.period.year),
        "reminder_effect": dashboard.reminder_effect,
        "prepare_day": settings.DISBURSEMENT_PREPARE_DAY,
        "review_open_by": date(dashboard.period.year, *figures.REVIEW_OPEN_BY),
        "review_approved_by": date(dashboard.period.year, *figures.REVIEW_APPROVED_BY),
        **_month_choices(dashboard.period),
    }


@login_required
def home(request):
    """Officers go to their commune's dashboard, provincial viewers to their province's; an
    administrator (or a viewer of several provinces) chooses a province."""
    user = request.user
    query = request.GET.urlencode()
    suffix = f"?{query}" if query else ""
    if may_see_provinces(user):
        provinces = list(provinces_for_user(user).order_by("code"))
        if len(provinces) == 1:
            return redirect(reverse("reports:province", kwargs={"code": provinces[0].code}) + suffix)
        return render(request, "reports/dashboard_choose.html", {"provinces": provinces})
    commune = communes_for_user(user).order_by("name", "code").first()
    if commune is None:
        return render(request, "reports/dashboard_choose.html", {"provinces": []})
    return redirect(reverse("reports:commune", kwargs={"code": commune.code}) + suffix)


@login_required
def commune_dashboard(request, code):
    commune = access_commune_dashboard(request.user, code)
    year, month = _chosen_period(request)
    with figures.planned():
        dashboard = figures.dashboard([commune.code], year=year, month=month, names={commune.code: commune.name})
        villages = figures.villages(commune.code, dashboard.total.status_year)
    links = Links(dashboard.period)
    total = dashboard.total
    for village in villages:
        village_id = village.village_id or "none"  # None: the households waiting for a village
        if total.status_year:  # without a list, nobody is counted poor: no link
            village.poor_url = links.listed(commune.code, "poor", total.status_year, village_id)
            village.near_poor_url = links.listed(commune.code, "near_poor", total.status_year, village_id)
        village.households_url = links.households(commune.code, village=village_id)
    others = []  # an officer of several communes moves between them; provincial staff use the province's
    if not may_see_provinces(request.user):
        others = [c for c in communes_for_user(request.user).only("code", "name").order_by("name") if c.code != code]
    return render(
        request,
        "reports/dashboard_commune.html",
        {
            **_context(dashboard, links, commune.code, request.user),
            "commune": commune,
            "villages": villages,
            "other_communes": others,
            "province_url": (
                reverse("reports:province", kwargs={"code": commune.province_id}) + "?" + links.month_query()
                if may_see_provinces(request.user)
                else ""
            ),
        },
    )


@login_required
def province_dashboard(request, code):
    province, communes = access_province_dashboard(request.user, code)
    year, month = _chosen_period(request)
    dashboard = province_figures(communes, year=year, month=month, refresh=request.GET.get("refresh") == "1")
    links = Links(dashboard.period, province=province.code)
    sort = request.GET.get("sort", "name")
    key = sort.removeprefix("-")
    if key not in SORTS:
        sort, key = "name", "name"
    # The communes with records first, in the table; those without any are one line under it (a
    # province where few communes use the product yet is not a page of rows of zeros).
    rows = sorted(dashboard.communes_with_data, key=SORTS[key], reverse=sort.startswith("-"))
    empty = dashboard.communes_without_data
    for row in [*rows, *empty]:
        row.url = links.commune(row.code)
        row.run_url = links.run(row.run_id) if row.run_id else links.runs()
    base = f"{request.path}?{links.month_query()}"
    columns = [
        ("name", _("Commune")),
        ("households", _("Households")),
        ("listed", _("Poor and near-poor")),
        ("rate", _("Rate")),
        ("plan", _("Against the target")),
        ("beneficiaries", _("Beneficiaries")),
        ("run", _("This month's run")),
        ("bank", _("Paid by bank")),
        ("coverage", _("Health insurance: members")),
        ("beneficiary_coverage", _("Health insurance: beneficiaries")),
        ("late", _("Late")),
    ]
    headers = [
        {
            "key": name,
            "label": label,
            "url": f"{base}&sort={'-' if sort == name else ''}{name}",
            "aria_sort": ("ascending" if sort == name else "descending" if sort == f"-{name}" else "none"),
        }
        for name, label in columns
    ]
    return render(
        request,
        "reports/dashboard_province.html",
        {
            **_context(dashboard, links, "", request.user),
            "province": province,
            "rows": rows,
            "empty_communes": empty,
            "headers": headers,
            "sort": sort,
            "cache_minutes": cache_seconds() // 60,
            "refresh_url": f"{base}&sort={sort}&refresh=1",
        },
    )
