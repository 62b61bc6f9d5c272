"""The review's printable documents: the public posting list and the chair's decision list.

The campaign is built through povertyreview.services as the commune would run it: open the 2025
review, list an applicant, survey every household, hold the village meetings, post the list,
close complaints, approve. Every date is in the past, so no clock is frozen.
"""

import io
import re
import time
from datetime import date
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from households.models import Household, HouseholdYearStatus, Membership, Person, PovertyStatus
from povertyreview import services
from povertyreview.documents import decision_list_pdf, decision_sections, posting_list_pdf
from povertyreview.models import Campaign, Indicator
from povertyreview.selectors import posting_list
from tests.factories import VillageFactory
from tests.households.factories import make_household, national_id_for

YEAR = 2025
VILLAGES = {"tan_hoa": "Ấp Tân Hòa", "dong_ha": "Ấp Đông Hà"}  # Đông Hà is the `units` fixture's village
RURAL_LINE = 1_500_000  # 2022–2025 standard, rural (legal-reference.md §1.2)
POOR_DEPRIVATIONS = ["nutrition", "health_insurance", "housing_quality"]  # three: poor below the line

# code, village key, head, previous status (the 2025 list), income per person, deprivations
HOUSEHOLDS = [
    ("TH-001", "tan_hoa", "Nguyễn Thị Hiếu Trang", "poor", 1_200_000, POOR_DEPRIVATIONS),  # stays poor
    ("TH-002", "tan_hoa", "Trần Văn Đức", "poor", 1_400_000, ["water"]),  # poor -> near-poor
    ("TH-003", "tan_hoa", "Lê Thị Ánh", "near_poor", 3_000_000, []),  # near-poor -> above the band
    ("DH-001", "dong_ha", "Phạm Quốc Bảo", None, 1_100_000, POOR_DEPRIVATIONS),  # applied -> poor
    ("DH-002", "dong_ha", "Võ Thị Mỹ Hạnh", "near_poor", 1_450_000, ["nutrition"]),  # stays near-poor
    ("DH-003", "dong_ha", "Huỳnh Văn Lợi", "near_poor", 2_000_000, []),  # near-poor -> middle-income
    ("DH-004", "dong_ha", "Đặng Văn Tư", None, 4_000_000, []),  # applied -> nothing to propose
]
POSTING = {"posting_starts_on": date(2025, 11, 3), "posting_ends_on": date(2025, 11, 7)}
POSTING_PLACE = "Nhà văn hóa các ấp và trụ sở UBND xã Tân Đông"
DECISION_DATE = date(2025, 12, 10)


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with runs of white space (line wraps in narrow cells) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """BaseFont name -> whether the font program is embedded, over every page."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor_owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descriptor_owner["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    return fonts


def between(text: str, start: str, end: str | None) -> str:
    after = text.split(start, 1)[1]
    return after.split(end, 1)[0] if end else after


def _advance(campaign, user, **data):
    return services.campaign_advance(campaign=campaign, acting_user=user, **data)


def build_campaign(units, users, *, until: str) -> Campaign:
    """The 2025 review of Tân Đông with HOUSEHOLDS, run through the services up to ``until``."""
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    villages = {
        "tan_hoa": VillageFactory(commune=units.tan_dong, name=VILLAGES["tan_hoa"]),
        "dong_ha": units.tan_dong_village,
    }
    applicants = []
    for code, village, head, previous, _income, _deprived in HOUSEHOLDS:
        household = make_household(
            units.tan_dong, villages[village], code=code, members=((head, "F", date(1975, 3, 8), "head"),)
        )
        household.address = f"Số {code[-1]}, {villages[village].name}"
        household.save(update_fields=["address"])
        Person.objects.filter(pk=household.head_id).update(
            phone="+84912345678", health_insurance_number="TN4797924123456", disability_level="severe"
        )
        if previous:
            HouseholdYearStatus.objects.create(household=household, year=YEAR, status=previous)
        else:
            applicants.append(household)

    campaign = services.campaign_open(commune=units.tan_dong, year=YEAR, acting_user=officer)
    for household in applicants:
        services.campaign_list_household(campaign=campaign, household=household, reason="applied", acting_user=officer)
    campaign = _advance(campaign, officer)  # surveying
    incomes = {code: (income, deprived) for code, _v, _h, _p, income, deprived in HOUSEHOLDS}
    for assessment in campaign.assessments.select_related("household", "campaign"):
        income, deprived = incomes[assessment.household.code]
        services.assessment_record(
            assessment=assessment,
            area="rural",
            members=1,
            income_per_capita=income,
            deprived=deprived,
            acting_user=officer,
        )
    campaign = _advance(campaign, officer)  # village meetings
    if until == Campaign.Status.VILLAGE_MEETINGS:
        return campaign
    for village in villages.values():
        proposed = [a for a in campaign.assessments.filter(village=village) if a.is_proposed]
        services.village_meeting_record(
            campaign=campaign, village=village, held_on=date(2025, 10, 20), chaired_by="Trưởng ấp",
            attendees=40, votes={a.pk: 35 for a in proposed}, acting_user=officer,
        )  # fmt: skip
    campaign = _advance(campaign, officer, posting_place=POSTING_PLACE, **POSTING)
    if until == Campaign.Status.PUBLIC_POSTING:
        return campaign
    campaign = _advance(campaign, officer)  # complaints
    campaign = _advance(campaign, officer)  # awaiting approval
    chair.first_name, chair.last_name = "Minh Hùng", "Lê"
    chair.save(update_fields=["first_name", "last_name"])
    campaign = services.campaign_approve(
        campaign=campaign, decision_number="125/QĐ-UBND", decision_date=DECISION_DATE, acting_user=chair
    )
    return Campaign.objects.select_related("commune", "approved_by").get(pk=campaign.pk)


@pytest.fixture
def approved(units, users) -> Campaign:
    return build_campaign(units, users, until=Campaign.Status.APPROVED)


@pytest.fixture
def posted(units, users) -> Campaign:
    return build_campaign(units, users, until=Campaign.Status.PUBLIC_POSTING)


# --- the public posting list ---------------------------------------------------------------------


def test_posting_list_shows_the_proposed_households_by_village_in_vietnamese(posted):
    text = pdf_text(posting_list_pdf(posted))

    assert "ỦY BAN NHÂN DÂN" in text
    assert "XÃ TÂN ĐÔNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Tân Đông, ngày 03 tháng 11 năm 2025" in text
    assert "DANH SÁCH CÔNG KHAI" in text
    assert "Niêm yết từ ngày 03/11/2025 đến hết ngày 07/11/2025 tại " + POSTING_PLACE in text
    assert re.search(r"Trang 1/\d+", text)
    order = [group["village"] for group in posting_list(posted)]  # by name, in the database's collation
    assert sorted(order) == sorted(VILLAGES.values())
    first, second = (f"{n}. {village}" for n, village in enumerate(order, start=1))
    by_village = {order[0]: between(text, first, second), order[1]: between(text, second, None)}
    tan_hoa, dong_ha = by_village["Ấp Tân Hòa"], by_village["Ấp Đông Hà"]
    assert "Nguyễn Thị Hiếu Trang" in tan_hoa
    assert "Số 1, Ấp Tân Hòa" in tan_hoa
    # Each village: its poor, near-poor and escaping households, each under its own heading.
    for village_text, (poor, near_poor, escaping) in (
        (tan_hoa, ("TH-001", "TH-002", "TH-003")),
        (dong_ha, ("DH-001", "DH-002", "DH-003")),
    ):
        assert poor in between(village_text, "Hộ nghèo: 1 hộ", "Hộ cận nghèo: 1 hộ")
        assert near_poor in between(village_text, "Hộ cận nghèo: 1 hộ", "Hộ thoát nghèo, thoát cận nghèo: 1 hộ")
        assert escaping in between(village_text, "Hộ thoát nghèo, thoát cận nghèo: 1 hộ", None)
    # previous -> proposed, for the household leaving the poor list for the near-poor one
    assert re.search(r"TH-002\s+Trần Văn Đức\s+Số 2, Ấp Tân Hòa\s+Hộ nghèo\s+Hộ cận nghèo", tan_hoa)
    # Not proposed (neither poor nor near-poor, now or before): not on the public list.
    assert "DH-004" not in text
    assert "Đặng Văn Tư" not in text


def test_posting_list_never_shows_health_details_deprivations_or_national_ids(posted):
    text = pdf_text(posting_list_pdf(posted))

    for person in Person.objects.filter(memberships__household__commune=posted.commune):
        assert person.national_id not in text
    for forbidden in ("TN4797924123456", "912345678", "1.200.000", "1,200,000", "1200000", "khuyết tật", "Khuyết tật"):
        assert forbidden not in text
    for indicator in Indicator.objects.filter(standard=posted.standard):
        assert indicator.name_vi not in text, indicator.code


def test_documents_embed_noto_or_dejavu_so_diacritics_are_real_glyphs(approved):
    for pdf in (posting_list_pdf(approved), decision_list_pdf(approved)):
        fonts = pdf_fonts(pdf)

        assert fonts
        assert all(re.search(r"Noto|DejaVu", name) for name in fonts), fonts
        assert all(fonts.values()), "every font program is embedded"
        assert "Nguyễn Thị Hiếu Trang" in pdf_text(pdf)


def test_posting_list_is_refused_before_public_posting(units, users):
    campaign = build_campaign(units, users, until=Campaign.Status.VILLAGE_MEETINGS)

    with pytest.raises(ValidationError) as refused:
        posting_list_pdf(campaign)

    assert refused.value.message_dict == {
        "status": ["The public list exists once the review has reached public posting."]
    }


# --- the decision list ---------------------------------------------------------------------------


def test_decision_list_numbers_each_list_by_village_with_totals_and_the_chairs_signature(approved):
    text = pdf_text(decision_list_pdf(approved))

    assert "Tân Đông, ngày 10 tháng 12 năm 2025" in text
    assert "Hộ nghèo, hộ cận nghèo, hộ thoát nghèo, hộ thoát cận nghèo năm 2026" in text
    assert "(Kèm theo Quyết định số 125/QĐ-UBND ngày 10/12/2025 của Chủ tịch Ủy ban nhân dân xã Tân Đông)" in text
    poor = between(text, "I. DANH SÁCH HỘ NGHÈO", "II. DANH SÁCH HỘ CẬN NGHÈO")
    near_poor = between(text, "II. DANH SÁCH HỘ CẬN NGHÈO", "III. DANH SÁCH HỘ THOÁT NGHÈO")
    escaped_poverty = between(text, "III. DANH SÁCH HỘ THOÁT NGHÈO", "IV. DANH SÁCH HỘ THOÁT CẬN NGHÈO")
    escaped_near = between(text, "IV. DANH SÁCH HỘ THOÁT CẬN NGHÈO", "CHỦ TỊCH")
    _sections, order = decision_sections(approved)  # villages by name, in the database's collation
    prefixes = [{"Ấp Tân Hòa": "TH", "Ấp Đông Hà": "DH"}[village] for village in order]
    codes = re.compile(r"\b(?:TH|DH)-\d{3}\b")
    assert codes.findall(poor) == [f"{prefix}-001" for prefix in prefixes]
    assert codes.findall(near_poor) == [f"{prefix}-002" for prefix in prefixes]
    assert codes.findall(escaped_poverty) == ["TH-002"]
    assert codes.findall(escaped_near) == [f"{prefix}-003" for prefix in prefixes]
    assert "Tổng cộng: 2 hộ" in poor
    assert "Tổng cộng: 2 hộ" in near_poor
    assert "Tổng cộng: 1 hộ" in escaped_poverty
    assert "Tổng cộng: 2 hộ" in escaped_near
    # numbered across the villages of a list, each village under its own heading
    heads = {"TH": "Nguyễn Thị Hiếu Trang", "DH": "Phạm Quốc Bảo"}
    for number, (village, prefix) in enumerate(zip(order, prefixes, strict=True), start=1):
        assert re.search(rf"{village}: 1 hộ\s+{number}\s+{prefix}-001\s+{heads[prefix]}", poor)
    assert re.search(r"TH-002\s+Trần Văn Đức\s+Số 2, Ấp Tân Hòa\s+Hộ cận nghèo", escaped_poverty)
    assert re.search(r"CHỦ TỊCH\s+Lê Minh Hùng", text)
    assert "DH-004" not in text
    for indicator in Indicator.objects.filter(standard=approved.standard):
        assert indicator.name_vi not in text


def test_decision_sections_count_each_list(approved):
    sections, villages = decision_sections(approved)

    assert {section.key: section.total for section in sections} == {
        "poor": 2,
        "near_poor": 2,
        "escaped_poverty": 1,
        "escaped_near_poverty": 2,
    }
    assert sorted(villages) == sorted(VILLAGES.values())


def test_decision_list_is_refused_before_approval(posted):
    with pytest.raises(ValidationError) as refused:
        decision_list_pdf(posted)

    assert refused.value.message_dict == {
        "status": ["The decision list exists once the chair has approved the review."]
    }


# --- the views -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["tandong_officer", "tandong_committee", "tandong_chair", "tayninh_province", "admin"])
def test_everyone_in_scope_downloads_both_documents_inline(client_for, approved, role):
    client = client_for(role)

    posting = client.get(reverse("povertyreview:posting_pdf", args=[approved.pk]))
    decision = client.get(reverse("povertyreview:decision_pdf", args=[approved.pk]))

    assert posting.status_code == 200
    assert posting["Content-Type"] == "application/pdf"
    assert posting["Content-Disposition"] == (
        'inline; filename="Danh-sach-cong-khai-Xa-Tan-Dong-2025.pdf"; '
        "filename*=UTF-8''" + quote("Danh sách công khai Xã Tân Đông 2025.pdf", safe="")
    )
    assert posting["Cache-Control"] == "private, no-store"
    assert decision.status_code == 200
    assert decision["Content-Disposition"].startswith(
        "inline; filename=\"Danh-sach-kem-quyet-dinh-125-QD-UBND-Xa-Tan-Dong-2025.pdf\"; filename*=UTF-8''"
    )
    assert "DANH SÁCH HỘ THOÁT CẬN NGHÈO" in pdf_text(decision.content)


@pytest.mark.parametrize("role", ["binhminh_officer", "hcm_province"])
def test_out_of_scope_is_404(client_for, approved, role):
    client = client_for(role)

    assert client.get(reverse("povertyreview:posting_pdf", args=[approved.pk])).status_code == 404
    assert client.get(reverse("povertyreview:decision_pdf", args=[approved.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client_for, approved):
    response = client_for("anonymous").get(reverse("povertyreview:posting_pdf", args=[approved.pk]))

    assert response.status_code == 302


def test_a_document_asked_for_before_its_step_answers_409(client_for, posted):
    client = client_for("tandong_officer")

    posting = client.get(reverse("povertyreview:posting_pdf", args=[posted.pk]))
    decision = client.get(reverse("povertyreview:decision_pdf", args=[posted.pk]))

    assert posting.status_code == 200
    assert decision.status_code == 409
    assert decision["Content-Type"].startswith("text/html")


def test_the_pdf_is_vietnamese_even_for_an_english_interface(client_for, approved):
    client = client_for("tandong_officer")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    text = pdf_text(client.get(reverse("povertyreview:posting_pdf", args=[approved.pk])).content)

    assert "Hộ nghèo" in text
    assert "Phân loại năm 2025" in text
    assert "Poor" not in text


# --- scale ---------------------------------------------------------------------------------------


def test_a_500_household_posting_list_renders_in_seconds(units, users):
    """500 households, in five villages, on the list through the services (bulk-created registry)."""
    officer = users["tandong_officer"]
    villages = [VillageFactory(commune=units.tan_dong, name=f"Ấp Tân Hòa {n}") for n in range(1, 6)]
    persons = Person.objects.bulk_create(
        Person(national_id=national_id_for("F", date(1970, 1, 1)), full_name=f"Nguyễn Thị Hiếu Trang {n}",
               search_name=f"nguyen thi hieu trang {n}", date_of_birth=date(1970, 1, 1), sex="F")
        for n in range(500)
    )  # fmt: skip
    households = Household.objects.bulk_create(
        Household(commune=units.tan_dong, village=villages[n % 5], code=f"HH-{n:04d}", area="rural", head=person,
                  address=f"Số {n}, {villages[n % 5].name}", member_count=1)
        for n, person in enumerate(persons)
    )  # fmt: skip
    Membership.objects.bulk_create(
        Membership(person=h.head, household=h, relationship="head", joined_on=date(2020, 1, 1)) for h in households
    )
    HouseholdYearStatus.objects.bulk_create(
        HouseholdYearStatus(household=h, year=YEAR, status=PovertyStatus.POOR) for h in households
    )
    campaign = services.campaign_open(commune=units.tan_dong, year=YEAR, acting_user=officer)
    campaign = _advance(campaign, officer)
    for n, assessment in enumerate(campaign.assessments.select_related("campaign")):
        income = RURAL_LINE - 100_000 if n % 3 else RURAL_LINE + 100_000
        services.assessment_record(assessment=assessment, area="rural", members=1, income_per_capita=income,
                                   deprived=POOR_DEPRIVATIONS[: n % 4], acting_user=officer)  # fmt: skip
    campaign = _advance(campaign, officer)
    for village in villages:
        votes = {a.pk: 30 for a in campaign.assessments.filter(village=village)}
        services.village_meeting_record(campaign=campaign, village=village, held_on=date(2025, 10, 20),
                                        chaired_by="Trưởng ấp", attendees=40, votes=votes, acting_user=officer)  # fmt: skip
    campaign = _advance(campaign, officer, posting_place=POSTING_PLACE, **POSTING)

    started = time.perf_counter()
    pdf = posting_list_pdf(campaign)
    seconds = time.perf_counter() - started

    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(re.findall(r"\bHH-\d{4}\b", text)) == 500
    assert f"Trang {len(reader.pages)}/{len(reader.pages)}" in text
    print(f"\n500-household posting list: {len(reader.pages)} pages, {len(pdf) // 1024} KiB, {seconds:.2f} s")
    assert seconds < 60
