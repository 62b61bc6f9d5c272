"""What a run sends to the payer: the §4.2 export (exact CSV bytes, XLSX cell types), the bank
batch files per BIN, the cash list PDF, the totals; sending the run to the payer (a POST of its
own) and downloads that never change it (the first of each file is the original, later ones are
copies); and the pages' refusals (role, scope, a run not yet sent, a reconciled run) with nothing
changed.

The helpers at the top build a small approved run and are shared by the reconciliation and
command tests of this folder."""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from beneficiaries.models import Case, CaseCategory, PaymentMethod
from beneficiaries.rule_data import load_rules
from disbursements import documents, exporting, services
from disbursements.models import PaidMonth, PayerReport, Run, RunBatch, RunEvent, RunLine
from tests.factories import VillageFactory
from tests.households.factories import make_household

MONTH = date(2026, 5, 1)
HEADER = (
    "run_id,commune_code,reference,national_id,full_name,months,amount_vnd,payment_method,bank_bin,"
    "account_number,account_name"
)


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    born: date
    category: str
    start: date
    method: str
    bank_bin: str = ""
    account: str = ""
    village: str = "Ấp Đông Hà"


# 5.5c (80 or more): 500,000 a month; 5.5a aged 60–80: 750,000 (base level 500,000 from 2024-07).
PEOPLE = [
    Person("Nguyễn Thị Hoa", "F", date(1940, 1, 15), "5.5c", date(2026, 4, 1), "bank", "970436", "0011001234567"),
    Person("Trần Văn Đức", "M", date(1950, 6, 1), "5.5a", MONTH, "bank", "970415", "101867000123"),
    Person("Lê Thị Ánh", "F", date(1944, 3, 3), "5.5c", MONTH, "cash", village="Ấp Tây Hòa"),
    Person("Phạm Văn Bảy", "M", date(1945, 7, 7), "5.5c", date(2026, 4, 1), "cash"),
    Person("Võ Thị Én", "F", date(1940, 2, 2), "5.5c", MONTH, "bank", "970436", "0011009876543"),
]


def make_cases(units, officer, people=PEOPLE) -> list[Case]:
    """Active cases of Xã Tân Đông, one household each, in the order given (ids ascending)."""
    load_rules()  # a transactional test elsewhere may have emptied the tables the migration filled
    villages = {units.tan_dong_village.name: units.tan_dong_village}
    cases = []
    for index, person in enumerate(people):
        if person.village not in villages:
            villages[person.village] = VillageFactory(commune=units.tan_dong, name=person.village)
        household = make_household(
            units.tan_dong,
            villages[person.village],
            code=f"TD-PAY{index}",
            members=((person.name, person.sex, person.born, "head"),),
        )
        case = Case.objects.create(
            person=household.head,
            commune=units.tan_dong,
            status=Case.Status.ACTIVE,
            applied_on=person.start,
            prepared_by=officer,
            decision_number=f"{index + 1}/QĐ-UBND",
            decision_date=person.start,
            start_month=person.start,
            payment_method=person.method,
            bank_bin=person.bank_bin,
            account_number=person.account,
            account_name=person.name if person.method == PaymentMethod.BANK else "",
        )
        CaseCategory.objects.create(case=case, category_id=person.category)
        cases.append(case)
    return cases


def prepare(commune, officer, month=MONTH) -> Run:
    """Prepare a run as the officer, computing its batches in-process as the workers would."""
    run = services.run_prepare(commune=commune, month=month, acting_user=officer, enqueue=False)
    for low, high in RunBatch.objects.filter(run=run, generation=run.generation, done_at__isnull=True).values_list(
        "low", "high"
    ):
        services.batch_prepare(run.pk, run.generation, low, high)
    run.refresh_from_db()
    return run


def approved_run(units, users, month=MONTH) -> Run:
    run = prepare(units.tan_dong, users["tandong_officer"], month)
    return services.run_approve(run=run, acting_user=users["tandong_chair"])


