"""Pages of social-allowance cases: every page for each role, each action as a POST (success, and a
refusal that changes nothing), maker-checker as a message on the form, masking of accounts, the
month's amount with its explanation, the commune's monthly total, the household page's links and
timeline, the home page's work list, and the query counts of the list, case and monthly pages."""

import calendar
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from beneficiaries import changes, services
from beneficiaries.models import Case, CaseEvent, ChangeRequest, Document, HealthInsuranceCard, Suspension
from beneficiaries.services import CategoryChoice, PaymentDetails
from core.months import add_months, first_of_month
from households.models import HouseholdYearStatus
from tests.households.factories import make_household

TODAY = timezone.localdate()
THIS_MONTH = first_of_month(TODAY)
NEXT_MONTH = add_months(THIS_MONTH, 1)
# 72 in every month of this year (age in a month counts on its last day, after 15 January), so
# 5.5a pays 500,000 × 1.5 this month and, at 72 or 73, for the next 12 months.
ELDER_BORN = date(TODAY.year - 72, 1, 15)
CASH = PaymentDetails(method="cash")
BANK = PaymentDetails(method="bank", bank_bin="970405", account_number="0123456789", account_name="Lê Văn Thọ")
READERS = ["tandong_officer", "tandong_chair", "tandong_committee", "tayninh_province"]


@pytest.fixture
def client_for(client_for, settings):
    """Pages in English (the source strings), as the service messages are asserted."""

    def make(role_key: str):
        client = client_for(role_key)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded documents go to a temporary folder, not the checkout's .data/media."""
    settings.MEDIA_ROOT = tmp_path


def url(name, case=None, **kwargs):
    if case is not None:
        kwargs["case_uuid"] = case.uuid
    return reverse(f"beneficiaries:{name}", kwargs=kwargs)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def month_text(month: date) -> str:
    return f"{month:%Y-%m}"


@pytest.fixture
def home(units):
    """A poor household of Tân Đông: an elder (72), an adult and a child."""
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-AL1", members=(
        ("Lê Văn Thọ", "M", ELDER_BORN, "head"), ("Lê Thị Mai", "F", date(1985, 4, 2), "child"),
        ("Lê Minh Khôi", "M", date(2019, 8, 8), "grandchild"),
    ))  # fmt: skip
    HouseholdYearStatus.objects.create(household=household, year=TODAY.year, status="poor")
    return household


def member(household, name):
    return household.memberships.get(person__full_name=name).person


@pytest.fixture
def elder(home):
    return member(home, "Lê Văn Thọ")


def apply(person, commune, user, codes=("5.5a",), payment=BANK):
    return services.case_apply(
        person=person, commune=commune, categories=[CategoryChoice(code) for code in codes], applied_on=TODAY,
        payment=payment, acting_user=user,
    )  # fmt: skip


def verify(case, user):
    declarations = [text for row in case.categories.all() for text in row.category.declarations]
    return services.case_verify(case=case, confirmed=declarations, acting_user=user)


def decide(case, user):
    return services.case_decide(case=case, decision_number="12/QĐ-UBND", decision_date=TODAY, acting_user=user)


@pytest.fixture
def applied(elder, units, users):
    return apply(elder, units.tan_dong, users["tandong_officer"])


@pytest.fixture
def verified(applied, users):
    return verify(applied, users["tandong_officer"])


@pytest.fixture
def active(verified, users):
    return decide(verified, users["tandong_chair"])


