"""The official tables, each computed by one SQL aggregation over the tables the other apps write:

- **poverty**: the year's poverty-review summary by village (by commune for a province): households,
  poor and near-poor households of the list the review produced and their rates, households that
  escaped poverty or near-poverty, newly listed and fallen back: the same definitions as
  ``povertyreview.selectors.review_results`` (the review of year Y gives the statuses of Y + 1);
- **allowances**: social-allowance beneficiaries and amounts by category and month of a half-year
  (the content of the Decree 20 half-yearly report);
- **payments**: payments by method and bank (NAPAS BIN) over a month or a range of months.

Money paid is read from payment-run lines (``disbursements.RunLine``) of runs the chair approved
(approved, sent to the payer or reconciled), counted in the month of their run (arrears included, as
they were paid then); a line the payer reported failed was not paid and is left out (its months are
paid again, as arrears, by a later run, where they are counted).

Scope: a table covers one commune the user may see, or, for a provincial viewer or an administrator,
the communes of a province they may see (summed), never more. ``table_scope`` is the door, through the
dashboards' ``reports.access``: 404 for a commune or province out of scope, as for one that does not
exist; 403 for a province asked by a commune's staff.

A table is a ``Table``: columns (with a page label and the Vietnamese label of the documents), rows
of Python values (ints for counts and đồng, exact fractions for rates) and a totals row; the page,
the PDF and the XLSX (``reports.exports``) all draw the same object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from beneficiaries import banks, category_labels
from beneficiaries.models import Category, PaymentMethod
from core.months import add_months, first_of_month
from core.pdf import OfficialHeader, commune_header
from core.text import fold_vietnamese, in_language
from disbursements import sql as payments
from disbursements.models import Run
from geography.models import Commune, Province
from geography.scoping import communes_for_user, provinces_for_user
from households import sql as registry
from households.models import Household
from povertyreview.selectors import ReviewState, latest_recognised_year, review_states
from reports.access import access_commune_dashboard, access_province_dashboard, may_see_provinces
from reports.models import OfficialTable

# Runs whose lines count as paid: approved by the chair or later (never computed-only or cancelled).
PAID_RUN_STATUSES = (Run.Status.APPROVED, Run.Status.EXPORTED, Run.Status.RECONCILED)
MAX_PAYMENT_MONTHS = 24
Progress = Callable[[int], None]


# --- scope -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableScope:
    """One commune, or the user's communes of one province."""

    commune: Commune | None
    province: Province
    commune_codes: tuple[str, ...]
    province_communes: int = 0  # how many communes the province has (province scope only)

    @property
    def is_province(self) -> bool:
        return self.commune is None

    @property
    def name(self) -> str:
        return self.commune.name if self.commune else self.province.name

    @property
    def query(self) -> dict[str, str]:
        return {"commune": self.commune.code} if self.commune else {"province": self.province.code}

    @property
    def code(self) -> str:
        return self.commune.code if self.commune else self.province.code

    @property
    def is_partial(self) -> bool:
        """A province scope that does not cover every commune of the province."""
        return self.is_province and len(self.commune_codes) < self.province_communes

    def label(self) -> str:
        if not self.is_province:
            return self.commune.name
        if self.is_partial:
            return _("%(province)s: %(count)d of its %(total)d communes (those in your scope)") % {
                "province": self.province.name,
                "count": len(self.commune_codes),
                "total": self.province_communes,
            }
        return _("%(province)s: the whole province (%(count)d communes)") % {
            "province": self.province.name,
            "count": len(self.commune_codes),
        }

    def label_vi(self) -> str:
        if not self.is_province:
            return self.commune.name
        place = province_place(self.province)
        if self.is_partial:
            return f"{place}: {len(self.commune_codes)}/{self.province_communes} xã, phường, đặc khu"
        return f"Toàn {place} ({len(self.commune_codes)} xã, phường, đặc khu)"

    def header(self, on: date) -> OfficialHeader:
        if self.commune:
            return commune_header(self.commune, on=on)
        city = is_city(self.province)
        return OfficialHeader(
            authority="ỦY BAN NHÂN DÂN",
            unit=province_place(self.province).upper(),
            place=self.province.name.removeprefix("Thành phố").strip(),
            on=on,
            unit_kind="thành phố" if city else "tỉnh",
        )


