"""The receipt list of a distribution (PDF), read back with pypdf: Vietnamese, A4, the commune's
official header, one numbered line per listed household (code, head, village, what it receives, a
signature column), the total, and never a national ID."""

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from households.models import Person
from support import services
from support.services import FundingLine, RecipientFilter
from tests.factories import VillageFactory
from tests.support.test_views import make_family, make_programme

TODAY = timezone.localdate()


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def distribution(units, users):
    """Three poor households on the list (two villages), one taken off; one not poor, never listed."""
    officer = users["tandong_officer"]
    tan_hoa = VillageFactory(commune=units.tan_dong, name="Ấp Tân Hòa")
    make_family(units.tan_dong, units.tan_dong_village, "TD-101", "Nguyễn Văn Hưởng")
    make_family(units.tan_dong, tan_hoa, "TD-102", "Trần Thị Ánh")
    gone = make_family(units.tan_dong, units.tan_dong_village, "TD-103", "Lý Văn Đức")
    make_family(units.tan_dong, units.tan_dong_village, "TD-104", "Phạm Thị Nở", status="middle_income")
    programme = make_programme(units.tan_dong, officer, name="Quà Tết Bính Ngọ",
                               fundings=[FundingLine(source="fund_for_poor", amount_vnd=2_000_000)])  # fmt: skip
    distribution = services.distribution_create(programme=programme, name="Phát quà Tết", planned_on=date(2026, 2, 5),
                                                unit_value_vnd=500_000, in_kind="10 kg gạo", acting_user=officer)  # fmt: skip
    services.distribution_add_recipients(distribution=distribution, criteria=RecipientFilter(
        year=TODAY.year, statuses=("poor",)), acting_user=officer)  # fmt: skip
    services.distribution_remove_recipient(distribution=distribution, record=distribution.records.get(household=gone),
                                           reason="Đã chuyển đi", acting_user=officer)  # fmt: skip
    return distribution


def test_receipt_list_pdf_lists_each_household_with_a_signature_column_and_the_total(client_for, distribution):
    response = client_for("tandong_officer").get(
        reverse("support:distribution_receipts", kwargs={"distribution_id": distribution.pk})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'inline; filename="Danh-sach-ky-nhan-Phat-qua-Tet-Xa-Tan-Dong.pdf"'
    )
    pdf = response.content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = text_of(pdf)
    assert (round(float(page.mediabox.width) / 72 * 25.4), round(float(page.mediabox.height) / 72 * 25.4)) == (210, 297)
    assert "ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG" in text and "Tân Đông, ngày 05 tháng 02 năm 2026" in text
    assert "DANH SÁCH KÝ NHẬN" in text and "Phát quà Tết" in text and "Quà Tết Bính Ngọ" in text
    assert "STT Mã hộ Chủ hộ Thôn, ấp Giá trị / hiện vật Ký nhận" in text
    # By village (Ấp Đông Hà before Ấp Tân Hòa), numbered; what each receives in đồng and in kind.
    assert "1 TD-101 Nguyễn Văn Hưởng Ấp Đông Hà 500.000 đồng; 10 kg gạo" in text
    assert "2 TD-102 Trần Thị Ánh Ấp Tân Hòa 500.000 đồng; 10 kg gạo" in text
    assert "Tổng cộng: 2 hộ 1.000.000 đồng" in text
    assert "TD-103" not in text and "TD-104" not in text  # taken off the list; never listed
    assert "NGƯỜI LẬP DANH SÁCH" in text and "Trang 1/1" in text


def test_receipt_list_never_shows_a_national_id(client_for, distribution):
    national_ids = list(Person.objects.values_list("national_id", flat=True))

    pdf = (
        client_for("tandong_committee")
        .get(reverse("support:distribution_receipts", kwargs={"distribution_id": distribution.pk}))
        .content
    )

    text = text_of(pdf)
    assert len(national_ids) == 4
    assert not [national_id for national_id in national_ids if national_id in text.replace(" ", "")]


def test_another_communes_receipt_list_is_404(client_for, distribution):
    url = reverse("support:distribution_receipts", kwargs={"distribution_id": distribution.pk})

    assert client_for("binhminh_officer").get(url).status_code == 404
    assert client_for("hcm_province").get(url).status_code == 404
