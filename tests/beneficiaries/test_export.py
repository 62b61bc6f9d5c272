"""Beneficiaries export (rules.md §4.1): the import's own format, byte for byte, for the user's active
and suspended cases in commune then national-ID order, in one query whatever the number of cases."""

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from beneficiaries.batches import import_batch_confirm
from beneficiaries.exporting import cases_for_export, export_rows, write_csv, write_xlsx
from beneficiaries.importing import COLUMNS, import_beneficiaries
from beneficiaries.models import Case
from households.models import Person
from tests.beneficiaries.test_import import line
from tests.households.factories import make_household


@pytest.fixture
def listed(family, officer, chair):
    """The elder on 5.5c paid by bank, the adult on 5.6s and 5.4 (two children) paid in cash, who
    died in November 2025; the child's case is terminated (not exported)."""
    Person.objects.filter(pk=family.adult.pk).update(date_of_death=date(2025, 11, 20), phone="+84912345678")
    report = import_beneficiaries(
        [
            line(family.elder),
            line(family.adult, categories="5.4;5.6s", dependent_children="2", payment_method="cash", bank_bin="",
                 account_number="", account_name="", end_month="2025-11", date_of_death="2025-11-20"),
            line(family.child, categories="5.1"),
        ],
        acting_user=officer,
    )  # fmt: skip
    assert report.ok, report.errors
    import_batch_confirm(batch=report.batch, acting_user=chair)
    Case.objects.filter(person=family.child).update(status=Case.Status.TERMINATED)
    return family


def test_csv_bytes_of_a_small_commune(listed, officer):
    stream = io.StringIO(newline="")

    write_csv(cases_for_export(officer), stream)

    adult, elder = listed.adult.national_id, listed.elder.national_id
    assert adult < elder  # born 1985 (digit 0) before born 1945 as a woman (digit 1)
    assert (
        stream.getvalue().encode()
        == (
            "\ufeff" + ",".join(COLUMNS) + "\r\n"
            f"{adult},Trần Văn Bình,1985-06-15,M,25522,Ấp Đông Hà,TD-TC1,5.4;5.6s,2,125/QĐ-UBND,2025-09-12,2025-09,"
            "2025-10,2025-11,2025-11-20,cash,,,,'+84912345678\r\n"  # a leading "+" neutralised (issue 15)
            f"{elder},Nguyễn Thị Hoa,1945-09-30,F,25522,Ấp Đông Hà,TD-TC1,5.5c,,125/QĐ-UBND,2025-09-12,2025-09,"
            "2025-10,,,bank,970405,7000205123456,NGUYEN THI HOA,\r\n"
        ).encode()
    )


def test_the_export_imports_back_unchanged(listed, officer):
    rows = export_rows(cases_for_export(officer))
    header = next(rows)

    report = import_beneficiaries([dict(zip(header, row, strict=True)) for row in rows], acting_user=officer)

    assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 0, 2)


def test_xlsx_holds_the_same_text(listed, officer):
    stream = io.BytesIO()

    write_xlsx(cases_for_export(officer), stream)

    stream.seek(0)
    sheet = openpyxl.load_workbook(stream).active
    values = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values == list(export_rows(cases_for_export(officer)))
    assert values[1][0].startswith("072")  # text: the leading zero stays


def test_one_query_whatever_the_number_of_cases(listed, officer, django_assert_num_queries):
    fresh = type(officer).objects.get(pk=officer.pk)  # the user's communes not read yet
    with django_assert_num_queries(2):  # the user's communes, then the cases
        assert len(list(export_rows(cases_for_export(fresh)))) == 3


def test_other_communes_are_not_exported(listed, users, units):
    make_household(units.binh_minh, units.binh_minh_village, code="BM-1")

    assert list(export_rows(cases_for_export(users["binhminh_officer"]))) == [COLUMNS]
    assert len(list(export_rows(cases_for_export(users["tayninh_province"])))) == 3
    assert list(export_rows(cases_for_export(users["admin"], commune_code="25480"))) == [COLUMNS]


def test_the_download_masks_identifiers_for_a_provincial_viewer(listed, client_for):
    response = client_for("tayninh_province").get(reverse("beneficiaries:export"), {"format": "csv"})

    text = b"".join(response.streaming_content).decode()
    adult_line = text.splitlines()[1].split(",")
    assert adult_line[0] == "•" * 9 + listed.adult.national_id[-3:]
    assert adult_line[-1] == "•" * 9 + "678"
    elder_line = text.splitlines()[2].split(",")
    assert elder_line[17] == "••••3456"  # as every page shows an account (privacy.visibility.mask_account)


def test_the_download_for_the_officer_is_full_and_xlsx_works(listed, client_for):
    client = client_for("tandong_officer")

    csv_response = client.get(reverse("beneficiaries:export"))
    xlsx_response = client.get(reverse("beneficiaries:export"), {"format": "xlsx", "commune": "25522"})

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert listed.elder.national_id in b"".join(csv_response.streaming_content).decode()
    assert xlsx_response.status_code == 200
    assert 'filename="beneficiaries-25522-' in xlsx_response["Content-Disposition"]
    assert client.get(reverse("beneficiaries:export"), {"format": "pdf"}).status_code == 400


def test_the_export_command(listed, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "out.csv"

    call_command("export_beneficiaries", "--commune", "25522", "-o", str(path))

    assert path.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(COLUMNS)
    assert "2 cases of Xã Tân Đông" in capsys.readouterr().out