def is_city(province: Province) -> bool:
    return province.division_type == Province.DivisionType.CITY or province.name.startswith("Thành phố")


def province_place(province: Province) -> str:
    """'tỉnh Tây Ninh', 'Thành phố Hồ Chí Minh' (a city's name already says so)."""
    if is_city(province):
        return province.name
    return f"tỉnh {province.name}"


def table_scope(user, *, commune: str = "", province: str = "") -> TableScope:
    """The scope a user asks for, through the dashboards' doors (``reports.access``): ``commune`` (a
    code: 404 out of scope) or ``province`` (a code: 404 out of scope, 403 for a role other than a
    provincial viewer or an administrator: a province's figures are theirs); neither: a provincial
    viewer's or administrator's first province, anyone else's first commune."""
    if not commune and not province:
        if may_see_provinces(user):
            first = provinces_for_user(user).order_by("code").values_list("code", flat=True).first()
            province = first or ""
        else:
            commune = communes_for_user(user).order_by("name", "code").values_list("code", flat=True).first() or ""
        if not commune and not province:
            raise Http404("scope")
    if commune:
        found = access_commune_dashboard(user, commune)
        return TableScope(commune=found, province=found.province, commune_codes=(found.code,))
    found, communes = access_province_dashboard(user, province)
    return TableScope(
        commune=None,
        province=found,
        commune_codes=tuple(sorted(commune.code for commune in communes)),
        province_communes=Commune.objects.filter(province=found).count(),
    )


# --- the table object ------------------------------------------------------------------------------


class Kind:
    TEXT, COUNT, VND, PERCENT = "text", "count", "vnd", "percent"


def in_vietnamese(text) -> str:
    """A catalogue text as the documents print it (Vietnamese by law), whatever the page's language:
    the page in Vietnamese and the PDF or XLSX say the same words, from the same catalogue entry."""
    with translation.override("vi"):
        return str(text)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # a lazy catalogue text: the page shows it in its language, the documents in Vietnamese
    kind: str = Kind.COUNT
    group: str = ""  # a header over consecutive columns of the same group (lazy text, or a month)

    @property
    def label_vi(self) -> str:
        return in_vietnamese(self.label)

    @property
    def group_vi(self) -> str:
        return in_vietnamese(self.group) if self.group else ""


@dataclass
class TableRow:
    values: list  # one per column: str, int, or a fraction (float) / None for a rate
    level: str = "data"  # data, group (a subtotal heading its rows), total
    links: dict = field(default_factory=dict)  # column key -> URL of the records behind the number
    label_vi: str | None = None  # the first cell in the documents (``in_vietnamese`` of the page's label)
    key: str = ""  # what the row stands for, when its label is words (a category's code)

    def document_values(self) -> list:
        return [self.label_vi, *self.values[1:]] if self.label_vi is not None else self.values

    def cells(self, columns: list[Column]) -> list[dict]:
        return [
            {"value": value, "kind": column.kind, "link": self.links.get(column.key, "")}
            for column, value in zip(columns, self.values, strict=True)
        ]


