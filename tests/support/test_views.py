"""Pages of support: programmes with their funding, donors, records of households with their kind's
details and acts, distributions (recipients by filter, review, removal, delivery in bulk, close),
the work list, the totals and the list behind them. Each write as a POST (success, and a refusal
shown on the page with nothing changed), who sees what, and the query counts of the list pages and
the distribution page, which do not grow with the rows."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.months import add_months
from households.models import HouseholdYearStatus
from support import services
from support.models import (
    Distribution,
    Donor,
    Evidence,
    FollowUpVisit,
    Funding,
    House,
    Kind,
    Livelihood,
    Loan,
    Programme,
    Record,
    RecordFunding,
    SupportEvent,
)
from support.services import FundingLine, LivelihoodDetails, LoanDetails, RecipientFilter
from tests.factories import VillageFactory
from tests.households.factories import make_household

TODAY = timezone.localdate()
THIS_YEAR = TODAY.year
READERS = ["tandong_officer", "tandong_committee", "tandong_chair", "tayninh_province", "admin"]


@pytest.fixture
def client_for(client_for):
    """Pages in English (the source strings), as the service messages are asserted."""
    return lambda role: client_for(role, language="en")


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def donor(units, officer) -> Donor:
    return services.donor_save(province=units.tay_ninh, name="Công ty Mía đường", kind="business",
                               acting_user=officer)  # fmt: skip


@pytest.fixture
def second_village(units):
    return VillageFactory(commune=units.tan_dong, name="Ấp Tân Hòa")


def make_programme(commune, officer, *, kind=Kind.GIFT, name="Quà Tết", year=THIS_YEAR, fundings=None, **extra):
    fundings = fundings or [FundingLine(source="fund_for_poor", amount_vnd=6_000_000)]
    return services.programme_create(commune=commune, kind=kind, name=name, year=year, fundings=fundings,
                                     acting_user=officer, **extra)  # fmt: skip


def make_family(commune, village, code, head, *, status="poor", year=THIS_YEAR):
    """A household of one member (its head) with a poverty status for ``year`` (None: no status)."""
    household = make_household(commune, village, code=code, members=((head, "M", date(1965, 1, 1), "head"),))
    if status:
        HouseholdYearStatus.objects.create(household=household, year=year, status=status)
    return household


def formset(prefix: str, rows: list[dict], total: int = 3) -> dict:
    """POST data of a formset of ``total`` rows, the first ones filled with ``rows``."""
    data = {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def url(name, **kwargs):
    return reverse(f"support:{name}", kwargs=kwargs)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- programmes ------------------------------------------------------------------------------------


@pytest.fixture
def gifts(units, officer, donor) -> Programme:
    """Tết gifts of Tân Đông: 6,000,000 from the Fund for the Poor and 4,000,000 from a donor."""
    return make_programme(units.tan_dong, officer, fundings=[
        FundingLine(source="fund_for_poor", amount_vnd=6_000_000),
        FundingLine(source="donor", amount_vnd=4_000_000, donor=donor),
    ])  # fmt: skip


@pytest.mark.parametrize("role", READERS)
def test_programme_list_shows_budget_against_delivered(role, client_for, units, officer, gifts):
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    services.record_create(programme=gifts, household=family, planned_on=TODAY, value_vnd=500_000,
                           delivered_on=TODAY, acting_user=officer)  # fmt: skip

    page = page_of(client_for(role).get(url("list")))

    row = page[page.index(f"programmes/{gifts.pk}/") :].split("</tr>")[0]
    assert "Quà Tết" in row and "10,000,000" in row and "500,000" in row
    assert ('data-testid="programme-new"' in page) is (role in ("tandong_officer", "admin"))


def test_programme_list_filters_by_year_and_kind(client_for, units, officer):
    make_programme(units.tan_dong, officer, name="Quà Tết")
    make_programme(units.tan_dong, officer, name="Quà Tết năm trước", year=THIS_YEAR - 1)
    make_programme(units.tan_dong, officer, kind=Kind.CHECKUP, name="Khám bệnh miễn phí")
    client = client_for("tandong_officer")

    this_year = page_of(client.get(url("list"), {"year": THIS_YEAR}))
    checkups = page_of(client.get(url("list"), {"kind": "checkup"}))

    assert "Quà Tết<" in this_year.replace("</a>", "<") and "năm trước" not in this_year
    assert "Khám bệnh miễn phí" in checkups and "Quà Tết" not in checkups


def test_another_communes_programmes_are_not_listed_and_their_pages_are_404(client_for, gifts):
    client = client_for("binhminh_officer")

    assert "Quà Tết" not in page_of(client.get(url("list")))
    assert client.get(url("programme", programme_id=gifts.pk)).status_code == 404
    assert client.get(url("records"), {"programme": gifts.pk}).status_code == 200
    assert "Quà Tết" not in page_of(client.get(url("records"), {"programme": gifts.pk}))


def test_officer_creates_a_programme_with_two_sources(client_for, units, donor):
    data = {"commune": units.tan_dong.code, "kind": "house", "name": "Nhà đại đoàn kết", "year": THIS_YEAR,
            "organiser": "Ủy ban MTTQ xã", "target_group": "Hộ nghèo khó khăn về nhà ở",
            **formset("fundings", [{"source": "state_budget", "amount_vnd": "400.000.000"},
                                   {"source": "donor", "donor": donor.pk, "amount_vnd": "410,000,000"}])}  # fmt: skip

    response = client_for("tandong_officer").post(url("programme_new"), data)

    programme = Programme.objects.get(name="Nhà đại đoàn kết")
    assert response.status_code == 302 and response.url == url("programme", programme_id=programme.pk)
    assert (programme.kind, programme.year, programme.organiser) == ("house", THIS_YEAR, "Ủy ban MTTQ xã")
    assert sorted(programme.fundings.values_list("source", "donor_id", "amount_vnd")) == [
        ("donor", donor.pk, 410_000_000), ("state_budget", None, 400_000_000),
    ]  # fmt: skip
    assert SupportEvent.objects.filter(programme=programme, kind="programme_created").count() == 1


def test_programme_without_funding_is_refused_on_the_page(client_for, units):
    data = {"commune": units.tan_dong.code, "kind": "gift", "name": "Quà Trung thu", "year": THIS_YEAR,
            **formset("fundings", [])}  # fmt: skip

    page = page_of(client_for("tandong_officer").post(url("programme_new"), data))

    assert "name at least one source of funding" in page
    assert not Programme.objects.exists()


def test_a_donor_source_without_a_donor_is_refused_on_the_page(client_for, units):
    data = {"commune": units.tan_dong.code, "kind": "gift", "name": "Quà Trung thu", "year": THIS_YEAR,
            **formset("fundings", [{"source": "donor", "amount_vnd": "1000000"}])}  # fmt: skip

    page = page_of(client_for("tandong_officer").post(url("programme_new"), data))

    assert "a donor is named when, and only when, the source is a donor" in page
    assert not Programme.objects.exists()


def test_a_reader_cannot_create_a_programme(client_for, units):
    data = {"commune": units.tan_dong.code, "kind": "gift", "name": "Quà", "year": THIS_YEAR,
            **formset("fundings", [{"source": "fund_for_poor", "amount_vnd": "1000000"}])}  # fmt: skip

    assert client_for("tandong_chair").post(url("programme_new"), data).status_code == 403
    assert not Programme.objects.exists()


def test_officer_edits_a_programmes_name_and_funding(client_for, gifts, donor):
    data = {"name": "Quà Tết Nguyên đán", "organiser": "Hội Chữ thập đỏ", "target_group": "", "description": "",
            "reason": "Thêm nguồn", **formset("fundings", [{"source": "fund_for_poor", "amount_vnd": "8000000"}])}  # fmt: skip

    response = client_for("tandong_officer").post(url("programme_edit", programme_id=gifts.pk), data)

    gifts.refresh_from_db()
    assert response.status_code == 302
    assert (gifts.name, gifts.organiser) == ("Quà Tết Nguyên đán", "Hội Chữ thập đỏ")
    assert list(gifts.fundings.values_list("source", "amount_vnd")) == [("fund_for_poor", 8_000_000)]
    assert SupportEvent.objects.get(programme=gifts, kind="programme_changed").reason == "Thêm nguồn"


def test_editing_to_a_name_taken_this_year_is_refused_and_nothing_changes(client_for, units, officer, gifts):
    make_programme(units.tan_dong, officer, name="Quà Trung thu")
    data = {"name": "Quà Trung thu", "organiser": "", "target_group": "", "description": "", "reason": "",
            **formset("fundings", [{"source": "fund_for_poor", "amount_vnd": "1"}])}  # fmt: skip

    page = page_of(client_for("tandong_officer").post(url("programme_edit", programme_id=gifts.pk), data))

    gifts.refresh_from_db()
    assert "the commune already has a programme of this name this year" in page
    assert gifts.name == "Quà Tết"
    assert sorted(gifts.fundings.values_list("amount_vnd", flat=True)) == [4_000_000, 6_000_000]


def test_the_edit_form_shows_the_current_funding_lines(client_for, gifts, donor):
    page = page_of(client_for("tandong_officer").get(url("programme_edit", programme_id=gifts.pk)))

    assert 'name="fundings-TOTAL_FORMS" value="5"' in page  # two lines and three empty rows
    assert 'value="6000000"' in page and f'<option value="{donor.pk}" selected>' in page


def test_programme_page_shows_totals_funding_and_distributions(client_for, units, officer, gifts):
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    services.record_create(programme=gifts, household=family, planned_on=TODAY, value_vnd=300_000,
                           delivered_on=TODAY, acting_user=officer)  # fmt: skip
    services.distribution_create(programme=gifts, name="Phát quà ấp Đông Hà", planned_on=TODAY,
                                 unit_value_vnd=500_000, acting_user=officer)  # fmt: skip

    page = page_of(client_for("tandong_committee").get(url("programme", programme_id=gifts.pk)))

    assert '<td class="text-end" data-testid="budget">10,000,000</td>' in page
    assert ">300,000</a>" in page  # delivered, linked to its records
    assert "Công ty Mía đường" in page and "Phát quà ấp Đông Hà" in page and "TD-1" in page
    assert 'data-testid="record-new"' not in page  # the committee reads only


def test_checkup_programme_shows_its_attendees(client_for, units, officer):
    checkup = make_programme(units.tan_dong, officer, kind=Kind.CHECKUP, name="Khám bệnh", attendees=1_250)

    page = page_of(client_for("tandong_chair").get(url("programme", programme_id=checkup.pk)))

    assert '<td class="text-end" data-testid="attendees">1250</td>' in page


# --- donors ----------------------------------------------------------------------------------------


def test_donors_of_the_province_are_listed_for_its_communes_and_viewer(client_for, donor):
    for role in ("tandong_officer", "binhminh_officer", "tayninh_province"):
        assert "Công ty Mía đường" in page_of(client_for(role).get(url("donors")))
    assert "Công ty Mía đường" not in page_of(client_for("hcm_province").get(url("donors")))


def test_officer_registers_a_donor_and_a_duplicate_name_is_refused(client_for, units):
    client = client_for("tandong_officer")
    data = {"name": "Hội Chữ thập đỏ tỉnh", "kind": "charity", "contact": "0276 3822 111", "note": ""}

    created = client.post(url("donor_new"), data)
    again = page_of(client.post(url("donor_new"), {**data, "name": "hội chữ thập đỏ  tỉnh"}))

    assert created.status_code == 302
    assert list(Donor.objects.values_list("province_id", "name", "kind")) == [("80", "Hội Chữ thập đỏ tỉnh", "charity")]
    assert "a donor of this name is already registered in the province" in again


def test_officer_edits_a_donor(client_for, donor):
    data = {"name": "Công ty CP Mía đường Tây Ninh", "kind": "business", "contact": "Ông Hải", "note": ""}

    response = client_for("tandong_officer").post(url("donor_edit", donor_id=donor.pk), data)

    donor.refresh_from_db()
    assert response.status_code == 302
    assert (donor.name, donor.contact) == ("Công ty CP Mía đường Tây Ninh", "Ông Hải")


# --- adding support for a household ----------------------------------------------------------------


def test_adding_support_from_the_household_offers_its_communes_programmes(client_for, units, users, gifts):
    make_programme(units.binh_minh, users["binhminh_officer"], name="Quà Bình Minh")
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")

    page = page_of(client_for("admin").get(url("record_new"), {"household": family.uuid}))

    assert f"?programme={gifts.pk}&amp;household={family.uuid}" in page
    assert "Quà Bình Minh" not in page


def test_the_household_is_found_by_code_or_by_name_without_diacritics(client_for, units, gifts):
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-17", "Nguyễn Thị Hiếu Trang")
    make_family(units.tan_dong, units.tan_dong_village, "TD-18", "Phạm Văn Đồng")
    client = client_for("tandong_officer")

    by_code = page_of(client.get(url("record_new"), {"programme": gifts.pk, "q": "td-17"}))
    by_name = page_of(client.get(url("record_new"), {"programme": gifts.pk, "q": "hieu trang"}))

    for page in (by_code, by_name):
        assert f"household={family.uuid}" in page and "TD-18" not in page


def test_a_household_of_another_commune_is_404_and_not_found_by_search(client_for, units, gifts):
    other = make_family(units.binh_minh, units.binh_minh_village, "BM-1", "Trần Văn Bảy")
    client = client_for("tandong_officer")

    assert client.get(url("record_new"), {"programme": gifts.pk, "household": other.uuid}).status_code == 404
    searched = page_of(client.get(url("record_new"), {"programme": gifts.pk, "q": "BM-1"}))
    assert 'data-testid="no-household"' in searched and str(other.uuid) not in searched
    assert client.get(url("record_new"), {"programme": gifts.pk, "household": "not-a-uuid"}).status_code == 404


def record_data(**fields) -> dict:
    data = {"record-planned_on": TODAY.isoformat(), "record-value_vnd": "", "record-in_kind": "", "record-note": "",
            **formset("fundings", []), **formset("costs", [], total=4)}  # fmt: skip
    data.update(fields)
    return data


def test_officer_records_a_gift_split_among_the_programmes_sources(client_for, units, gifts, donor):
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    new = f"{url('record_new')}?programme={gifts.pk}&household={family.uuid}"

    response = client_for("tandong_officer").post(new, record_data(**{"record-value_vnd": "500.000",
                                                                      "record-in_kind": "10 kg gạo"}))  # fmt: skip

    record = Record.objects.get(household=family)
    assert response.status_code == 302 and response.url == url("record", record_uuid=record.uuid)
    assert (record.status, record.value_vnd, record.in_kind) == ("planned", 500_000, "10 kg gạo")
    assert sorted(record.fundings.values_list("source", "amount_vnd")) == [
        ("donor", 200_000),
        ("fund_for_poor", 300_000),
    ]


def test_officer_records_a_delivered_livelihood_model(client_for, units, officer):
    cattle = make_programme(units.tan_dong, officer, kind=Kind.LIVELIHOOD, name="Bò giống")
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    new = f"{url('record_new')}?programme={cattle.pk}&household={family.uuid}"
    data = record_data(**{"record-value_vnd": "30000000", "record-delivered_on": TODAY.isoformat(),
                          "details-asset": "bò cái", "details-quantity": "2", "details-follow_up_months": "6"})  # fmt: skip

    response = client_for("tandong_officer").post(new, data)

    record = Record.objects.get(household=family)
    livelihood = Livelihood.objects.get(record=record)
    assert response.status_code == 302
    assert (record.status, record.kind) == ("delivered", "livelihood")
    assert (livelihood.asset, livelihood.quantity, livelihood.follow_up_months) == ("bò cái", 2, 6)
    assert livelihood.next_visit_due == add_months(TODAY.replace(day=1), 6)


def test_house_cost_lines_that_do_not_add_up_are_refused_and_nothing_is_written(client_for, units, officer):
    houses = make_programme(units.tan_dong, officer, kind=Kind.HOUSE, name="Nhà đại đoàn kết")
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    new = f"{url('record_new')}?programme={houses.pk}&household={family.uuid}"
    data = record_data(**{"record-value_vnd": "90000000", "details-work": "build", "details-floor_area_m2": "40",
                          **formset("costs", [{"item": "Vật liệu", "amount_vnd": "60000000"},
                                              {"item": "Nhân công", "amount_vnd": "20000000"}], total=4)})  # fmt: skip

    page = page_of(client_for("tandong_officer").post(new, data))

    assert "the cost lines add up to 80,000,000 đồng, not the value 90,000,000 đồng" in page
    assert not Record.objects.exists() and not House.objects.exists()


def test_a_house_with_its_cost_breakdown_is_recorded(client_for, units, officer):
    houses = make_programme(units.tan_dong, officer, kind=Kind.HOUSE, name="Nhà đại đoàn kết")
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    new = f"{url('record_new')}?programme={houses.pk}&household={family.uuid}"
    data = record_data(**{"record-value_vnd": "90000000", "details-work": "build", "details-floor_area_m2": "40",
                          "details-started_on": "2025-03-01", "details-completed_on": "2025-05-20",
                          **formset("costs", [{"item": "Vật liệu", "amount_vnd": "70000000"},
                                              {"item": "Nhân công", "amount_vnd": "20000000"}], total=4)})  # fmt: skip

    assert client_for("tandong_officer").post(new, data).status_code == 302

    house = House.objects.get(record__household=family)
    assert list(house.costs.values_list("item", "amount_vnd")) == [("Vật liệu", 70_000_000), ("Nhân công", 20_000_000)]
    assert (house.started_on, house.completed_on) == (date(2025, 3, 1), date(2025, 5, 20))


def test_a_loan_contract_already_recorded_is_refused_on_the_page(client_for, units, officer):
    loans = make_programme(units.tan_dong, officer, kind=Kind.LOAN, name="Vay hộ nghèo")
    first = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")
    second = make_family(units.tan_dong, units.tan_dong_village, "TD-2", "Võ Văn Chín")
    details = {"details-contract_number": "HD-77", "details-bank": "NHCSXH", "details-loan_programme": "Hộ nghèo",
               "details-disbursed_on": "2024-03-01", "details-term_months": "60", "details-outstanding_vnd": "40000000",
               "details-balance_on": "2025-01-01", "details-repayment": "current"}  # fmt: skip
    client = client_for("tandong_officer")
    for family in (first, second):
        response = client.post(f"{url('record_new')}?programme={loans.pk}&household={family.uuid}",
                               record_data(**{"record-value_vnd": "50000000", "record-delivered_on": "2024-03-01",
                                              **details}))  # fmt: skip

    assert "this bank&#x27;s contract is already recorded" in page_of(response)
    assert list(Loan.objects.values_list("record__household__code", flat=True)) == ["TD-1"]


def test_a_record_with_neither_value_nor_in_kind_is_refused(client_for, units, gifts):
    family = make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám")

    page = page_of(client_for("tandong_officer").post(
        f"{url('record_new')}?programme={gifts.pk}&household={family.uuid}", record_data()))  # fmt: skip

    assert "give a value in đồng or describe what was given in kind" in page
    assert not Record.objects.exists()


# --- a record's page and its acts ------------------------------------------------------------------


@pytest.fixture
def family(units):
    return make_family(units.tan_dong, units.tan_dong_village, "TD-9", "Phan Văn Chín")


@pytest.fixture
def planned(gifts, family, officer) -> Record:
    return services.record_create(programme=gifts, household=family, planned_on=TODAY, value_vnd=500_000,
                                  acting_user=officer)  # fmt: skip


@pytest.mark.parametrize("role", READERS)
def test_record_page_shows_value_funding_and_acts_for_the_officer(role, client_for, planned):
    page = page_of(client_for(role).get(url("record", record_uuid=planned.uuid)))

    assert '<td class="text-end" data-testid="record-value">500,000</td>' in page
    assert "Công ty Mía đường" in page and "TD-9" in page
    assert ("/deliver/" in page) is (role in ("tandong_officer", "admin"))


def test_officer_records_the_delivery(client_for, planned):
    response = client_for("tandong_officer").post(url("record_deliver", record_uuid=planned.uuid),
                                                  {"delivered_on": TODAY.isoformat()})  # fmt: skip

    planned.refresh_from_db()
    assert response.status_code == 302
    assert (planned.status, planned.delivered_on) == ("delivered", TODAY)


def test_delivered_support_cannot_be_cancelled_and_stays_delivered(client_for, planned, officer):
    services.record_deliver(record=planned, delivered_on=TODAY, acting_user=officer)

    page = page_of(client_for("tandong_officer").post(url("record_cancel", record_uuid=planned.uuid),
                                                      {"reason": "Nhầm"}))  # fmt: skip

    planned.refresh_from_db()
    assert "Only planned support can be cancelled; this one is “Delivered”." in page
    assert planned.status == "delivered"
    assert not SupportEvent.objects.filter(kind="record_cancelled").exists()


def test_officer_cancels_planned_support_with_a_reason(client_for, planned):
    client_for("tandong_officer").post(url("record_cancel", record_uuid=planned.uuid), {"reason": "Hộ đã chuyển đi"})

    planned.refresh_from_db()
    assert planned.status == "cancelled"
    assert SupportEvent.objects.get(record=planned, kind="record_cancelled").reason == "Hộ đã chuyển đi"


def test_a_reader_cannot_deliver(client_for, planned):
    response = client_for("tandong_chair").post(url("record_deliver", record_uuid=planned.uuid),
                                                {"delivered_on": TODAY.isoformat()})  # fmt: skip

    planned.refresh_from_db()
    assert response.status_code == 403 and planned.status == "planned"


def test_evidence_is_uploaded_and_served_only_within_scope(client_for, planned, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("ban-giao.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg")

    response = client_for("tandong_officer").post(url("record_evidence", record_uuid=planned.uuid),
                                                  {"kind": "photo", "title": "Bàn giao quà", "file": photo})  # fmt: skip

    evidence = Evidence.objects.get(record=planned)
    file_url = url("record_evidence_file", record_uuid=planned.uuid, evidence_id=evidence.pk)
    served = client_for("tandong_committee").get(file_url)
    assert response.status_code == 302
    assert b"".join(served.streaming_content) == b"\xff\xd8\xff photo"
    assert served["Cache-Control"] == "private, no-store"
    assert client_for("binhminh_officer").get(file_url).status_code == 404
    assert "Bàn giao quà" in page_of(client_for("tandong_chair").get(url("record", record_uuid=planned.uuid)))


def test_evidence_that_is_not_a_photo_or_pdf_is_refused(client_for, planned, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = SimpleUploadedFile("bien-ban.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client_for("tandong_officer").post(
        url("record_evidence", record_uuid=planned.uuid), {"kind": "other", "title": "Biên bản", "file": page}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["only PDF, JPEG and PNG files are accepted"]}
    assert not Evidence.objects.filter(record=planned).exists()
    assert list(tmp_path.iterdir()) == []


def test_evidence_is_served_as_an_attachment(client_for, planned, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("ban-giao.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg")
    client_for("tandong_officer").post(url("record_evidence", record_uuid=planned.uuid),
                                       {"kind": "photo", "title": "Bàn giao", "file": photo})  # fmt: skip
    evidence = Evidence.objects.get(record=planned)

    served = client_for("tandong_officer").get(
        url("record_evidence_file", record_uuid=planned.uuid, evidence_id=evidence.pk)
    )

    assert served["Content-Disposition"] == 'attachment; filename="ban-giao.jpg"'
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def cattle(units, officer, family) -> Record:
    programme = make_programme(units.tan_dong, officer, kind=Kind.LIVELIHOOD, name="Bò giống")
    return services.record_create(programme=programme, household=family, planned_on=date(2025, 1, 5),
                                  value_vnd=30_000_000, delivered_on=date(2025, 1, 5),
                                  details=LivelihoodDetails(asset="bò cái", quantity=2), acting_user=officer)  # fmt: skip


def test_officer_records_a_follow_up_visit(client_for, cattle):
    response = client_for("tandong_officer").post(url("record_visit", record_uuid=cattle.uuid),
                                                  {"visited_on": "2025-07-10", "outcome": "thriving",
                                                   "note": "Bò đã sinh 1 bê"})  # fmt: skip

    livelihood = Livelihood.objects.get(record=cattle)
    assert response.status_code == 302
    assert list(FollowUpVisit.objects.values_list("outcome", "note")) == [("thriving", "Bò đã sinh 1 bê")]
    assert livelihood.next_visit_due == date(2026, 1, 1)


def test_a_visit_before_the_delivery_is_refused(client_for, cattle):
    page = page_of(client_for("tandong_officer").post(url("record_visit", record_uuid=cattle.uuid),
                                                      {"visited_on": "2024-12-01", "outcome": "stable"}))  # fmt: skip

    assert "is before the asset was delivered (05/01/2025)" in page
    assert not FollowUpVisit.objects.exists()


def test_a_visit_page_for_a_gift_is_404(client_for, planned):
    assert client_for("tandong_officer").get(url("record_visit", record_uuid=planned.uuid)).status_code == 404
    assert client_for("tandong_officer").get(url("loan_balance", record_uuid=planned.uuid)).status_code == 404


@pytest.fixture
def loan(units, officer, family) -> Record:
    programme = make_programme(units.tan_dong, officer, kind=Kind.LOAN, name="Vay hộ nghèo")
    return services.record_create(
        programme=programme, household=family, planned_on=date(2024, 3, 1), value_vnd=50_000_000,
        delivered_on=date(2024, 3, 1), acting_user=officer,
        details=LoanDetails(contract_number="HD-77", loan_programme="Hộ nghèo", disbursed_on=date(2024, 3, 1),
                            term_months=60, outstanding_vnd=40_000_000, balance_on=date(2025, 1, 1)),
    )  # fmt: skip


def test_officer_updates_a_loans_balance(client_for, loan):
    response = client_for("tandong_officer").post(url("loan_balance", record_uuid=loan.uuid),
                                                  {"outstanding_vnd": "35.000.000", "balance_on": "2025-06-30",
                                                   "repayment": "overdue"})  # fmt: skip

    stored = Loan.objects.get(record=loan)
    assert response.status_code == 302
    assert (stored.outstanding_vnd, stored.balance_on, stored.repayment) == (35_000_000, date(2025, 6, 30), "overdue")


def test_a_balance_older_than_the_one_on_record_is_refused(client_for, loan):
    page = page_of(client_for("tandong_officer").post(url("loan_balance", record_uuid=loan.uuid),
                                                      {"outstanding_vnd": "1", "balance_on": "2024-12-31",
                                                       "repayment": "current"}))  # fmt: skip

    assert "is older than the balance on record (01/01/2025)" in page
    assert Loan.objects.get(record=loan).outstanding_vnd == 40_000_000


# --- distributions ---------------------------------------------------------------------------------


@pytest.fixture
def village_families(units, second_village):
    """Three poor households of Ấp Đông Hà (one near-poor), one poor of Ấp Tân Hòa, one not classified."""
    return {
        "TD-1": make_family(units.tan_dong, units.tan_dong_village, "TD-1", "Lê Văn Tám"),
        "TD-2": make_family(units.tan_dong, units.tan_dong_village, "TD-2", "Võ Văn Chín"),
        "TD-3": make_family(units.tan_dong, units.tan_dong_village, "TD-3", "Đinh Thị Mười", status="near_poor"),
        "TD-4": make_family(units.tan_dong, second_village, "TD-4", "Hà Văn Một"),
        "TD-5": make_family(units.tan_dong, units.tan_dong_village, "TD-5", "Mai Văn Hai", status=None),
    }


@pytest.fixture
def distribution(gifts, officer) -> Distribution:
    return services.distribution_create(programme=gifts, name="Quà Tết ấp Đông Hà", planned_on=TODAY,
                                        unit_value_vnd=500_000, acting_user=officer)  # fmt: skip


def codes(distribution, **filters) -> list[str]:
    return sorted(distribution.records.filter(**filters).values_list("household__code", flat=True))


def test_officer_creates_a_distribution(client_for, gifts):
    response = client_for("tandong_officer").post(url("distribution_new", programme_id=gifts.pk),
                                                  {"name": "Quà Tết", "planned_on": TODAY.isoformat(),
                                                   "unit_value_vnd": "500.000", "in_kind": "1 thùng mì"})  # fmt: skip

    distribution = Distribution.objects.get()
    assert response.status_code == 302 and response.url == url("distribution", distribution_id=distribution.pk)
    assert (distribution.unit_value_vnd, distribution.in_kind, distribution.status) == (500_000, "1 thùng mì", "open")


def test_a_distribution_giving_nothing_is_refused(client_for, gifts):
    page = page_of(client_for("tandong_officer").post(url("distribution_new", programme_id=gifts.pk),
                                                      {"name": "Quà", "planned_on": TODAY.isoformat()}))  # fmt: skip

    assert "give a value in đồng or describe what is given in kind" in page
    assert not Distribution.objects.exists()


def test_no_distribution_for_loans_houses_or_livelihood_models(client_for, units, officer):
    loans = make_programme(units.tan_dong, officer, kind=Kind.LOAN, name="Vay")

    assert client_for("tandong_officer").get(url("distribution_new", programme_id=loans.pk)).status_code == 404


def test_recipients_are_the_poor_households_of_the_village(client_for, units, distribution, village_families):
    data = {"year": THIS_YEAR, "statuses": ["poor"], "village": units.tan_dong_village.pk}
    client = client_for("tandong_officer")

    response = client.post(url("distribution_recipients", distribution_id=distribution.pk), data, follow=True)
    again = client.post(url("distribution_recipients", distribution_id=distribution.pk),
                        {**data, "statuses": ["poor", "near_poor"]}, follow=True)  # fmt: skip

    assert "2 households added to the list." in page_of(response)
    assert "1 household added to the list. 2 were already on it." in page_of(again)
    assert codes(distribution) == ["TD-1", "TD-2", "TD-3"]
    assert set(distribution.records.values_list("status", "value_vnd")) == {("planned", 500_000)}


def test_the_list_shows_code_head_village_and_status(client_for, units, officer, distribution, village_families):
    services.distribution_add_recipients(distribution=distribution, criteria=RecipientFilter(
        year=THIS_YEAR, statuses=("poor",)), acting_user=officer)  # fmt: skip

    page = page_of(client_for("tayninh_province").get(url("distribution", distribution_id=distribution.pk)))

    for code, head, village in (("TD-1", "Lê Văn Tám", "Ấp Đông Hà"), ("TD-4", "Hà Văn Một", "Ấp Tân Hòa")):
        row = page[page.index(f'data-household="{code}"') :].split("</tr>")[0]
        assert head in row and village in row and "Planned" in row
    assert 'name="recipients"' not in page  # the viewer reads only
    assert '<td data-testid="count-planned">3</td>' in page


@pytest.fixture
def listed(distribution, village_families, officer, units) -> Distribution:
    """TD-1, TD-2 (poor of Ấp Đông Hà) on the list."""
    services.distribution_add_recipients(distribution=distribution, criteria=RecipientFilter(
        year=THIS_YEAR, statuses=("poor",), village_id=units.tan_dong_village.pk), acting_user=officer)  # fmt: skip
    return distribution


def recipient(distribution, code) -> Record:
    return distribution.records.get(household__code=code)


def test_officer_takes_a_household_off_the_list_with_a_reason(client_for, listed):
    record = recipient(listed, "TD-2")

    response = client_for("tandong_officer").post(
        url("distribution_remove", distribution_id=listed.pk, record_id=record.pk), {"reason": "Đã nhận ở nơi khác"}
    )

    assert response.status_code == 302
    assert codes(listed) == ["TD-1"]
    event = SupportEvent.objects.get(kind="recipient_removed")
    assert (event.reason, event.data["household"]) == ("Đã nhận ở nơi khác", "TD-2")


def test_officer_records_delivery_to_the_ticked_households(client_for, listed):
    ticked = recipient(listed, "TD-1")

    response = client_for("tandong_officer").post(url("distribution_deliver", distribution_id=listed.pk),
                                                  {"delivered_on": TODAY.isoformat(), "recipients": [ticked.pk]})  # fmt: skip

    assert response.status_code == 302
    assert codes(listed, status="delivered") == ["TD-1"] and codes(listed, status="planned") == ["TD-2"]


def test_a_second_delivery_to_the_same_household_is_refused_naming_it(client_for, listed, officer):
    first = recipient(listed, "TD-1")
    services.distribution_deliver(distribution=listed, record_ids=[first.pk], delivered_on=TODAY, acting_user=officer)
    events = SupportEvent.objects.count()

    response = client_for("tandong_officer").post(
        url("distribution_deliver", distribution_id=listed.pk),
        {"delivered_on": TODAY.isoformat(), "recipients": [first.pk, recipient(listed, "TD-2").pk]},
    )

    page = page_of(response)
    assert f"TD-1 already received it on {TODAY:%d/%m/%Y}" in page
    assert codes(listed, status="delivered") == ["TD-1"] and codes(listed, status="planned") == ["TD-2"]
    assert SupportEvent.objects.count() == events
    assert f'value="{recipient(listed, "TD-2").pk}" id=' in page  # the list is shown again to correct


def test_delivery_to_everyone_planned(client_for, listed):
    response = client_for("tandong_officer").post(url("distribution_deliver", distribution_id=listed.pk),
                                                  {"delivered_on": TODAY.isoformat(), "everyone": "on"})  # fmt: skip

    assert response.status_code == 302
    assert codes(listed, status="delivered") == ["TD-1", "TD-2"]


def test_a_delivery_date_in_the_future_is_refused(client_for, listed):
    page = page_of(client_for("tandong_officer").post(
        url("distribution_deliver", distribution_id=listed.pk),
        {"delivered_on": date(TODAY.year + 1, 1, 1).isoformat(), "everyone": "on"}))  # fmt: skip

    assert "must not be in the future" in page
    assert codes(listed, status="planned") == ["TD-1", "TD-2"]


def test_a_recipient_of_another_distribution_is_refused(client_for, listed, gifts, officer):
    other = services.distribution_create(programme=gifts, name="Quà khác", planned_on=TODAY, unit_value_vnd=1,
                                         acting_user=officer)  # fmt: skip
    services.distribution_add_recipients(distribution=other, criteria=RecipientFilter(year=THIS_YEAR,
                                         statuses=("near_poor",)), acting_user=officer)  # fmt: skip
    stranger = other.records.get()

    page = page_of(client_for("tandong_officer").post(url("distribution_deliver", distribution_id=listed.pk),
                                                      {"delivered_on": TODAY.isoformat(),
                                                       "recipients": [stranger.pk]}))  # fmt: skip

    assert f"recipient {stranger.pk} is not on this distribution" in page
    assert not Record.objects.filter(status="delivered").exists()


def test_closing_cancels_who_did_not_come_and_nothing_is_delivered_afterwards(client_for, listed, officer):
    services.distribution_deliver(distribution=listed, record_ids=[recipient(listed, "TD-1").pk], delivered_on=TODAY,
                                  acting_user=officer)  # fmt: skip
    client = client_for("tandong_officer")

    closed = client.post(url("distribution_close", distribution_id=listed.pk))
    after = page_of(client.post(url("distribution_deliver", distribution_id=listed.pk),
                                {"delivered_on": TODAY.isoformat(), "everyone": "on"}))  # fmt: skip

    listed.refresh_from_db()
    assert closed.status_code == 302 and listed.status == "closed"
    assert "The distribution is closed." in after
    assert codes(listed, status="cancelled") == ["TD-2"]


def test_a_reader_cannot_deliver_or_add_recipients(client_for, listed):
    client = client_for("tandong_committee")

    assert client.post(url("distribution_deliver", distribution_id=listed.pk),
                       {"delivered_on": TODAY.isoformat(), "everyone": "on"}).status_code == 403  # fmt: skip
    assert client.post(url("distribution_recipients", distribution_id=listed.pk),
                       {"year": THIS_YEAR}).status_code == 403  # fmt: skip
    assert codes(listed, status="planned") == ["TD-1", "TD-2"]


def test_the_households_timeline_shows_the_gift_delivered(client_for, listed, officer):
    services.distribution_deliver(distribution=listed, record_ids=None, delivered_on=TODAY, acting_user=officer)
    family = recipient(listed, "TD-1").household

    page = page_of(client_for("tandong_officer").get(reverse("households:detail", args=[family.uuid])))

    assert "Gift distribution: Quà Tết (delivered)" in page
    assert "500,000 đ" in page  # an English page (the Vietnamese one: 500.000 đ)


# --- the work list ---------------------------------------------------------------------------------


def test_worklist_lists_poor_households_without_support_this_year(client_for, listed, officer):
    services.distribution_deliver(distribution=listed, record_ids=[recipient(listed, "TD-1").pk], delivered_on=TODAY,
                                  acting_user=officer)  # fmt: skip

    page = page_of(client_for("tandong_chair").get(url("worklist")))

    table = page[page.index('data-testid="unsupported-table"') :].split("</table>")[0]
    assert [code for code in ("TD-1", "TD-2", "TD-3", "TD-4", "TD-5") if f">{code}</a>" in table] == [
        "TD-2", "TD-3", "TD-4",
    ]  # fmt: skip
    assert '<span class="badge text-bg-secondary" data-testid="unsupported-count">3</span>' in page


def test_worklist_lists_visits_due_and_overdue_loans(client_for, cattle, loan, officer):
    services.loan_balance_update(record=loan, outstanding_vnd=30_000_000, balance_on=date(2025, 6, 30),
                                 repayment="overdue", acting_user=officer)  # fmt: skip

    page = page_of(client_for("tandong_officer").get(url("worklist")))

    assert "2 × bò cái" in page and "NHCSXH HD-77" in page
    assert 'data-testid="visits-count">1<' in page and 'data-testid="loans-count">1<' in page
    assert "NHCSXH HD-77" not in page_of(client_for("binhminh_officer").get(url("worklist")))


def test_home_page_links_the_officer_to_the_support_work_list(client_for, village_families):
    page = page_of(client_for("tandong_officer").get(reverse("core:home")))

    assert f'href="{url("worklist")}#unsupported"' in page


# --- totals and the list behind them ---------------------------------------------------------------


@pytest.fixture
def delivered(listed, officer, planned, loan):
    """TD-1 and TD-2 got the distribution's 500,000; TD-9 a 500,000 gift of its own this year and a loan in 2024."""
    services.distribution_deliver(distribution=listed, record_ids=None, delivered_on=TODAY, acting_user=officer)
    services.record_deliver(record=planned, delivered_on=TODAY, acting_user=officer)
    return listed


