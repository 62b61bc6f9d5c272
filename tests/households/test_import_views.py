"""The import page (upload, check, report, import) and the export download, role by role."""

import io
from datetime import date

import openpyxl
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.importing import COLUMNS, read_rows
from households.models import Household
from households.services import PersonData, household_register
from tests.households.test_import import MAN_1980, counts, csv_bytes, line, member, register


@pytest.fixture
def client_in_english(client_for):
    def make(role_key: str):
        client = client_for(role_key)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def upload(rows, *, name="households.csv", dry_run: bool) -> dict:
    data = {"file": SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return data


def test_the_import_page_offers_an_upload_with_dry_run_checked(client_in_english, units):
    response = client_in_english("tandong_officer").get(reverse("households:import"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="file"' in page
    assert 'name="dry_run"' in page and "checked" in page.split('name="dry_run"')[1].split(">")[0]
    assert ",".join(COLUMNS) in page


def test_a_dry_run_shows_the_counts_and_saves_nothing(client_in_english, units):
    response = client_in_english("tandong_officer").post(
        reverse("households:import"), upload([line(), member(1)], dry_run=True)
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-ok"' in page
    assert '<th scope="row">Households to register</th><td class="text-end">1</td>' in page
    assert '<th scope="row">Persons to add</th><td class="text-end">2</td>' in page
    assert response.context["form"].initial == {"dry_run": False}  # the next step is the import itself
    upload_form = page.split('enctype="multipart/form-data"')[1].split("</form>")[0]
    assert upload_form.count('name="csrfmiddlewaretoken"') == 1
    assert counts() == (0, 0, 0, 0)


def test_an_officer_imports_and_goes_back_to_the_list_with_a_message(client_in_english, units, users):
    client = client_in_english("tandong_officer")

    response = client.post(reverse("households:import"), upload([line(), member(1)], dry_run=False))

    assert response.status_code == 302
    assert response["Location"] == reverse("households:list")
    household = Household.objects.get(commune=units.tan_dong, code="HH-001")
    assert (household.member_count, household.events.get().actor) == (2, users["tandong_officer"])
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Imported households.csv: 1 households registered, 0 updated; 2 persons added, 0 updated."
    ]


def test_a_file_with_errors_shows_each_line_column_and_message_and_saves_nothing(client_in_english, units):
    rows = [line(sex="X"), member(1, commune_code="25480")]

    response = client_in_english("tandong_officer").post(reverse("households:import"), upload(rows, dry_run=False))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has 2 errors. Nothing was saved" in page
    assert (
        "<tr><td>2</td><td>Nguyễn Văn An</td><td><code>sex</code></td>"
        "<td>“X” is not accepted; accepted: Nam, Nữ, M, F</td></tr>"
    ) in page
    assert (
        "<tr><td>3</td><td>Nguyễn Thị Con 1</td><td><code>commune_code</code></td><td>unknown commune</td></tr>" in page
    )
    assert "Phường Bình Minh" not in page
    assert response.context["form"].initial == {"dry_run": True}
    assert counts() == (0, 0, 0, 0)


def test_a_file_with_a_wrong_header_is_refused_on_the_form(client_in_english, units):
    data = {"file": SimpleUploadedFile("h.csv", csv_bytes([line()], header=COLUMNS[:-1]))}

    response = client_in_english("tandong_officer").post(reverse("households:import"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Missing columns: disability_level."]}
    assert counts() == (0, 0, 0, 0)


def test_an_xlsx_upload_is_imported(client_in_english, units):
    workbook = openpyxl.Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append([line()[name] for name in COLUMNS])
    stream = io.BytesIO()
    workbook.save(stream)

    response = client_in_english("tandong_officer").post(
        reverse("households:import"), {"file": SimpleUploadedFile("h.xlsx", stream.getvalue())}
    )

    assert response.status_code == 302
    assert Household.objects.get(code="HH-001").head.national_id == MAN_1980


@pytest.mark.parametrize("role", ["tayninh_province", "tandong_committee", "tandong_chair"])
def test_roles_that_may_not_manage_the_registry_get_403_and_nothing_changes(role, client_in_english, units):
    client = client_in_english(role)

    page = client.get(reverse("households:import"))
    posted = client.post(reverse("households:import"), upload([line()], dry_run=False))

    assert (page.status_code, posted.status_code) == (403, 403)
    assert counts() == (0, 0, 0, 0)


def test_anonymous_users_are_sent_to_the_login_page(client_in_english, units):
    client = client_in_english("anonymous")

    responses = [client.get(reverse("households:import")), client.get(reverse("households:export"))]

    assert [response.status_code for response in responses] == [302, 302]
    assert all(response["Location"].startswith(reverse("accounts:login")) for response in responses)


# --- export ------------------------------------------------------------------------------------


@pytest.fixture
def two_communes(units, users):
    register(units, users["tandong_officer"], code="HH-100")
    head = PersonData(national_id="072075000009", full_name="Trần Văn Minh", date_of_birth=date(1975, 3, 3), sex="M",
                      phone="0912345678")  # fmt: skip
    household_register(commune=units.binh_minh, village=units.binh_minh_village, code="BM-1", head=head,
                       acting_user=users["binhminh_officer"])  # fmt: skip


def exported(response) -> list[dict[str, str]]:
    return read_rows(io.BytesIO(b"".join(response.streaming_content)), "export.csv")


def test_the_csv_download_is_scoped_to_the_user(client_in_english, two_communes):
    response = client_in_english("binhminh_officer").get(reverse("households:export"), {"format": "csv"})

    rows = exported(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="households-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert [(row["household_code"], row["commune_code"], row["national_id"]) for row in rows] == [
        ("BM-1", "25480", "072075000009")
    ]


def test_the_export_follows_the_list_filters(client_in_english, two_communes, units):
    response = client_in_english("tayninh_province").get(
        reverse("households:export"), {"q": "Trần Văn Bình", "format": "csv"}
    )

    assert [row["household_code"] for row in exported(response)] == ["HH-100"]


def test_the_provincial_viewer_gets_national_ids_and_phones_masked(client_in_english, two_communes):
    response = client_in_english("tayninh_province").get(reverse("households:export"))

    rows = exported(response)
    assert [(row["household_code"], row["national_id"], row["phone"]) for row in rows] == [
        ("BM-1", "•••••••••009", "•••••••••678"),
        ("HH-100", "•••••••••234", ""),
    ]


def test_the_xlsx_download(client_in_english, two_communes):
    response = client_in_english("tandong_chair").get(reverse("households:export"), {"format": "xlsx"})

    rows = read_rows(io.BytesIO(b"".join(response.streaming_content)), "export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert [(row["household_code"], row["national_id"]) for row in rows] == [("HH-100", MAN_1980)]


def test_an_unknown_format_is_a_bad_request(client_in_english, units):
    response = client_in_english("tandong_officer").get(reverse("households:export"), {"format": "pdf"})

    assert response.status_code == 400