@dataclass
class Table:
    kind: str
    title: str  # the page's
    title_vi: str  # the documents'
    period: str
    period_vi: str
    scope: TableScope
    parameters: dict  # what ``parse_parameters`` accepts, to rebuild the same table
    columns: list[Column]
    rows: list[TableRow]
    total: TableRow
    notes: list[str] = field(default_factory=list)
    notes_vi: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the page's, above the table
    landscape: bool = False

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def header_rows(self, *, vietnamese: bool) -> list[list[dict]]:
        """One header row, or two when some columns are grouped (a group's label over its columns,
        ungrouped columns spanning both rows)."""
        if not any(column.group for column in self.columns):
            return [[{"label": self._label(column, vietnamese), "colspan": 1, "rowspan": 1} for column in self.columns]]
        top: list[dict] = []
        bottom: list[dict] = []
        for column in self.columns:
            label = self._label(column, vietnamese)
            if not column.group:
                top.append({"label": label, "colspan": 1, "rowspan": 2, "group": ""})
                continue
            group = column.group_vi if vietnamese else str(column.group)
            if top and top[-1].get("group") == group and top[-1]["rowspan"] == 1:
                top[-1]["colspan"] += 1
            else:
                top.append({"label": group, "colspan": 1, "rowspan": 1, "group": group})
            bottom.append({"label": label, "colspan": 1, "rowspan": 1})
        return [top, bottom]

    @staticmethod
    def _label(column: Column, vietnamese: bool) -> str:
        return column.label_vi if vietnamese else str(column.label)

    def flat_labels_vi(self) -> list[str]:
        """One header row for a spreadsheet: "07/2026 – Số người" for a grouped column."""
        return [f"{c.group_vi} – {c.label_vi}" if c.group_vi else c.label_vi for c in self.columns]


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- parameters ------------------------------------------------------------------------------------


def _int(data: dict, key: str, low: int, high: int, default: int) -> int:
    raw = data.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({key: _("Enter a whole number.")}) from None
    if not low <= value <= high:
        raise ValidationError({key: _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}})
    return value


def _month(data: dict, key: str, default: date) -> date:
    raw = data.get(key)
    if raw in (None, ""):
        return default
    if isinstance(raw, date):
        return first_of_month(raw)
    try:
        if "/" in str(raw):  # mm/yyyy, as the month inputs write it (core.forms.MONTH_INPUT)
            month, year = str(raw).split("/")
        else:
            year, month = str(raw)[:7].split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationError({key: _("Enter a month as YYYY-MM.")}) from None


def parse_parameters(table: str, data, *, today: date | None = None, scope: TableScope | None = None) -> dict:
    """The period of ``table`` from a query string (or a job's stored parameters), defaults filled
    in, as JSON-ready values; ValidationError naming the field otherwise.

    poverty: ``year`` of the review (default, given the ``scope``: the latest review whose result the
    chair recognised, i.e. the list in force (``povertyreview.selectors.latest_recognised_year``);
    without a scope, or when none is recognised: last year's review);
    allowances: ``year`` and ``half`` (1: January–June, 2: July–December; default: the half-year
    of last month); payments: ``month_from`` .. ``month_to`` (default: last month), at most 24 months.
    """
    today = today or timezone.localdate()
    last_month = add_months(first_of_month(today), -1)
    if table == OfficialTable.POVERTY:
        default = today.year - 1
        if scope is not None and data.get("year") in (None, ""):
            default = latest_recognised_year(scope.commune_codes, up_to=today.year)[0] or default
        return {"year": _int(data, "year", 2000, today.year, default)}
    if table == OfficialTable.ALLOWANCES:
        return {
            "year": _int(data, "year", 2000, today.year, last_month.year),
            "half": _int(data, "half", 1, 2, 1 if last_month.month <= 6 else 2),
        }
    if table == OfficialTable.PAYMENTS:
        month_to = _month(data, "month_to", last_month)
        month_from = _month(data, "month_from", month_to)
        if month_from > month_to:
            raise ValidationError({"month_from": _("The first month must not be after the last.")})
        if (month_to.year - month_from.year) * 12 + month_to.month - month_from.month >= MAX_PAYMENT_MONTHS:
            raise ValidationError({"month_from": _("Choose at most %(count)d months.") % {"count": MAX_PAYMENT_MONTHS}})
        return {"month_from": f"{month_from:%Y-%m}", "month_to": f"{month_to:%Y-%m}"}
    raise Http404("table")