def test_totals_by_kind_link_to_the_records_behind_them(client_for, delivered):
    client = client_for("tandong_officer")

    page = page_of(client.get(url("totals")))

    row = page[page.index('data-kind="gift"') :].split("</tr>")[0]
    assert ">3</a>" in row and ">1,500,000</a>" in row
    link = row.split('href="')[1].split('"')[0].replace("&amp;", "&")
    behind = page_of(client.get(link))
    assert "3 records, 1,500,000 đồng" in behind


def test_totals_by_source_link_to_the_records_the_donor_paid(client_for, delivered, donor):
    client = client_for("tandong_officer")
    page = page_of(client.get(url("totals")))

    donor_row = page[page.index("Công ty Mía đường") :].split("</tr>")[0]
    link = donor_row.split('href="')[1].split('"')[0].replace("&amp;", "&")
    behind = page_of(client.get(link))

    # 3 gifts of 500,000, 40 % from the donor (4 of 10 million): 200,000 each.
    assert ">600,000</a>" in donor_row
    assert "3 records, 1,500,000 đồng · of which 600,000 đồng from this source" in behind
    assert RecordFunding.objects.filter(donor=donor).count() == 3


def test_the_loan_totals_cover_every_year_and_link_to_the_loans(client_for, delivered):
    client = client_for("tandong_officer")
    page = page_of(client.get(url("totals")))

    loans = page[page.index('data-testid="totals-loans"') :].split("</table>")[0]
    assert ">50,000,000</a>" in loans and ">1</a>" in loans
    assert "1 record, 50,000,000 đồng" in page_of(client.get(url("records"), {"kind": "loan", "status": "delivered"}))


