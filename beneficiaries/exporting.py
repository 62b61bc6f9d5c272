"""Beneficiaries export in the import's own format (rules.md §4.1), so that an exported file can be
edited and imported back: one line per active or suspended case of the user's communes, by commune
then national ID, read in chunks by one server-side query (no query per line).

``mask_identifiers`` hides all but the last digits of national IDs, account numbers and phones, for
viewers who may not read them in full (provincial viewers); such a file is for reading, not import.
"""

from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum

from beneficiaries.importing import COLUMNS
from beneficiaries.models import Case, CaseCategory
from core.tabular import Echo, csv_writer, xlsx_row
from geography.scoping import scope_to_user
from households.identity import mask
from households.models import Membership
from privacy.visibility import generalised_category, mask_account

SHEET_TITLE = "beneficiaries"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTED_STATUSES = (Case.Status.ACTIVE, Case.Status.SUSPENDED)
_CHUNK = 2_000


def cases_for_export(user, *, commune_code: str = "") -> QuerySet[Case]:
    """The user's active and suspended cases (of one commune when ``commune_code`` is given)."""
    cases = scope_to_user(Case.objects.filter(status__in=EXPORTED_STATUSES), user)
    if commune_code:
        cases = cases.filter(commune_id=commune_code)
    return cases


def export_rows(cases: QuerySet[Case], *, mask_identifiers: bool = False) -> Iterator[list[str]]:
    """The header, then one line per case: every cell text, months ``YYYY-MM``, dates ``YYYY-MM-DD``."""
    yield list(COLUMNS)
    # The household the person lives in now, or left when they died.
    home = Membership.objects.filter(person=OuterRef("person")).order_by(F("left_on").desc(nulls_first=True), "-id")
    current = CaseCategory.objects.filter(case=OuterRef("pk"), to_month__isnull=True).order_by().values("case")
    rows = (
        cases.order_by("commune_id", "person__national_id")
        .annotate(
            household_code=Subquery(home.values("household__code")[:1]),
            village_name=Subquery(home.values("household__village__name")[:1]),
            category_codes=Subquery(
                current.annotate(codes=StringAgg("category_id", ";", order_by="category__position")).values("codes")
            ),
            children=Subquery(
                current.filter(category__per_child_addition=True).annotate(n=Sum("dependent_children")).values("n")
            ),
        )
        .values_list(
            "person__national_id",
            "person__full_name",
            "person__date_of_birth",
            "person__sex",
            "commune_id",
            "village_name",
            "household_code",
            "category_codes",
            "children",
            "decision_number",
            "decision_date",
            "start_month",
            "paid_through_month",
            "end_month",
            "person__date_of_death",
            "payment_method",
            "bank_bin",
            "account_number",
            "account_name",
            "person__phone",
        )
    )
    for (national_id, name, born, sex, commune, village, household, codes, children, decision, decided, start,
         paid_through, end, died, method, bank_bin, account, holder, phone) in rows.iterator(chunk_size=_CHUNK):  # fmt: skip
        if mask_identifiers:
            # Health-related categories are masked for the same roles as identifiers (privacy.visibility).
            national_id, account, phone = mask(national_id), mask_account(account), mask(phone)
            codes = ";".join(generalised_category(code) for code in codes.split(";")) if codes else codes
        yield [
            national_id, name, born.isoformat(), sex, commune, village or "", household or "", codes or "",
            "" if children is None else str(children), decision, _day(decided), _month(start), _month(paid_through),
            _month(end), _day(died), method, bank_bin, account, holder, phone,
        ]  # fmt: skip


def _day(value) -> str:
    return value.isoformat() if value else ""


def _month(value) -> str:
    return f"{value:%Y-%m}" if value else ""


def write_csv(cases: QuerySet[Case], stream, *, mask_identifiers: bool = False) -> None:
    """UTF-8 CSV text to ``stream`` (a text stream opened with ``newline=""``), with a BOM so that
    Excel shows the diacritics; the import accepts the BOM."""
    stream.write("\ufeff")
    writer = csv_writer(stream)
    for row in export_rows(cases, mask_identifiers=mask_identifiers):
        writer.writerow(row)


def csv_chunks(cases: QuerySet[Case], *, mask_identifiers: bool = False) -> Iterator[str]:
    """The CSV text line by line, for a streaming response."""
    writer = csv_writer(Echo())
    yield "\ufeff"
    for row in export_rows(cases, mask_identifiers=mask_identifiers):
        yield writer.writerow(row)


def write_xlsx(cases: QuerySet[Case], stream, *, mask_identifiers: bool = False) -> None:
    """An XLSX workbook to ``stream`` (binary), written row by row. Every cell is text, so national
    IDs and account numbers keep their leading zeros and a value starting with "=" is never a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for row in export_rows(cases, mask_identifiers=mask_identifiers):
        sheet.append(xlsx_row(sheet, row))
    workbook.save(stream)