def refreshed(case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- every page renders ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_reading_page_renders_for_each_role(role, client_for, active, applied, units):
    client = client_for(role)

    pages = [
        url("list"),
        url("list") + "?status=active&category=5.5a&payment_method=bank&q=thọ",
        url("list") + f"?q={active.person.national_id}",
        url("detail", active),
        url("monthly"),
        url("monthly") + f"?commune={units.tan_dong.code}&month={month_text(THIS_MONTH)}",
    ]
    for address in pages:
        assert client.get(address).status_code == 200, address


def test_a_case_waiting_for_verification_renders_its_checks_and_declarations(client_for, applied):
    page = page_of(client_for("tandong_committee").get(url("detail", applied)))

    assert 'data-testid="checks"' in page and "The household is poor" in page
    assert "No one obliged and entitled to support them" in page
    assert "Nothing is payable this month." in page  # not decided yet


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("tandong_officer", ["verify", "payment", "health_card", "document"]),
        ("tandong_chair", ["decide", "refuse", "suspend", "resume", "terminate", "transfer"]),
    ],
)
def test_action_pages_render_for_the_role_that_acts(role, names, client_for, applied):
    client = client_for(role)

    for name in names:
        assert client.get(url(name, applied)).status_code == 200, name
    if role == "tandong_officer":
        assert client.get(url("file")).status_code == 200


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("tandong_officer", ["decide", "refuse", "suspend", "resume", "terminate", "categories", "transfer"]),
        ("tandong_chair", ["verify", "payment", "health_card", "document", "file"]),
        ("tandong_committee", ["verify", "decide", "payment", "file"]),
        ("tayninh_province", ["verify", "decide", "refuse", "payment", "document", "file"]),
    ],
)
def test_action_pages_are_forbidden_to_other_roles(role, names, client_for, applied):
    client = client_for(role)

    for name in names:
        address = url(name) if name == "file" else url(name, applied)
        assert client.get(address).status_code == 403, name


def test_the_provincial_viewer_posting_a_decision_changes_nothing(client_for, verified):
    response = client_for("tayninh_province").post(
        url("decide", verified), {"decision_number": "1/QĐ", "decision_date": TODAY.isoformat()}
    )

    assert response.status_code == 403
    assert refreshed(verified).status == Case.Status.VERIFIED


def test_the_case_page_shows_only_the_actions_of_the_role_and_status(client_for, verified):
    officer_page = page_of(client_for("tandong_officer").get(url("detail", verified)))
    chair_page = page_of(client_for("tandong_chair").get(url("detail", verified)))
    viewer_page = page_of(client_for("tayninh_province").get(url("detail", verified)))

    assert url("decide", verified) in chair_page and url("verify", verified) not in chair_page
    assert url("decide", verified) not in officer_page and url("payment", verified) in officer_page
    assert 'data-testid="case-actions"' not in viewer_page


def test_the_nav_links_to_the_allowances(client_for, units):
    assert url("list") in page_of(client_for("tandong_committee").get(reverse("core:home")))


# --- filing ----------------------------------------------------------------------------------------


def file_post(**overrides):
    data = {
        "applied_on": TODAY.isoformat(), "categories": ["5.5a"], "dependent_children": "",
        "payment_method": "bank", "bank_bin": "970405", "account_number": "0123456789",
        "account_name": "Le Van Tho", "document_title": "", "national_id": "",
    }  # fmt: skip
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_officer_files_a_case_from_the_household_page_with_a_document(client_for, elder, home):
    client = client_for("tandong_officer")
    household_page = page_of(client.get(reverse("households:detail", kwargs={"household_uuid": home.uuid})))
    address = f"{url('file')}?person={elder.uuid}"
    assert address in household_page

    scan = SimpleUploadedFile("don.pdf", b"%PDF-1.4 application", content_type="application/pdf")
    response = client.post(address, file_post(document_title="Đơn đề nghị", document=scan))

    case = Case.objects.get(person=elder)
    assert response.status_code == 302 and response["Location"] == url("detail", case)
    assert case.status == Case.Status.APPLIED and case.commune_id == home.commune_id
    assert list(case.categories.values_list("category_id", flat=True)) == ["5.5a"]
    assert case.account_name == "LE VAN THO"
    assert list(Document.objects.filter(case=case).values_list("title", flat=True)) == ["Đơn đề nghị"]


def test_the_officer_files_a_case_for_a_single_parent_by_national_id(client_for, home):
    mother = member(home, "Lê Thị Mai")

    response = client_for("tandong_officer").post(
        url("file"), file_post(national_id=mother.national_id, categories=["5.4"], dependent_children="2",
                               payment_method="cash", bank_bin="", account_number="", account_name="")
    )  # fmt: skip

    case = Case.objects.get(person=mother)
    assert response.status_code == 302
    assert list(case.categories.values_list("category_id", "dependent_children")) == [("5.4", 2)]
    assert case.payment_method == "cash" and case.account_number == ""


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"categories": ["5.4"], "dependent_children": ""}, "5.4 needs the number of dependent children"),
        ({"bank_bin": ""}, "must be the bank&#x27;s 6-digit NAPAS BIN"),
        ({"applied_on": (TODAY + timedelta(days=3)).isoformat()}, "cannot be in the future"),
    ],
)
def test_filing_refused_by_the_service_saves_nothing(overrides, field_error, client_for, elder):
    response = client_for("tandong_officer").post(f"{url('file')}?person={elder.uuid}", file_post(**overrides))

    assert field_error in page_of(response)
    assert not Case.objects.exists()