def test_provincial_viewer_sees_the_whole_province_and_can_narrow_to_a_commune(client_for, delivered, units):
    client = client_for("tayninh_province")

    whole = page_of(client.get(url("totals")))
    binh_minh = page_of(client.get(url("totals"), {"commune": units.binh_minh.code, "year": THIS_YEAR}))

    assert "The whole province" in whole and ">1,500,000</a>" in whole
    assert "1,500,000" not in binh_minh
    assert client_for("binhminh_officer").get(url("totals"), {"commune": units.tan_dong.code}).status_code == 404


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "gift"}, ["TD-1", "TD-2", "TD-9"]),
        ({"kind": "loan"}, ["TD-9"]),
        ({"status": "delivered", "year": THIS_YEAR}, ["TD-1", "TD-2", "TD-9"]),
        ({"year": 2024}, ["TD-9"]),
        ({"source": "donor"}, ["TD-1", "TD-2", "TD-9"]),
        ({"source": "state_budget"}, []),
        ({"overdue": "on"}, []),
        ({"village": "none"}, []),
    ],
)
def test_record_list_filters(filters, expected, client_for, delivered):
    page = page_of(client_for("tandong_officer").get(url("records"), filters))

    table = page.split('data-testid="record-table"')[1].split("</table>")[0] if expected else ""
    assert sorted(code for code in ("TD-1", "TD-2", "TD-9") for _ in range(table.count(f">{code}</a>"))) == expected