def half_year_months(year: int, half: int) -> list[date]:
    first = date(year, 1 if half == 1 else 7, 1)
    return [add_months(first, index) for index in range(6)]


def _as_month(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def build_table(table: str, scope: TableScope, parameters: dict, *, progress: Progress | None = None) -> Table:
    """The table ``table`` (an ``OfficialTable`` value) of ``scope`` for ``parameters`` (as
    ``parse_parameters`` returns them). ``progress(percent)`` is told as the work advances."""
    builders = {
        OfficialTable.POVERTY: poverty_table,
        OfficialTable.ALLOWANCES: allowance_table,
        OfficialTable.PAYMENTS: payment_table,
    }
    if table not in builders:
        raise Http404("table")
    return builders[table](scope, **parameters, progress=progress)


def source_rows(table: str, scope: TableScope, parameters: dict) -> int:
    """How many rows the table aggregates (households, or payment lines from the runs' counters):
    what decides whether an export is built at once or by a worker. One cheap query."""
    if table == OfficialTable.POVERTY:
        return Household.objects.filter(commune_id__in=scope.commune_codes, dissolved_on__isnull=True).count()
    if table == OfficialTable.ALLOWANCES:
        months = half_year_months(parameters["year"], parameters["half"])
        first, last = months[0], months[-1]
    else:
        first, last = _as_month(parameters["month_from"]), _as_month(parameters["month_to"])
    runs = Run.objects.filter(
        commune_id__in=scope.commune_codes, month__range=(first, last), status__in=PAID_RUN_STATUSES
    )
    return sum(runs.values_list("line_count", flat=True))


def _tell(progress: Progress | None, percent: int) -> None:
    if progress:
        progress(percent)


# --- a. the poverty-review summary -----------------------------------------------------------------

_POVERTY_COUNTS = [
    "households",
    "poor",
    "near_poor",
    "escaped_poverty",
    "escaped_near_poverty",
    "new_listed",
    "fell_back",
]


def poverty_counts(commune_codes, year: int, *, by: str) -> dict:
    """key (village id, or commune code when ``by="commune"``) -> the counts of ``_POVERTY_COUNTS``,
    over the current households of ``commune_codes`` (``households.sql.poverty_summary``): one query."""
    sql = registry.poverty_summary("commune" if by == "commune" else "village")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"communes": list(commune_codes), "year": year, "next": year + 1})
        return {row[0]: dict(zip(_POVERTY_COUNTS, row[1:], strict=True)) for row in cursor.fetchall()}


class NotRecognised(ValidationError):
    """The poverty table of a year whose result no commune of the scope has recognised: there is no
    table to show, print or sign (the page says so; every export refuses it)."""


@dataclass
class Recognition:
    """Which communes of a scope have the result of the review of ``year`` recognised by the chair
    (``povertyreview.selectors.ReviewState``)."""

    year: int
    states: dict[str, ReviewState]

    @property
    def recognised_codes(self) -> tuple[str, ...]:
        return tuple(sorted(code for code, state in self.states.items() if state.recognised))

    @property
    def pending(self) -> list[ReviewState]:
        """The communes keeping records here (households or a review) whose result is not recognised."""
        waiting = [
            state
            for state in self.states.values()
            if not state.recognised and (state.has_households or state.campaign_status)
        ]
        return sorted(waiting, key=lambda state: (fold_vietnamese(state.name), state.code))

    @property
    def refused(self) -> bool:
        return not self.recognised_codes

    def warnings(self, scope: TableScope) -> list[str]:
        """The page's warnings (in the reader's language)."""
        if not scope.is_province:
            state = self.states.get(scope.commune.code)
            return [state.warning()] if state is not None and not state.recognised else []
        pending = self.pending
        if self.refused:
            return [
                _(
                    "The result of the %(year)s poverty review is recognised by the chair in none of these "
                    "communes yet: there is no list of %(next)s to sum."
                )
                % {"year": self.year, "next": self.year + 1}
            ]
        if not pending:
            return []
        return [
            _(
                "The result of the %(year)s poverty review is not yet recognised in these communes "
                "(%(count)d): %(communes)s. The table sums only the communes whose result is recognised."
            )
            % {"year": self.year, "count": len(pending), "communes": _state_list(pending)}
        ]

    def notes_vi(self) -> list[str]:
        pending = self.pending
        if not pending:
            return []
        with translation.override("vi"):  # the documents are in Vietnamese whatever the reader's language
            names = "; ".join(f"{state.name} ({state.status_label})" for state in pending)
        return [
            f"Chưa tổng hợp {len(pending)} xã, phường, đặc khu chưa được Chủ tịch UBND công nhận kết quả rà soát "
            f"năm {self.year}: {names}."
        ]

    def refusal(self, scope: TableScope) -> NotRecognised:
        return NotRecognised(self.warnings(scope))


