# ruff: noqa: F811 (the fixtures of tests/beneficiaries/test_views.py and tests/reports/test_dashboards.py are imported)
"""What an officer reads on the pages, in Vietnamese: a category in the decree's words (never the
bare code), a bank by its name (never the bare BIN) with the account masked as the privacy rules say,
an unknown BIN said so, the case form's bank chosen by name, and the dashboard's beneficiaries by
clause in words."""

import re

from django.urls import reverse
from django.utils import translation

from beneficiaries import banks, category_labels
from beneficiaries.models import Case
from beneficiaries.services import PaymentDetails
from tests.beneficiaries.test_views import BANK, applied, apply, elder, file_post, home, page_of, url  # noqa: F401
from tests.reports.test_dashboards import commune_url, fresh_cache, world  # noqa: F401

AGRIBANK_FULL = "Agribank – Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"


def test_the_bank_list_is_data_with_one_name_per_bin():
    assert len({bank.bin for bank in banks.BANKS}) == len(banks.BANKS)
    assert all(re.fullmatch(r"[0-9]{6}", bank.bin) for bank in banks.BANKS)
    assert [banks.bank_name(code) for code in ("970405", "970436", "970415", "970418", "999888")] == [
        "Agribank", "Vietcombank", "VietinBank", "BIDV", "NHCSXH",
    ]  # fmt: skip
    assert banks.bank_full_name("999888") == "NHCSXH – Ngân hàng Chính sách xã hội"


def test_the_case_page_names_the_bank_and_masks_the_account_for_a_masked_role(client_for, applied):
    officer = page_of(client_for("tandong_officer").get(url("detail", applied)))
    viewer = page_of(client_for("tayninh_province").get(url("detail", applied)))

    assert "Agribank – 0123456789" in officer
    assert "Agribank – ••••6789" in viewer and "0123456789" not in viewer
    assert "970405" not in officer and "970405" not in viewer


def test_an_unknown_bin_shows_itself_with_a_note(client_for, elder, units, users):
    case = apply(elder, units.tan_dong, users["tandong_officer"],
                 payment=PaymentDetails("bank", "970499", "0123456789", "LE VAN THO"))  # fmt: skip

    page = page_of(client_for("tandong_officer").get(url("detail", case)))

    assert "970499 (ngân hàng không rõ) – 0123456789" in page


def test_the_case_form_picks_the_bank_by_name_and_stores_its_bin(client_for, elder):
    client = client_for("tandong_officer")
    form = page_of(client.get(f"{url('file')}?person={elder.uuid}"))

    assert '<select name="bank_bin"' in form
    assert f'<option value="970405">{AGRIBANK_FULL}</option>' in form
    assert '<option value="999888">NHCSXH – Ngân hàng Chính sách xã hội</option>' in form

    response = client.post(f"{url('file')}?person={elder.uuid}", file_post(bank_bin="970405"))
    assert response.status_code == 302
    assert Case.objects.get().bank_bin == "970405"


def test_a_bin_not_in_the_list_is_refused_by_the_form_and_nothing_is_saved(client_for, elder):
    response = client_for("tandong_officer").post(f"{url('file')}?person={elder.uuid}", file_post(bank_bin="970499"))

    assert "970499" in page_of(response)  # the choice error names the value
    assert not Case.objects.exists()


def test_a_case_imported_with_an_unknown_bin_keeps_it_when_its_payment_is_edited(client_for, elder, units, users):
    case = apply(elder, units.tan_dong, users["tandong_officer"],
                 payment=PaymentDetails("bank", "970499", "0123456789", "LE VAN THO"))  # fmt: skip
    client = client_for("tandong_officer")

    form = page_of(client.get(url("payment", case)))
    assert '<option value="970499" selected>970499 (ngân hàng không rõ)</option>' in form

    response = client.post(url("payment", case), {
        "payment_method": "bank", "bank_bin": "970499", "account_number": "0123450000",
        "account_name": "LE VAN THO", "reason": "Sửa số tài khoản",
    })  # fmt: skip
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.bank_bin, case.account_number) == ("970499", "0123450000")


def test_a_category_reads_in_the_decree_s_words_and_stays_generalised_for_a_masked_role(
    client_for, elder, units, users
):
    case = apply(elder, units.tan_dong, users["tandong_officer"], codes=("5.6es",))

    officer = page_of(client_for("tandong_officer").get(url("detail", case)))
    committee = page_of(client_for("tandong_committee").get(url("detail", case)))

    assert "Người khuyết tật đặc biệt nặng (k.6 Đ.5)</span>" in officer
    assert "(khoản 6 Điều 5 Nghị định 20/2021/NĐ-CP)" in officer  # the full wording, as a tooltip and in the table
    assert ">5.6es<" not in officer
    assert "Người khuyết tật đặc biệt nặng" not in committee and ">5.6es<" not in committee


def test_the_case_list_and_its_filter_name_categories_in_words(client_for, applied):
    page = page_of(client_for("tandong_officer").get(url("list")))

    label = "Người cao tuổi thuộc hộ nghèo không có người phụng dưỡng (điểm a k.5 Đ.5)"
    assert f'data-category="5.5a">{label}</span>' in page  # the case's badge
    assert f'<option value="5.5a">{label}</option>' in page  # the category filter
    assert '<option value="5.5">Người cao tuổi (k.5 Đ.5)</option>' in page  # the clause filter


def test_the_dashboard_counts_beneficiaries_by_clause_in_words(world, client_for):
    response = client_for("tandong_officer").get(commune_url())
    html = response.content.decode()
    summary = re.search(r'<ul [^>]*data-testid="summary-clauses">(.*?)</ul>', html, re.S)[1]

    clauses = response.context["dashboard"].categories
    assert clauses
    with translation.override("vi"):
        expected = "".join(f"<li>{category_labels.clause_label(c.code)}: {c.people}</li>" for c in clauses)
    assert summary == expected
    assert not re.search(r"\d+ 5\.\d", summary)  # no more "2 5.1 + 134 5.5"


def test_the_import_pages_say_the_vietnamese_dates_and_codes_they_accept_and_link_to_the_formats(client_for):
    client = client_for("tandong_officer")
    households = page_of(client.get(reverse("households:import")))
    allowances = page_of(client.get(url("import")))

    assert "Ngày ghi dd/mm/yyyy (15/06/1960), YYYY-MM-DD hoặc ô ngày của Excel; giới tính Nam hoặc Nữ" in households
    assert "ngày sinh (dd/mm/yyyy hoặc YYYY-MM-DD), giới tính (Nam hoặc Nữ, hoặc M, F)" in allowances
    assert "Tháng ghi mm/yyyy (12/2026) hoặc YYYY-MM" in allowances
    for page in (households, allowances):
        assert 'xem <a href="/help/formats/">định dạng tệp</a>' in page
        assert "YYYY-MM-DD; sex M or F" not in page and "giới tính M hoặc F" not in page