# --- query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 30])
def test_programme_list_query_count_is_fixed(extra, client_for, units, officer, django_assert_num_queries):
    for number in range(extra + 1):
        make_programme(units.tan_dong, officer, name=f"Chương trình {number}")
    client = client_for("tandong_officer")
    client.get(url("list"))
    # session, user, the user's communes (filter choices), their codes (scope), a page of programmes
    # with their sums, then the sliding session save (3).
    with django_assert_num_queries(8):
        client.get(url("list"))


@pytest.mark.parametrize("extra", [0, 40])
def test_record_list_query_count_is_fixed(extra, client_for, units, officer, gifts, django_assert_num_queries):
    for number in range(extra + 1):
        family = make_family(units.tan_dong, units.tan_dong_village, f"TD-{number}", "Lê Văn Tám")
        services.record_create(programme=gifts, household=family, planned_on=TODAY, value_vnd=1_000,
                               acting_user=officer)  # fmt: skip
    client = client_for("tandong_officer")
    client.get(url("records"), {"source": "fund_for_poor"})
    # session, user, communes, villages, commune codes (scope), the totals, the source's share, a
    # page of records, the access-log row (1), then the sliding session save (3).
    with django_assert_num_queries(12):
        client.get(url("records"), {"source": "fund_for_poor"})