def test_filing_by_a_national_id_outside_the_commune_is_refused(client_for, units):
    stranger = make_household(units.binh_minh, units.binh_minh_village, code="BM-1").head

    response = client_for("tandong_officer").post(url("file"), file_post(national_id=stranger.national_id))

    assert "no one with this national ID lives in your communes" in page_of(response)
    assert not Case.objects.exists()


def test_a_member_with_an_open_case_is_taken_to_it(client_for, applied, elder):
    response = client_for("tandong_officer").get(f"{url('file')}?person={elder.uuid}")

    assert response.status_code == 302 and response["Location"] == url("detail", applied)


def test_a_second_case_for_the_same_person_is_refused(client_for, applied, elder):
    response = client_for("tandong_officer").post(url("file"), file_post(national_id=elder.national_id))

    assert "already has an open case" in page_of(response)
    assert Case.objects.count() == 1


def test_filing_for_a_person_of_another_commune_is_404(client_for, units):
    stranger = make_household(units.binh_minh, units.binh_minh_village, code="BM-1").head

    assert client_for("tandong_officer").get(f"{url('file')}?person={stranger.uuid}").status_code == 404


# --- verification and decision ---------------------------------------------------------------------


def test_the_officer_verifies_after_confirming_the_declarations(client_for, applied):
    client = client_for("tandong_officer")
    declaration = "No one obliged and entitled to support them"

    refused = client.post(url("verify", applied), {"note": "visited"})
    assert "not confirmed" in page_of(refused)
    assert refreshed(applied).status == Case.Status.APPLIED

    response = client.post(url("verify", applied), {"confirmed": [declaration], "note": "visited"})

    case = refreshed(applied)
    assert response.status_code == 302
    assert case.status == Case.Status.VERIFIED and case.checklist["confirmed"] == [declaration]
    assert case.events.filter(kind=CaseEvent.Kind.VERIFIED).count() == 1


def test_the_chair_decides_and_the_case_page_shows_the_amount_and_why(client_for, verified):
    client = client_for("tandong_chair")

    response = client.post(url("decide", verified), {"decision_number": "125/QĐ-UBND",
                                                      "decision_date": TODAY.isoformat()})  # fmt: skip

    case = refreshed(verified)
    assert response.status_code == 302
    assert case.status == Case.Status.ACTIVE and case.start_month == THIS_MONTH
    page = page_of(client.get(url("detail", case)))
    assert f"{THIS_MONTH:%m/%Y}: 750,000 = 500,000 × 1.5 (5.5a, age 72)" in page
    assert 'data-testid="amount">750,000<' in page
    assert 'data-testid="projection"' in page and page.count("750,000 = 500,000 × 1.5") >= 12


def test_the_case_page_says_the_month_is_paid_rather_than_that_nothing_is_payable(client_for, active):
    Case.objects.filter(pk=active.pk).update(paid_through_month=THIS_MONTH)  # paid before the product

    page = page_of(client_for("tandong_officer").get(url("detail", active)))

    assert f"{THIS_MONTH:%m/%Y} is already paid: nothing more is owed for it." in page
    assert "Nothing is payable this month." not in page and 'data-testid="amount">' not in page


def test_the_case_page_counts_unpaid_earlier_months_as_arrears(client_for, active):
    Case.objects.filter(pk=active.pk).update(start_month=add_months(THIS_MONTH, -2))

    page = page_of(client_for("tandong_officer").get(url("detail", active)))

    assert 'data-testid="amount">2,250,000<' in page and "including 2 months of arrears" in page
    assert f"{add_months(THIS_MONTH, -2):%m/%Y}: 750,000" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"decision_number": " ", "decision_date": TODAY.isoformat()}, "is required"),
        ({"decision_number": "1/QĐ", "decision_date": (TODAY + timedelta(days=1)).isoformat()}, "must be a date"),
        ({"decision_number": "1/QĐ", "decision_date": (TODAY - timedelta(days=400)).isoformat()}, "cannot be before"),
    ],
)
def test_a_decision_refused_by_the_service_changes_nothing(data, error, client_for, verified):
    response = client_for("tandong_chair").post(url("decide", verified), data)

    assert error in page_of(response)
    assert refreshed(verified).status == Case.Status.VERIFIED