def exported_run(units, users, month=MONTH) -> Run:
    """An approved run the officer has sent to the payer (status "exported")."""
    run = approved_run(units, users, month)
    return services.run_send_to_payer(run=run, acting_user=users["tandong_officer"])


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def cases(units, users) -> list[Case]:
    return make_cases(units, users["tandong_officer"])


@pytest.fixture
def run(cases, units, users) -> Run:
    return approved_run(units, users)


# --- the payment export ----------------------------------------------------------------------


def test_csv_is_exactly_the_runs_lines(run, cases):
    # Given an approved run of five people (two of them owed April as arrears)
    a, b, c, d, e = cases
    nid = {case.pk: case.person.national_id for case in cases}

    # When it is exported as CSV
    text = "".join(exporting.csv_chunks(run))

    # Then the bytes are the header and one line per person, in case order, months joined by ";"
    r = run.pk
    assert text.encode("utf-8") == (
        "\ufeff" + HEADER + "\r\n"
        f"{r},25522,{r}-{a.pk},{nid[a.pk]},Nguyễn Thị Hoa,2026-04;2026-05,1000000,bank,970436,0011001234567,"
        "Nguyễn Thị Hoa\r\n"
        f"{r},25522,{r}-{b.pk},{nid[b.pk]},Trần Văn Đức,2026-05,750000,bank,970415,101867000123,Trần Văn Đức\r\n"
        f"{r},25522,{r}-{c.pk},{nid[c.pk]},Lê Thị Ánh,2026-05,500000,cash,,,\r\n"
        f"{r},25522,{r}-{d.pk},{nid[d.pk]},Phạm Văn Bảy,2026-04;2026-05,1000000,cash,,,\r\n"
        f"{r},25522,{r}-{e.pk},{nid[e.pk]},Võ Thị Én,2026-05,500000,bank,970436,0011009876543,Võ Thị Én\r\n"
    ).encode("utf-8")


def test_csv_is_a_snapshot_of_the_computed_run(run, cases):
    # Given a case whose account changed after the run was computed
    Case.objects.filter(pk=cases[0].pk).update(account_number="9999999999", account_name="Người Khác")

    # Then the export still carries the account the run was computed with
    rows = list(csv.reader(io.StringIO("".join(exporting.csv_chunks(run)).removeprefix("\ufeff"))))
    assert rows[1][9:] == ["0011001234567", "Nguyễn Thị Hoa"]


def test_xlsx_numbers_are_numbers_and_codes_text(run, cases):
    # When the run is exported as XLSX
    stream = io.BytesIO()
    exporting.write_xlsx(run, stream)

    # Then the header is §4.2's, run id and amount are numbers, every code (leading zeros kept) is text
    sheet = load_workbook(io.BytesIO(stream.getvalue())).worksheets[0]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == HEADER.split(",")
    first = rows[1]
    assert [(cell.value, cell.data_type) for cell in first] == [
        (run.pk, "n"),
        ("25522", "s"),
        (f"{run.pk}-{cases[0].pk}", "s"),
        (cases[0].person.national_id, "s"),
        ("Nguyễn Thị Hoa", "s"),
        ("2026-04;2026-05", "s"),
        (1_000_000, "n"),
        ("bank", "s"),
        ("970436", "s"),
        ("0011001234567", "s"),
        ("Nguyễn Thị Hoa", "s"),
    ]
    assert len(rows) == 6
    assert sum(row[6].value for row in rows[1:]) == run.total_amount == 3_750_000


# --- bank files ------------------------------------------------------------------------------


def test_one_bank_file_per_bin_upper_case_without_diacritics(run, cases):
    a, b, _c, _d, e = cases
    r = run.pk

    # Then the run pays into two banks, each with its own batch file of its own lines
    assert exporting.bank_bins(run) == ["970415", "970436"]
    assert exporting.bank_csv(run, "970436") == (
        "reference,account_number,account_name,amount,description\r\n"
        f"{r}-{a.pk},0011001234567,NGUYEN THI HOA,1000000,TCXH 2026-05 {r}-{a.pk}\r\n"
        f"{r}-{e.pk},0011009876543,VO THI EN,500000,TCXH 2026-05 {r}-{e.pk}\r\n"
    ).encode("ascii")
    assert exporting.bank_csv(run, "970415") == (
        "reference,account_number,account_name,amount,description\r\n"
        f"{r}-{b.pk},101867000123,TRAN VAN DUC,750000,TCXH 2026-05 {r}-{b.pk}\r\n"
    ).encode("ascii")