def _state_list(states: list[ReviewState]) -> str:
    return "; ".join(f"{state.name} ({state.status_label})" for state in states)


def poverty_title(year: int) -> str:
    return _("Poverty-review summary %(year)s") % {"year": year}


def poverty_period(year: int) -> str:
    return _("Review of %(year)s: the list for %(next)s compared with the list for %(year)s") % {
        "year": year,
        "next": year + 1,
    }


def poverty_recognition(scope: TableScope, year: int) -> Recognition:
    """One query: the state of the review of ``year`` in each commune of ``scope``."""
    return Recognition(year=year, states=review_states(scope.commune_codes, year))


def poverty_table(
    scope: TableScope, *, year: int, progress: Progress | None = None, recognition: Recognition | None = None
) -> Table:
    """The summary of the review of ``year`` over the communes of ``scope`` whose result the chair
    recognised (the others are named in the notes); ``NotRecognised`` when none is: no table of
    zeros is ever drawn, shown or signed."""
    _tell(progress, 10)
    recognition = recognition or poverty_recognition(scope, year)
    if recognition.refused:
        raise recognition.refusal(scope)
    by = "commune" if scope.is_province else "village"
    counts = poverty_counts(recognition.recognised_codes, year, by=by)
    _tell(progress, 60)
    status_year = year + 1
    if scope.is_province:
        names = dict(Commune.objects.filter(code__in=counts).values_list("code", "name"))
        first = Column("name", pgettext_lazy("report table", "Commune"), Kind.TEXT)
    else:
        names = dict(scope.commune.villages.values_list("id", "name"))
        first = Column("name", gettext_lazy("Village"), Kind.TEXT)
    poor, near = gettext_lazy("Poor households"), gettext_lazy("Near-poor households")
    listed = pgettext_lazy("report table", "Poor and near-poor")
    escaped, new = gettext_lazy("Left the list"), gettext_lazy("Came onto the list")
    number, share = gettext_lazy("Number"), gettext_lazy("Rate (%)")
    columns = [
        first,
        Column("households", pgettext_lazy("report table", "Households")),
        Column("poor", number, group=poor),
        Column("poor_rate", share, Kind.PERCENT, group=poor),
        Column("near_poor", number, group=near),
        Column("near_poor_rate", share, Kind.PERCENT, group=near),
        Column("listed", number, group=listed),
        Column("listed_rate", share, Kind.PERCENT, group=listed),
        Column("escaped_poverty", gettext_lazy("Escaped poverty"), group=escaped),
        Column("escaped_near_poverty", gettext_lazy("Escaped near-poverty"), group=escaped),
        Column("new_listed", gettext_lazy("Newly listed"), group=new),
        Column("fell_back", gettext_lazy("Fell back"), group=new),
    ]

    def values(label: str, found: dict) -> list:
        households, poor_n, near_n = found["households"], found["poor"], found["near_poor"]
        return [
            label, households, poor_n, rate(poor_n, households), near_n, rate(near_n, households),
            poor_n + near_n, rate(poor_n + near_n, households), found["escaped_poverty"],
            found["escaped_near_poverty"], found["new_listed"], found["fell_back"],
        ]  # fmt: skip

    no_village = gettext_lazy("No village yet")
    total_label = pgettext_lazy("report table", "Total")
    keys = sorted(counts, key=lambda key: (key is None, fold_vietnamese(names.get(key) or str(key))))
    rows = []
    households_url = reverse("households:list")
    for key in keys:
        found = counts[key]
        label = names.get(key) or (str(no_village) if key is None else str(key))
        links = {}
        if scope.is_province:
            links["name"] = reverse("reports:table_poverty") + "?" + urlencode({"commune": key, "year": year})
        elif key is not None:
            query = {"commune": scope.commune.code, "village": key, "year": status_year}
            links["poor"] = households_url + "?" + urlencode({**query, "status": "poor"})
            links["near_poor"] = households_url + "?" + urlencode({**query, "status": "near_poor"})
        rows.append(
            TableRow(values(label, found), links=links, label_vi=in_vietnamese(no_village) if key is None else None)
        )
    totals = {name: sum(found[name] for found in counts.values()) for name in _POVERTY_COUNTS}
    total = TableRow(values(str(total_label), totals), level="total", label_vi=in_vietnamese(total_label))
    _tell(progress, 70)
    return Table(
        kind=OfficialTable.POVERTY,
        title=poverty_title(year),
        title_vi=f"TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}",
        period=poverty_period(year),
        period_vi=f"Kết quả rà soát năm {year}: danh sách năm {status_year} so với danh sách năm {year}",
        scope=scope,
        parameters={"year": year},
        columns=columns,
        rows=rows,
        total=total,
        notes=[
            _(
                "Households living in the commune now; rates are shares of all of them. Escaped: on the list "
                "of %(year)s, not in that class on the list of %(next)s. Newly listed: never listed before; "
                "fell back: listed in an earlier year."
            )
            % {"year": year, "next": status_year}
        ],
        notes_vi=[
            f"Số hộ đang cư trú; tỷ lệ tính trên tổng số hộ. Thoát nghèo, thoát cận nghèo: có trong danh sách "
            f"năm {year}, không còn trong danh sách năm {status_year}. Phát sinh mới: chưa từng có tên trong danh "
            f"sách; tái nghèo, tái cận nghèo: đã có tên trong danh sách các năm trước.",
            *recognition.notes_vi(),
        ],
        warnings=recognition.warnings(scope),
        landscape=True,
    )


