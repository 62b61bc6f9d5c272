"""Poverty classification export (rules.md §4.5): one line per surveyed household of a campaign,
in household-code order, read in chunks by one server-side query (no query per line).

The caller decides who may read the campaign (``povertyreview.access.access_campaign``).
"""

from collections.abc import Iterator

from core.tabular import Echo, csv_writer, xlsx_row
from povertyreview.models import Campaign

COLUMNS = [
    "household_code",
    "commune_code",
    "review_year",
    "area",
    "income_per_capita_vnd",
    "deprivation_count",
    "classification",
    "previous_classification",
]
SHEET_TITLE = "classification"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 2_000


def export_rows(campaign: Campaign) -> Iterator[list]:
    """The header, then one line per surveyed household: codes and classes as text, the year,
    income and count as integers."""
    yield list(COLUMNS)
    assessments = (
        campaign.assessments.filter(surveyed_at__isnull=False)
        .order_by("household__code", "household_id")
        .values_list(
            "household__code",
            "area",
            "income_per_capita",
            "deprivation_count",
            "classification",
            "previous_classification",
        )
    )
    commune_code, year = campaign.commune_id, campaign.year
    for code, area, income, deprivations, classification, previous in assessments.iterator(chunk_size=_CHUNK):
        yield [code, commune_code, year, area, income, deprivations, classification, previous]


def write_csv(campaign: Campaign, stream) -> None:
    """UTF-8 CSV text to ``stream`` (a text stream opened with ``newline=""``), with a BOM so that
    Excel shows the diacritics, like the registry export."""
    stream.write("\ufeff")
    writer = csv_writer(stream)
    for row in export_rows(campaign):
        writer.writerow(row)


def csv_chunks(campaign: Campaign) -> Iterator[str]:
    """The CSV text line by line, for a streaming response."""
    writer = csv_writer(Echo())
    yield "\ufeff"
    for row in export_rows(campaign):
        yield writer.writerow(row)


def write_xlsx(campaign: Campaign, stream) -> None:
    """An XLSX workbook to ``stream`` (binary), written row by row (openpyxl's write-only mode).
    Codes stay text (a commune code keeps its leading zero; a value starting with "=" is never a
    formula); the year, income and count are numbers."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for row in export_rows(campaign):
        sheet.append(xlsx_row(sheet, row))
    workbook.save(stream)