def test_bank_zip_holds_every_banks_file(run):
    archive = zipfile.ZipFile(io.BytesIO(exporting.bank_zip(run)))

    assert archive.namelist() == [
        f"bank-970415-25522-2026-05-run{run.pk}.csv",
        f"bank-970436-25522-2026-05-run{run.pk}.csv",
    ]
    assert archive.read(f"bank-970436-25522-2026-05-run{run.pk}.csv") == exporting.bank_csv(run, "970436")


# --- totals ----------------------------------------------------------------------------------


def test_totals_by_method_and_by_category(run, django_assert_num_queries):
    with django_assert_num_queries(1):
        by_method = exporting.totals_by_method(run)
    assert [(row["method"], row["lines"], row["amount"]) for row in by_method] == [
        ("bank", 3, 2_250_000),
        ("cash", 2, 1_500_000),
    ]
    by_category = exporting.totals_by_category(run)
    assert [(row["category"], row["lines"], row["amount"]) for row in by_category] == [
        ("5.5a", 1, 750_000),
        ("5.5c", 4, 3_000_000),
    ]
    assert run.bank_amount == 2_250_000 and run.cash_amount == 1_500_000


# --- the cash list ---------------------------------------------------------------------------


def test_cash_groups_by_village_in_one_query(run, django_assert_num_queries):
    with django_assert_num_queries(1):
        groups = documents.cash_groups(run)

    assert [(group.village, [(row.number, row.full_name, row.months) for row in group.rows]) for group in groups] == [
        ("Ấp Đông Hà", [(1, "Phạm Văn Bảy", "04/2026; 05/2026")]),
        ("Ấp Tây Hòa", [(2, "Lê Thị Ánh", "05/2026")]),
    ]


def test_cash_list_pdf_has_diacritics_full_ids_and_a_signature_column(run, cases):
    # When the cash list is printed
    text = pdf_text(documents.cash_list_pdf(Run.objects.select_related("approved_by", "prepared_by").get(pk=run.pk)))

    # Then it is the commune's official list, in Vietnamese with every diacritic
    assert "ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG" in text
    assert "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI BẰNG TIỀN MẶT" in text
    assert "Tháng 05 năm 2026" in text
    # with the columns, the signature column included
    assert "STT Họ và tên Số định danh cá nhân Tháng chi trả Số tiền (đồng) Ký nhận" in text
    # the cash lines only, by village, with the national ID in full
    assert f"1 Phạm Văn Bảy {cases[3].person.national_id} 04/2026; 05/2026 1.000.000" in text
    assert f"2 Lê Thị Ánh {cases[2].person.national_id} 05/2026 500.000" in text
    assert "Nguyễn Thị Hoa" not in text and "Trần Văn Đức" not in text
    assert "Ấp Tây Hòa: 1 người" in text and "Ấp Đông Hà: 1 người" in text
    # the total and the signatures
    assert "Tổng cộng: 2 người 1.500.000" in text
    assert "NGƯỜI LẬP DANH SÁCH" in text and "CHỦ TỊCH" in text


# --- pages: sending, downloading ------------------------------------------------------------

DOWNLOADS = [
    # (url name, url args, file recorded, content type)
    ("export", ["csv"], "csv", "text/csv; charset=utf-8"),
    ("export", ["xlsx"], "xlsx", exporting.XLSX_CONTENT_TYPE),
    ("bank_files", [], "bank-zip", "application/zip"),
    ("bank_file", ["970415"], "bank-970415", "text/csv; charset=utf-8"),
    ("cash_pdf", [], "cash-pdf", "application/pdf"),
]