# --- b. social-allowance beneficiaries and amounts by category and month ----------------------------

_ALLOWANCE_SQL = f"""
    SELECT line.category, line.month, count(*), count(DISTINCT line.case_id), coalesce(sum(line.amount), 0)::bigint,
           GROUPING(line.category), GROUPING(line.month)
      FROM ({payments.paid_lines()}) line
     GROUP BY GROUPING SETS ((line.category, line.month), (line.category), (line.month), ())
"""


def allowance_table(scope: TableScope, *, year: int, half: int, progress: Progress | None = None) -> Table:
    _tell(progress, 10)
    months = half_year_months(year, half)
    with connection.cursor() as cursor:
        cursor.execute(
            _ALLOWANCE_SQL,
            {
                "communes": list(scope.commune_codes),
                "first": months[0],
                "last": months[-1],
                "statuses": list(PAID_RUN_STATUSES),
            },
        )
        found = cursor.fetchall()
    _tell(progress, 60)
    cells: dict[tuple, tuple[int, int]] = {}  # (category or ALL, month or ALL) -> (people, amount)
    every = object()
    for category, month, lines, people, amount, no_category, no_month in found:
        key = (every if no_category else category, every if no_month else month)
        cells[key] = (people if no_month else lines, amount or 0)
    categories = list(Category.objects.order_by("position").values_list("code", "name_vi", "name_en"))
    known = {code for code, *_names in categories}
    extra = sorted({key[0] for key in cells if key[0] is not every and key[0] not in known})
    columns = [Column("category", gettext_lazy("Category"), Kind.TEXT)]
    for month in months:
        label = f"{month:%m/%Y}"
        columns.append(Column(f"people_{month:%Y_%m}", gettext_lazy("People"), group=label))
        columns.append(Column(f"amount_{month:%Y_%m}", gettext_lazy("Amount (đồng)"), Kind.VND, group=label))
    half_label = (
        pgettext_lazy("report table", "First half of the year")
        if half == 1
        else pgettext_lazy("report table", "Second half of the year")
    )
    columns.append(Column("people", gettext_lazy("People (different)"), group=half_label))
    columns.append(Column("amount", gettext_lazy("Amount (đồng)"), Kind.VND, group=half_label))

    def values(label: str, key) -> list:
        row = [label]
        for month in months:
            row.extend(cells.get((key, month), (0, 0)))
        row.extend(cells.get((key, every), (0, 0)))
        return row

    payments_url = reverse("disbursements:list")
    rows = []
    for code, name_vi, name_en in [*categories, *((code, code or "—", code or "—") for code in extra)]:
        if code in category_labels.LABELS:
            label = category_labels.short_label(code)
            with translation.override("vi"):
                label_vi = category_labels.short_label(code)
        else:
            label, label_vi = f"{code} {in_language(name_vi, name_en)}".strip(), f"{code} {name_vi}".strip()
        rows.append(TableRow(values(label, code), label_vi=label_vi, key=code))
    total_label = pgettext_lazy("report table", "Total")
    total = TableRow(values(str(total_label), every), level="total", label_vi=in_vietnamese(total_label))
    total.links = {f"amount_{month:%Y_%m}": f"{payments_url}?month={month:%Y-%m}" for month in months}
    _tell(progress, 70)
    return Table(
        kind=OfficialTable.ALLOWANCES,
        title=_("Social-allowance beneficiaries and amounts, %(half)s half of %(year)s")
        % {"half": _("first") if half == 1 else _("second"), "year": year},
        title_vi=f"TÌNH HÌNH THỰC HIỆN CHÍNH SÁCH TRỢ GIÚP XÃ HỘI HẰNG THÁNG 6 THÁNG {'ĐẦU' if half == 1 else 'CUỐI'} "
        f"NĂM {year}",
        period=f"{months[0]:%m/%Y} – {months[-1]:%m/%Y}",
        period_vi=f"Từ tháng {months[0]:%m/%Y} đến tháng {months[-1]:%m/%Y}",
        scope=scope,
        parameters={"year": year, "half": half},
        columns=columns,
        rows=rows,
        total=total,
        notes=[
            _(
                "Payment runs approved by the chair, sent to the payer or reconciled, in the month of the run "
                "(arrears included); transfers the payer reported failed are left out (they are paid again "
                "as arrears). A person is counted under the category of their payment."
            )
        ],
        notes_vi=[
            "Số liệu từ các danh sách chi trả đã được Chủ tịch UBND phê duyệt, đã chuyển tổ chức dịch vụ chi trả "
            "hoặc đã đối soát, tính theo tháng chi trả (kể cả truy lĩnh); không tính các khoản chi trả không "
            "thành công (được truy lĩnh ở kỳ sau)."
        ],
        landscape=True,
    )