def test_maker_checker_is_a_message_on_the_form_not_a_403(client_for, verified, users):
    officer = users["tandong_officer"]
    officer.role = Role.COMMUNE_CHAIR  # the officer who verified the case became the chair
    officer.save(update_fields=["role"])

    response = client_for("tandong_officer").post(url("decide", verified), {"decision_number": "1/QĐ",
                                                                            "decision_date": TODAY.isoformat()})  # fmt: skip

    assert "another person must decide it" in page_of(response)
    assert refreshed(verified).status == Case.Status.VERIFIED


def test_the_chair_refuses_in_writing(client_for, verified):
    client = client_for("tandong_chair")

    assert "This field is required" in page_of(client.post(url("refuse", verified), {"reason": ""}))
    assert refreshed(verified).status == Case.Status.VERIFIED

    response = client.post(url("refuse", verified), {"reason": "Có con phụng dưỡng"})

    assert response.status_code == 302 and refreshed(verified).status == Case.Status.REFUSED


def test_refusing_an_active_case_is_refused(client_for, active):
    response = client_for("tandong_chair").post(url("refuse", active), {"reason": "x"})

    assert "this is not possible now" in page_of(response)
    assert refreshed(active).status == Case.Status.ACTIVE


# --- after the decision ----------------------------------------------------------------------------


def test_suspend_and_resume(client_for, active):
    client = client_for("tandong_chair")

    refused = client.post(url("suspend", active), {"from_month": month_text(add_months(THIS_MONTH, -1)),
                                                   "reason": "Không nhận 3 tháng"})  # fmt: skip
    assert "cannot be before the first month paid" in page_of(refused)
    assert refreshed(active).status == Case.Status.ACTIVE and not Suspension.objects.exists()

    client.post(url("suspend", active), {"from_month": month_text(NEXT_MONTH), "reason": "Không nhận 3 tháng"})
    assert refreshed(active).status == Case.Status.SUSPENDED

    refused = client.post(url("resume", active), {"from_month": month_text(NEXT_MONTH)})
    assert "must be after the month the suspension began" in page_of(refused)
    assert refreshed(active).status == Case.Status.SUSPENDED

    response = client.post(url("resume", active), {"from_month": month_text(add_months(NEXT_MONTH, 2)),
                                                   "pay_arrears": "on"})  # fmt: skip
    suspension = Suspension.objects.get()
    assert response.status_code == 302 and refreshed(active).status == Case.Status.ACTIVE
    assert (suspension.to_month, suspension.arrears_on_resume) == (add_months(NEXT_MONTH, 1), True)


def test_terminate(client_for, active):
    client = client_for("tandong_chair")

    refused = client.post(url("terminate", active), {"last_month": month_text(add_months(THIS_MONTH, -3)),
                                                     "reason": "Chuyển đi"})  # fmt: skip
    assert "cannot be before the first month paid" in page_of(refused)
    assert refreshed(active).status == Case.Status.ACTIVE

    response = client.post(url("terminate", active), {"last_month": month_text(THIS_MONTH), "reason": "Qua đời"})

    case = refreshed(active)
    assert response.status_code == 302
    assert (case.status, case.end_month) == (Case.Status.TERMINATED, THIS_MONTH)


def test_change_categories(client_for, active):
    """A change of categories is a request: the officer proposes it, the chair approves it."""
    officer, chair = client_for("tandong_officer"), client_for("tandong_chair")

    refused = officer.post(url("categories", active), {"categories": ["5.5c"], "from_month": month_text(THIS_MONTH),
                                                       "reason": "Bổ sung"})  # fmt: skip
    assert "must be after the first month paid" in page_of(refused)
    assert not ChangeRequest.objects.exists()

    response = officer.post(url("categories", active), {"categories": ["5.5a", "5.4"], "dependent_children": "1",
                                                        "from_month": month_text(NEXT_MONTH), "reason": "Nuôi cháu"})  # fmt: skip

    assert response.status_code == 302 and response["Location"] == url("detail", active)
    assert list(refreshed(active).categories.values_list("category_id", "dependent_children", "to_month")) == [
        ("5.5a", 0, None)
    ]
    change = ChangeRequest.objects.get()
    assert chair.post(reverse("beneficiaries:change_approve", kwargs={"request_uuid": change.uuid})).status_code == 302
    rows = set(refreshed(active).categories.values_list("category_id", "dependent_children", "from_month", "to_month"))
    assert rows == {("5.5a", 0, None, THIS_MONTH), ("5.5a", 0, NEXT_MONTH, None), ("5.4", 1, NEXT_MONTH, None)}