def everything(run: Run) -> dict:
    """Every row a download, a send or a report may write, and the run itself."""
    return {
        "run": Run.objects.filter(pk=run.pk).values().get(),
        "lines": list(RunLine.objects.order_by("pk").values()),
        "paid": list(PaidMonth.objects.order_by("pk").values()),
        "events": list(RunEvent.objects.order_by("pk").values_list("run", "kind", "actor", "data")),
        "reports": list(PayerReport.objects.order_by("pk").values()),
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_officer_sends_an_approved_run_with_a_post_and_the_event_says_who(run, client_for, users):
    officer = users["tandong_officer"]

    response = client_for("tandong_officer").post(reverse("disbursements:send", args=[run.pk]))

    assert response.status_code == 302 and response.url == reverse("disbursements:detail", args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.exported_by, run.exported_at is not None) == ("exported", officer, True)
    assert list(run.events.filter(kind="sent").values_list("actor", "data")) == [
        (officer.pk, {"total": 3_750_000, "lines": 5})
    ]
    assert not run.events.filter(kind="downloaded").exists()  # sending downloads nothing


@pytest.mark.parametrize(("name", "args", "file", "content_type"), DOWNLOADS)
def test_every_download_of_an_approved_run_not_sent_is_refused_and_changes_nothing(
    run, client_for, name, args, file, content_type
):
    # Given an approved run the officer has not sent (a link on another site, a bookmark, a GET)
    before = everything(run)

    response = client_for("tandong_officer", language="en").get(reverse(f"disbursements:{name}", args=[run.pk, *args]))

    # Then it is refused, saying why, and the run is still approved, with nothing recorded
    assert response.status_code == 409
    assert "The run is not yet sent to the payer: send it first, then download its files." in response.content.decode()
    assert everything(run) == before


@pytest.mark.parametrize(("name", "args", "file", "content_type"), DOWNLOADS)
def test_every_download_of_a_sent_run_leaves_it_as_it_is_and_records_the_original(
    sent, client_for, users, name, args, file, content_type
):
    response = client_for("tandong_officer").get(reverse(f"disbursements:{name}", args=[sent.pk, *args]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "copy" not in response["Content-Disposition"] and "BẢN SAO" not in response["Content-Disposition"]
    sent.refresh_from_db()
    assert sent.status == Run.Status.EXPORTED
    assert list(sent.events.filter(kind="downloaded").values_list("actor", "data")) == [
        (users["tandong_officer"].pk, {"file": file, "copy": 0})
    ]


@pytest.fixture
def sent(cases, units, users) -> Run:
    return exported_run(units, users)


def test_a_second_download_is_a_copy_marked_as_such_and_the_files_keep_the_payers_format(sent, client_for):
    client = client_for("tandong_officer")
    urls = {
        "csv": reverse("disbursements:export", args=[sent.pk, "csv"]),
        "xlsx": reverse("disbursements:export", args=[sent.pk, "xlsx"]),
        "zip": reverse("disbursements:bank_files", args=[sent.pk]),
        "bank": reverse("disbursements:bank_file", args=[sent.pk, "970436"]),
        "pdf": reverse("disbursements:cash_pdf", args=[sent.pk]),
    }
    originals = {key: client.get(url) for key, url in urls.items()}
    copies = {key: client.get(url) for key, url in urls.items()}
    third = client.get(urls["csv"])

    r = sent.pk
    assert {key: response["Content-Disposition"] for key, response in originals.items()} == {
        "csv": f'attachment; filename="payments-25522-2026-05-run{r}.csv"',
        "xlsx": f'attachment; filename="payments-25522-2026-05-run{r}.xlsx"',
        "zip": f'attachment; filename="bank-25522-2026-05-run{r}.zip"',
        "bank": f'attachment; filename="bank-970436-25522-2026-05-run{r}.csv"',
        "pdf": originals["pdf"]["Content-Disposition"],
    }
    assert {key: response["Content-Disposition"] for key, response in copies.items() if key != "pdf"} == {
        "csv": f'attachment; filename="payments-25522-2026-05-run{r}-copy1.csv"',
        "xlsx": f'attachment; filename="payments-25522-2026-05-run{r}-copy1.xlsx"',
        "zip": f'attachment; filename="bank-25522-2026-05-run{r}-copy1.zip"',
        "bank": f'attachment; filename="bank-970436-25522-2026-05-run{r}-copy1.csv"',
    }
    assert third["Content-Disposition"] == f'attachment; filename="payments-25522-2026-05-run{r}-copy2.csv"'
    assert "B%E1%BA%A2N%20SAO%201.pdf" in copies["pdf"]["Content-Disposition"]  # "… - BẢN SAO 1.pdf"
    assert "SAO" not in originals["pdf"]["Content-Disposition"]
    # The payer's files are the same bytes, original or copy (the bank and the payer read them as is).
    assert body(copies["csv"]) == body(originals["csv"]) == "".join(exporting.csv_chunks(sent)).encode("utf-8")
    assert body(copies["bank"]) == body(originals["bank"]) == exporting.bank_csv(sent, "970436")
    assert (
        zipfile.ZipFile(io.BytesIO(body(copies["zip"]))).namelist()
        == zipfile.ZipFile(io.BytesIO(body(originals["zip"]))).namelist()
    )
    # The cash list printed again says it is a copy, on the page
    assert "BẢN SAO" not in pdf_text(body(originals["pdf"]))
    assert "BẢN SAO số 1" in pdf_text(body(copies["pdf"]))
    # Every download is on record, with its copy number; the run never moved
    assert list(sent.events.filter(kind="downloaded").order_by("pk").values_list("data", flat=True)) == [
        {"file": "csv", "copy": 0}, {"file": "xlsx", "copy": 0}, {"file": "bank-zip", "copy": 0},
        {"file": "bank-970436", "copy": 0}, {"file": "cash-pdf", "copy": 0},
        {"file": "csv", "copy": 1}, {"file": "xlsx", "copy": 1}, {"file": "bank-zip", "copy": 1},
        {"file": "bank-970436", "copy": 1}, {"file": "cash-pdf", "copy": 1},
        {"file": "csv", "copy": 2},
    ]  # fmt: skip
    sent.refresh_from_db()
    assert sent.status == Run.Status.EXPORTED


@pytest.mark.parametrize(("name", "args", "file", "content_type"), DOWNLOADS)
def test_a_reconciled_runs_files_are_refused_and_nothing_is_recorded(
    sent, client_for, users, name, args, file, content_type
):
    rows = [{"reference": r, "status": "paid", "paid_on": "2026-05-20", "note": ""}
            for r in sent.lines.values_list("reference", flat=True)]  # fmt: skip
    services.run_reconcile(run=sent, rows=rows, acting_user=users["tandong_officer"])
    before = everything(sent)

    response = client_for("tandong_officer", language="en").get(reverse(f"disbursements:{name}", args=[sent.pk, *args]))

    assert response.status_code == 409
    assert "The run is reconciled: its files are not issued again." in response.content.decode()
    assert everything(sent) == before


def test_the_send_url_refuses_get_with_405_and_changes_nothing(run, client_for):
    before = everything(run)

    response = client_for("tandong_officer").get(reverse("disbursements:send", args=[run.pk]))

    assert response.status_code == 405
    assert everything(run) == before


def test_the_send_url_needs_the_csrf_token_like_every_post(run, client_for, users):
    # A form on another site posts to the send URL with the officer's session cookie, without the token
    from django.test import Client

    cross_site = Client(enforce_csrf_checks=True)
    cross_site.force_login(users["tandong_officer"])
    before = everything(run)

    response = cross_site.post(reverse("disbursements:send", args=[run.pk]))

    assert response.status_code == 403
    assert everything(run) == before
    # The run page's own button carries the token
    page = cross_site.get(reverse("disbursements:detail", args=[run.pk]))
    token = str(page.context["csrf_token"])
    assert (
        cross_site.post(reverse("disbursements:send", args=[run.pk]), {"csrfmiddlewaretoken": token}).status_code == 302
    )
    run.refresh_from_db()
    assert run.status == Run.Status.EXPORTED


@pytest.mark.parametrize(("role", "status"), [("tandong_chair", 403), ("tandong_committee", 403),
                                              ("binhminh_officer", 404), ("anonymous", 302)])  # fmt: skip
def test_only_the_communes_officer_sends(run, client_for, role, status):
    before = everything(run)

    response = client_for(role).post(reverse("disbursements:send", args=[run.pk]))

    assert response.status_code == status
    assert everything(run) == before


def test_sending_a_run_not_approved_or_already_sent_is_a_message_and_changes_nothing(cases, units, users, client_for):
    computed = prepare(units.tan_dong, users["tandong_officer"])
    client = client_for("tandong_officer", language="en")
    before = everything(computed)

    response = client.post(reverse("disbursements:send", args=[computed.pk]), follow=True)

    assert "The run is “Computed, awaiting approval”; this is not possible now." in response.content.decode()
    assert everything(computed) == before
    services.run_approve(run=computed, acting_user=users["tandong_chair"])
    client.post(reverse("disbursements:send", args=[computed.pk]))
    sent_once = everything(computed)
    response = client.post(reverse("disbursements:send", args=[computed.pk]), follow=True)
    assert "The run is “Sent to the payer”; this is not possible now." in response.content.decode()
    assert everything(computed) == sent_once


def test_the_run_page_offers_sending_then_downloads(run, client_for):
    client = client_for("tandong_officer", language="en")

    approved_page = client.get(reverse("disbursements:detail", args=[run.pk])).content.decode()
    assert 'data-testid="send-to-payer"' in approved_page and 'data-testid="downloads"' not in approved_page
    client.post(reverse("disbursements:send", args=[run.pk]))
    client.get(reverse("disbursements:export", args=[run.pk, "csv"]))
    client.get(reverse("disbursements:export", args=[run.pk, "csv"]))

    sent_page = client.get(reverse("disbursements:detail", args=[run.pk])).content.decode()
    assert 'data-testid="send-to-payer"' not in sent_page and 'data-testid="downloads"' in sent_page
    assert 'data-testid="download-history"' in sent_page
    assert "original" in sent_page and "copy 1" in sent_page
    # The chair sees neither button
    chair_page = client_for("tandong_chair").get(reverse("disbursements:detail", args=[run.pk])).content.decode()
    assert 'data-testid="send-to-payer"' not in chair_page and 'data-testid="downloads"' not in chair_page


def test_bank_file_of_a_bank_the_run_does_not_pay_is_404(sent, client_for):
    before = everything(sent)

    response = client_for("tandong_officer").get(reverse("disbursements:bank_file", args=[sent.pk, "970422"]))

    assert response.status_code == 404
    assert everything(sent) == before


def test_unknown_format_is_404(sent, client_for):
    assert client_for("tandong_officer").get(f"/payments/{sent.pk}/export.pdf").status_code == 404


def test_an_unapproved_run_is_not_exported(cases, units, users, client_for):
    # Given a run computed but not approved
    run = prepare(units.tan_dong, users["tandong_officer"])
    before = everything(run)

    # When the officer asks for any file
    for url in (
        reverse("disbursements:export", args=[run.pk, "csv"]),
        reverse("disbursements:bank_files", args=[run.pk]),
        reverse("disbursements:cash_pdf", args=[run.pk]),
    ):
        response = client_for("tandong_officer", language="en").get(url)
        # Then it is refused, saying why, and nothing changes
        assert response.status_code == 409
        assert "this is not possible now" in response.content.decode()
    assert everything(run) == before


@pytest.mark.parametrize(("role", "status"), [("tandong_chair", 403), ("binhminh_officer", 404), ("anonymous", 302)])
def test_only_the_communes_officer_downloads(sent, client_for, role, status):
    before = everything(sent)

    response = client_for(role).get(reverse("disbursements:export", args=[sent.pk, "csv"]))

    assert response.status_code == status
    assert everything(sent) == before
