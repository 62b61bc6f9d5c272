"""Household registry export in the import's own format (rules.md §4.0), so that an exported file
can be edited and imported back unchanged: one line per current member, the head first.

The caller decides what the user may see: pass a queryset that is already scoped (e.g.
``selectors.household_list_for_user``) and ``mask_identifiers`` for viewers who may not read
national IDs and phones in full.
"""

from collections.abc import Iterator

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

from core.tabular import csv_writer, xlsx_row
from households.ethnicity import ethnicity_name
from households.identity import mask
from households.importing import COLUMNS
from households.models import Household, Membership, Relationship
from privacy.visibility import GENERALISED_DISABILITY

SHEET_TITLE = "households"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 2_000


def export_rows(households_queryset: QuerySet[Household], *, mask_identifiers: bool = False) -> Iterator[list[str]]:
    """The header, then one line per current member of each household (households in code order)."""
    yield list(COLUMNS)
    memberships = (
        Membership.objects.filter(left_on__isnull=True, household__in=households_queryset.order_by().values("pk"))
        .select_related("person", "household__village")
        .annotate(
            head_first=Case(
                When(relationship=Relationship.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by(
            "household__commune_id",
            "household__code",
            "household_id",
            "head_first",
            F("joined_on").asc(nulls_first=True),
            "id",
        )
    )
    for membership in memberships.iterator(chunk_size=_CHUNK):
        household, person = membership.household, membership.person
        yield [
            household.code,
            household.commune_id,
            household.village.name if household.village else "",
            household.address,
            household.area,
            mask(person.national_id) if mask_identifiers else person.national_id,
            person.full_name,
            person.date_of_birth.isoformat(),
            person.sex,
            membership.relationship,
            ethnicity_name(person.ethnicity),
            mask(person.phone) if mask_identifiers else person.phone,
            _disability(person.disability_level) if mask_identifiers else person.disability_level,
        ]


def _disability(level: str) -> str:
    """A disability level as a masked export shows it (``privacy.visibility``: the health fields are
    masked for the same roles as the identifiers): only whether there is one."""
    return str(GENERALISED_DISABILITY) if level and level != "none" else level


def write_csv(households_queryset: QuerySet[Household], stream, *, mask_identifiers: bool = False) -> None:
    """Write UTF-8 CSV text to ``stream`` (a text stream, or an HttpResponse), with a BOM so that
    Excel shows the diacritics; the import accepts the BOM. A cell that a spreadsheet would read as a
    formula is neutralised (``core.tabular.neutralise``); the import takes the mark off again."""
    stream.write("\ufeff")
    writer = csv_writer(stream)
    for row in export_rows(households_queryset, mask_identifiers=mask_identifiers):
        writer.writerow(row)


def write_xlsx(households_queryset: QuerySet[Household], stream, *, mask_identifiers: bool = False) -> None:
    """Write an XLSX workbook to ``stream`` (binary). Every cell is text, so national IDs keep
    their leading zero and a value starting with "=" stays a value, never a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for row in export_rows(households_queryset, mask_identifiers=mask_identifiers):
        sheet.append(xlsx_row(sheet, row))
    workbook.save(stream)