def test_transfer_to_another_commune(client_for, active, home, units, users):
    client = client_for("tandong_chair")
    # The family moved first: the case follows only to the commune that accepted them.
    from households.services import household_transfer, transfer_accept_household

    request = household_transfer(household=home, to_commune=units.binh_minh, transferred_on=TODAY,
                                 reason="Chuyển nhà", acting_user=users["tandong_officer"])  # fmt: skip
    transfer_accept_household(transfer=request, village=units.binh_minh_village, acting_user=users["binhminh_officer"])

    refused = client.post(url("transfer", active), {"to_commune": "99999", "last_month": month_text(THIS_MONTH),
                                                    "reason": "Chuyển nhà"})  # fmt: skip
    assert "no commune has this code" in page_of(refused)
    refused = client.post(url("transfer", active), {"to_commune": units.tan_dong.code,
                                                    "last_month": month_text(THIS_MONTH), "reason": "Chuyển nhà"})  # fmt: skip
    assert "is the same commune" in page_of(refused)
    assert refreshed(active).status == Case.Status.ACTIVE and Case.objects.count() == 1

    response = client.post(url("transfer", active), {"to_commune": units.binh_minh.code,
                                                     "last_month": month_text(THIS_MONTH), "reason": "Chuyển nhà"})  # fmt: skip

    assert response.status_code == 302 and response["Location"] == url("detail", active)
    assert refreshed(active).status == Case.Status.TRANSFERRED
    arriving = Case.objects.get(transferred_from=active)
    assert (arriving.commune_id, arriving.status) == (units.binh_minh.code, Case.Status.APPLIED)


def test_payment_change(client_for, applied):
    client = client_for("tandong_officer")

    refused = client.post(url("payment", applied), {"payment_method": "bank", "bank_bin": "970405",
                                                    "account_number": "12", "account_name": "X", "reason": "Đổi"})  # fmt: skip
    assert "must be 6 to 19 digits" in page_of(refused)
    assert refreshed(applied).account_number == "0123456789"

    response = client.post(url("payment", applied), {"payment_method": "cash", "reason": "Không có tài khoản"})

    assert response.status_code == 302 and refreshed(applied).payment_method == "cash"


def test_health_card(client_for, applied):
    client = client_for("tandong_officer")
    dates = {"valid_from": TODAY.isoformat(), "valid_to": (TODAY + timedelta(days=365)).isoformat()}

    refused = client.post(url("health_card", applied), {"number": "BT12", "group": "BT", **dates})
    assert "must be the card" in page_of(refused)
    assert not HealthInsuranceCard.objects.exists()

    response = client.post(url("health_card", applied), {"number": "BT2727200012345", "group": "BT", **dates})

    assert response.status_code == 302
    assert list(HealthInsuranceCard.objects.values_list("number", flat=True)) == ["BT2727200012345"]