@pytest.mark.parametrize("extra", [0, 40])
def test_distribution_page_query_count_is_fixed(extra, client_for, units, officer, distribution,
                                                django_assert_num_queries):  # fmt: skip
    for number in range(extra + 2):
        make_family(units.tan_dong, units.tan_dong_village, f"TD-{number}", "Lê Văn Tám")
    services.distribution_add_recipients(distribution=distribution, criteria=RecipientFilter(year=THIS_YEAR),
                                         acting_user=officer)  # fmt: skip
    client = client_for("tandong_officer")
    client.get(url("distribution", distribution_id=distribution.pk))
    # session, user, commune codes, the distribution (+programme, commune, province, creator), its
    # counts, a page of recipients (+household, village, head), the access-log row (1), its
    # evidence, then the session save (3).
    with django_assert_num_queries(11):
        client.get(url("distribution", distribution_id=distribution.pk))


@pytest.mark.parametrize("extra", [0, 20])
def test_worklist_and_totals_query_counts_are_fixed(extra, client_for, units, officer, gifts,
                                                    django_assert_num_queries):  # fmt: skip
    for number in range(extra + 1):
        family = make_family(units.tan_dong, units.tan_dong_village, f"TD-{number}", "Lê Văn Tám")
        if number % 2:
            services.record_create(programme=gifts, household=family, planned_on=TODAY, value_vnd=1_000,
                                   delivered_on=TODAY, acting_user=officer)  # fmt: skip
    client = client_for("tandong_officer")
    client.get(url("worklist"))
    client.get(url("totals"))
    # session, user, communes, commune codes, three lists and their three counts, the session save (3).
    with django_assert_num_queries(13):
        client.get(url("worklist"))
    # session, user, communes, commune codes, by kind, source, village, year, loans, check-ups, save (3).
    with django_assert_num_queries(13):
        client.get(url("totals"))


@pytest.mark.parametrize("extra", [0, 20])
def test_donor_list_query_count_is_fixed(extra, client_for, units, officer, django_assert_num_queries):
    for number in range(extra + 1):
        donor = services.donor_save(province=units.tay_ninh, name=f"Nhà hảo tâm {number}", kind="individual",
                                    acting_user=officer)  # fmt: skip
        make_programme(units.tan_dong, officer, name=f"Quà {number}",
                       fundings=[FundingLine(source="donor", amount_vnd=1_000, donor=donor)])  # fmt: skip
    client = client_for("tandong_officer")
    client.get(url("donors"))
    # session, user, a page of donors with their funding, then the sliding session save (3).
    with django_assert_num_queries(6):
        client.get(url("donors"))
    assert Funding.objects.count() == extra + 1