# --- c. payments by method and bank ---------------------------------------------------------------

_PAYMENT_SQL = f"""
    SELECT line.payment_method, line.bank_bin, count(*), coalesce(sum(line.amount), 0)::bigint,
           GROUPING(line.payment_method), GROUPING(line.bank_bin)
      FROM ({payments.paid_lines()}) line
     GROUP BY GROUPING SETS ((line.payment_method, line.bank_bin), (line.payment_method), ())
"""


def payment_table(scope: TableScope, *, month_from: str, month_to: str, progress: Progress | None = None) -> Table:
    _tell(progress, 10)
    first, last = _as_month(month_from), _as_month(month_to)
    with connection.cursor() as cursor:
        cursor.execute(
            _PAYMENT_SQL,
            {"communes": list(scope.commune_codes), "first": first, "last": last, "statuses": list(PAID_RUN_STATUSES)},
        )
        found = cursor.fetchall()
    _tell(progress, 60)
    by_method: dict[str, tuple[int, int]] = {}
    by_bank: dict[str, dict[str, tuple[int, int]]] = {}
    grand = (0, 0)
    for method, bank_bin, count, amount, no_method, no_bin in found:
        if no_method:
            grand = (count, amount)
        elif no_bin:
            by_method[method] = (count, amount)
        else:
            by_bank.setdefault(method, {})[bank_bin] = (count, amount)
    columns = [
        Column("method", pgettext_lazy("report table", "Method"), Kind.TEXT),
        Column("bank", gettext_lazy("Bank"), Kind.TEXT),
        Column("payments", pgettext_lazy("report table", "Payments")),
        Column("amount", gettext_lazy("Amount (đồng)"), Kind.VND),
        Column("share", gettext_lazy("Share of the amount (%)"), Kind.PERCENT),
    ]
    page_labels = dict(PaymentMethod.choices)
    runs_url = reverse("disbursements:list")
    rows = []
    for method in (PaymentMethod.BANK, PaymentMethod.CASH):
        count, amount = by_method.get(method, (0, 0))
        rows.append(
            TableRow(
                [str(page_labels[method]), "", count, amount, rate(amount, grand[1])],
                level="group",
                label_vi=in_vietnamese(page_labels[method]),
            )
        )
        if method == PaymentMethod.BANK:
            for bank_bin in sorted(by_bank.get(method, {})):
                bank_count, bank_amount = by_bank[method][bank_bin]
                # By name for people ("Agribank"), the BIN kept beside it for the bank files.
                rows.append(
                    TableRow(
                        ["", f"{banks.bank_name(bank_bin)} ({bank_bin})" if bank_bin in banks.BY_BIN else
                         banks.bank_name(bank_bin), bank_count, bank_amount, rate(bank_amount, grand[1])]
                    )
                )  # fmt: skip
    total_label = pgettext_lazy("report table", "Total")
    total = TableRow(
        [str(total_label), "", grand[0], grand[1], 1.0 if grand[1] else None],
        level="total",
        label_vi=in_vietnamese(total_label),
    )
    total.links = {"payments": f"{runs_url}?month={first:%Y-%m}"} if first == last else {}
    _tell(progress, 70)
    single = first == last
    return Table(
        kind=OfficialTable.PAYMENTS,
        title=_("Payments by method and bank"),
        title_vi="TỔNG HỢP CHI TRẢ TRỢ CẤP XÃ HỘI THEO HÌNH THỨC VÀ NGÂN HÀNG",
        period=f"{first:%m/%Y}" if single else f"{first:%m/%Y} – {last:%m/%Y}",
        period_vi=f"Tháng {first:%m/%Y}" if single else f"Từ tháng {first:%m/%Y} đến tháng {last:%m/%Y}",
        scope=scope,
        parameters={"month_from": month_from, "month_to": month_to},
        columns=columns,
        rows=rows,
        total=total,
        notes=[
            _(
                "Lines of payment runs approved by the chair, sent to the payer or reconciled; transfers the "
                "payer reported failed are left out. Banks are shown by name, with their NAPAS BIN."
            )
        ],
        notes_vi=[
            "Số liệu từ các danh sách chi trả đã được phê duyệt, đã chuyển tổ chức dịch vụ chi trả hoặc đã đối "
            "soát; không tính các khoản chi trả không thành công. Ngân hàng ghi theo tên, kèm mã BIN của NAPAS."
        ],
    )