def test_add_a_document(client_for, applied):
    client = client_for("tandong_officer")

    assert "This field is required" in page_of(client.post(url("document", applied), {"title": "Giấy xác nhận"}))
    assert not Document.objects.exists()

    scan = SimpleUploadedFile("xn.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(url("document", applied), {"title": "Giấy xác nhận", "file": scan})

    assert response.status_code == 302 and Document.objects.get().title == "Giấy xác nhận"
    assert "Giấy xác nhận" in page_of(client.get(url("detail", applied)))


# --- masking -----------------------------------------------------------------------------------------


def test_account_numbers_are_masked_for_the_provincial_viewer(client_for, applied):
    officer_list = page_of(client_for("tandong_officer").get(url("list")))
    viewer_list = page_of(client_for("tayninh_province").get(url("list")))
    viewer_case = page_of(client_for("tayninh_province").get(url("detail", applied)))

    assert "Agribank – 0123456789" in officer_list
    assert "0123456789" not in viewer_list and "Agribank – ••••6789" in viewer_list
    assert "0123456789" not in viewer_case and applied.person.national_id not in viewer_case


def test_the_amounts_explanation_generalises_a_health_category_for_a_reader_who_may_not_see_it(
    client_for, units, users
):
    """The explanation of this month's amount and of the projection named the category's code
    ("… (5.6s, age 76)"), which tells a severe disability; a masked reader reads it generalised."""
    person = make_household(units.tan_dong, units.tan_dong_village, code="TD-AL9",
                            members=(("Trương Văn Chín", "M", date(1950, 1, 1), "head"),)).head  # fmt: skip
    case = decide(verify(apply(person, units.tan_dong, users["tandong_officer"], codes=("5.6s",)),
                         users["tandong_officer"]), users["tandong_chair"])  # fmt: skip

    officer = page_of(client_for("tandong_officer").get(url("detail", case)))
    viewer = page_of(client_for("tayninh_province").get(url("detail", case)))

    assert "(5.6s, age" in officer
    assert "5.6s" not in viewer
    assert "(health-related category, age" in viewer


# --- the commune's monthly total --------------------------------------------------------------------


def test_the_monthly_total_is_explained_by_category(client_for, units, users, active):
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    oldest = make_household(units.tan_dong, units.tan_dong_village, code="TD-AL2",
                            members=(("Phan Thị Lựu", "F", date(TODAY.year - 85, 3, 3), "head"),)).head  # fmt: skip
    HouseholdYearStatus.objects.create(household=oldest.memberships.get().household, year=TODAY.year, status="poor")
    decide(verify(apply(oldest, units.tan_dong, officer, payment=CASH), officer), chair)
    mother = make_household(units.tan_dong, units.tan_dong_village, code="TD-AL3",
                            members=(("Võ Thị Sen", "F", date(1990, 1, 1), "head"),)).head  # fmt: skip
    case = services.case_apply(person=mother, commune=units.tan_dong, categories=[CategoryChoice("5.4", 2)],
                               applied_on=TODAY, payment=CASH, acting_user=officer)  # fmt: skip
    decide(verify(case, officer), chair)

    page = page_of(client_for("tandong_chair").get(url("monthly") + f"?commune={units.tan_dong.code}"))

    assert "500,000 × 1.5 = 750,000" in page and "500,000 × 2.0 = 1,000,000" in page
    assert "500,000 × 1.0 = 500,000 per child" in page
    assert 'data-testid="total-people">3<' in page
    assert 'data-testid="total-amount">2,750,000<' in page  # 750,000 + 1,000,000 + 2 × 500,000
    assert 'data-testid="bank-amount">750,000<' in page


def test_the_monthly_total_of_another_commune_is_404(client_for, units):
    response = client_for("binhminh_officer").get(url("monthly") + f"?commune={units.tan_dong.code}")

    assert response.status_code == 404


# --- household page and home page -------------------------------------------------------------------


def test_the_household_timeline_shows_the_case_events(client_for, active, home):
    page = page_of(client_for("tandong_committee").get(reverse("households:detail",
                                                               kwargs={"household_uuid": home.uuid})))  # fmt: skip

    assert "Decided by the chair: Lê Văn Thọ" in page and "Decision 12/QĐ-UBND" in page
    assert 'data-testid="allowance-links"' not in page  # only officers file cases


def test_the_work_list_follows_the_case(client_for, applied, users):
    officer, chair = client_for("tandong_officer"), client_for("tandong_chair")

    assert "Allowance cases waiting for your verification" in page_of(officer.get(reverse("core:home")))
    verify(applied, users["tandong_officer"])
    officer_home = page_of(officer.get(reverse("core:home")))
    assert "waiting for your verification" not in officer_home
    assert "Allowance cases waiting for the chair&#x27;s decision" in officer_home
    assert "Allowance cases waiting for your decision" in page_of(chair.get(reverse("core:home")))
    decide(applied, users["tandong_chair"])
    assert "decision" not in page_of(officer.get(reverse("core:home"))).split("Today")[1].split("Your units")[0]


def test_the_work_list_warns_of_band_changes_and_expiring_cards(client_for, units, users, active):
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    last_day = calendar.monthrange(NEXT_MONTH.year - 80, NEXT_MONTH.month)[1]
    turning = make_household(units.tan_dong, units.tan_dong_village, code="TD-AL4", members=(
        ("Đặng Văn Tám", "M", date(NEXT_MONTH.year - 80, NEXT_MONTH.month, last_day), "head"),
    )).head  # fmt: skip
    HouseholdYearStatus.objects.create(household=turning.memberships.get().household, year=TODAY.year, status="poor")
    decide(verify(apply(turning, units.tan_dong, officer), officer), chair)
    services.health_card_record(person=active.person, number="BT2727200012345", group="BT",
                                valid_from=TODAY - timedelta(days=300), valid_to=TODAY + timedelta(days=10),
                                acting_user=officer)  # fmt: skip
    client = client_for("tandong_officer")

    home_page = page_of(client.get(reverse("core:home")))
    turning_list = page_of(client.get(url("list") + "?status=active&turning=80"))
    cards_list = page_of(client.get(url("list") + "?cards=expiring"))

    assert f"Beneficiaries turning 80 in {NEXT_MONTH:%m/%Y}" in home_page
    assert "health-insurance cards expiring within 30 days" in home_page
    assert "Đặng Văn Tám" in turning_list and "Lê Văn Thọ" not in turning_list
    assert "Lê Văn Thọ" in cards_list and "Đặng Văn Tám" not in cards_list


def test_the_committee_member_and_the_viewer_get_no_allowance_work(client_for, applied):
    assert "Allowance cases" not in page_of(client_for("tandong_committee").get(reverse("core:home")))


# --- query counts ------------------------------------------------------------------------------------


def _more_cases(units, users, count):
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    for number in range(count):
        person = make_household(units.tan_dong, units.tan_dong_village, code=f"TD-Q{number:03d}",
                                members=((f"Trương Văn {number}", "M", date(1950, 1, 1), "head"),)).head  # fmt: skip
        case = apply(person, units.tan_dong, officer, codes=("5.5c", "5.6s") if number % 2 else ("5.5a",))
        if number % 3:
            decide(verify(case, officer), chair)


@pytest.mark.parametrize("extra", [0, 12])
def test_case_list_query_count_is_fixed(extra, client_for, units, users, applied, django_assert_num_queries):
    _more_cases(units, users, extra)
    client = client_for("tandong_officer")
    client.get(url("list"))
    # session, user, the user's commune codes, categories and villages (filter form), the cases of
    # the page (+person, commune, village and household), their current categories, the access-log
    # row naming the page's persons (1), then the sliding session save (3) = 11, whatever the
    # number of cases.
    with django_assert_num_queries(11):
        client.get(url("list"))


@pytest.mark.parametrize("extra", [0, 12])
def test_monthly_total_query_count_is_fixed(extra, client_for, units, users, active, django_assert_num_queries):
    _more_cases(units, users, extra)
    client = client_for("tandong_chair")
    address = url("monthly") + f"?commune={units.tan_dong.code}"
    client.get(address)
    # session, user, commune codes, the commune, the communes of the form, payment methods, the
    # engine (base levels, bands, cases, persons with several cases, categories, suspensions, months
    # paid by runs), category names, then the sliding session save (3).
    with django_assert_num_queries(16):
        client.get(address)


@pytest.mark.parametrize("extra", [0, 12])
def test_case_page_query_count_is_fixed(extra, client_for, units, users, active, django_assert_num_queries):
    _more_cases(units, users, extra)
    for number in range(3):
        change = changes.change_request_create(
            case=active, kind="payment", proposal=CASH, reason=f"lần {number}", acting_user=users["tandong_officer"]
        )
        if number < 2:
            changes.change_request_reject(change_request=change, reason="Không", acting_user=users["tandong_chair"])
    client = client_for("tandong_officer")
    client.get(url("detail", active))
    # session, user, commune codes, the case (+person, commune, province, users), the household,
    # categories, base levels and bands (once for the month and the projection), the engine's
    # cases, persons with several cases, categories, suspensions and months paid by runs, the
    # projection's categories, suspensions, events, documents, health cards, the change requests
    # (+maker, decider), the payment history (disbursements' case_payments tag: the case's run lines
    # with their runs, one query), the access-log row (1), then the sliding session save (3).
    with django_assert_num_queries(24):
        client.get(url("detail", active))
