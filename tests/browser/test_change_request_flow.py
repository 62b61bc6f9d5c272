"""A change of bank account as the officer and the chair click it (Vietnamese UI, issue 14).

The officer proposes a new bank account for an active case: the case keeps its account and shows
the request waiting. The chair finds it on the home page's work list, opens it (old → new, the
changed account highlighted) and approves it; the case page then shows the new account, and the
history of the request names who asked and who decided. A correction of her date of birth goes
the same way (the household page's edit refuses it). Pages are located by their addresses and test
ids, so the flow holds whether or not a label is translated yet.
"""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from beneficiaries import services
from beneficiaries.models import Case, ChangeRequest
from beneficiaries.rule_data import load_rules
from beneficiaries.services import CategoryChoice, PaymentDetails
from geography.models import Commune
from tests.households.factories import make_household

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
WAITING_FOR_APPROVAL = "main a[href='/allowances/changes/']"


@pytest.fixture
def active_case(demo) -> Case:
    """An elder of Tân Đông paid into her account, decided today by the chair."""
    load_rules()
    commune = Commune.objects.get(code="25522")
    officer, chair = User.objects.get(username="tandong.officer"), User.objects.get(username="tandong.chair")
    elder = make_household(commune, commune.villages.get(name="Ấp Đông Hà"), code="TD-CHANGE-1", members=(
        ("Phạm Thị Gấm", "F", date(1944, 5, 5), "head"),
    )).head  # fmt: skip
    account = PaymentDetails(method="bank", bank_bin="970436", account_number="0123456789", account_name="PHAM THI GAM")
    case = services.case_apply(person=elder, commune=commune, categories=[CategoryChoice("5.5c")], applied_on=TODAY,
                               payment=account, acting_user=officer)  # fmt: skip
    confirmed = [text for row in case.categories.select_related("category") for text in row.category.declarations]
    services.case_verify(case=case, confirmed=confirmed, acting_user=officer)
    return services.case_decide(case=case, decision_number="301/QĐ-UBND", decision_date=TODAY, acting_user=chair)


def test_officer_proposes_a_new_account_and_the_chair_approves_it(active_case, login, live_server, page):
    case_url = f"{live_server.url}/allowances/{active_case.uuid}/"

    # The officer proposes the new account from the case page.
    page = login("tandong.officer")
    page.goto(case_url)
    page.locator(f"a[href='/allowances/{active_case.uuid}/payment/']").click()
    expect(page.get_by_test_id("action-intro")).to_be_visible()
    page.locator("input[name='payment_method'][value='bank']").check()
    page.locator("[name='bank_bin']").select_option("970415")  # banks are chosen by name; the BIN is stored
    page.locator("[name='account_number']").fill("9988776655")
    page.locator("[name='account_name']").fill("Phạm Thị Gấm")
    page.locator("[name='reason']").fill("Tài khoản cũ bị khoá, bà Gấm mở tài khoản mới")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_test_id("pending-change")).to_contain_text("9988776655")
    active_case.refresh_from_db()
    assert active_case.account_number == "0123456789"  # nothing changes before the chair approves
    change = ChangeRequest.objects.get(case=active_case)

    # The chair sees it on the home page's work list and approves it.
    page.context.clear_cookies()
    page = login("tandong.chair")
    page.goto(f"{live_server.url}/")
    page.locator(WAITING_FOR_APPROVAL).click()
    page.locator(f"main a[href='/allowances/changes/{change.uuid}/']").click()
    expect(page.locator("[data-testid='change-lines'] tr[data-changed='account']")).to_have_count(3)
    expect(page.get_by_test_id("change-who")).to_contain_text("Nguyễn Thị Hiếu Trang")
    page.get_by_test_id("approve").click()

    # The case page shows the new account and the history of the request.
    expect(page).to_have_url(case_url)
    expect(page.get_by_test_id("person")).to_contain_text("VietinBank – 9988776655")
    expect(page.get_by_test_id("pending-change")).to_have_count(0)
    history = page.get_by_test_id("change-history")
    expect(history).to_contain_text("Nguyễn Thị Hiếu Trang")
    expect(history).to_contain_text("Lê Minh Hùng")
    expect(history).to_contain_text("Tài khoản cũ bị khoá")
    expect(page.get_by_test_id("events")).to_contain_text("VietinBank – ••••6655")
    active_case.refresh_from_db()
    assert (active_case.bank_bin, active_case.account_number, active_case.account_name) == (
        "970415", "9988776655", "PHẠM THỊ GẤM"
    )  # fmt: skip
    page.goto(f"{live_server.url}/")
    expect(page.locator(WAITING_FOR_APPROVAL)).to_have_count(0)


def test_a_date_of_birth_the_registry_refuses_is_proposed_on_the_case_and_approved(
    active_case, login, live_server, page
):
    """Bà Gấm's birth certificate says 5 January 1944, the registry 5 May 1944. The officer tries
    the household page's edit (refused: she has a case, the message says where to go), proposes the
    date on the case instead, and the chair approves it; only then does the registry change."""
    case_url = f"{live_server.url}/allowances/{active_case.uuid}/"
    membership = active_case.person.memberships.get()
    household_url = f"{live_server.url}/households/{membership.household.uuid}/"

    # The household page's edit refuses the new date and points to the case.
    page = login("tandong.officer")
    page.goto(household_url)
    row = page.locator(f"#member-{membership.pk}")
    row.get_by_role("button").click()
    row.locator("button.dropdown-item").first.click()
    form = page.get_by_test_id("member-edit-form")
    form.locator("[name$='date_of_birth']").fill("05/01/1944")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("member-edit-form")).to_contain_text("Đề nghị điều chỉnh ngày sinh")
    active_case.person.refresh_from_db()
    assert active_case.person.date_of_birth == date(1944, 5, 5)

    # On the case page the officer proposes it.
    page.goto(case_url)
    page.locator(f"a[href='/allowances/{active_case.uuid}/birth-date/']").click()
    expect(page.get_by_test_id("action-intro")).to_be_visible()
    page.locator("[name='date_of_birth']").fill("05/01/1944")
    page.locator("[name='reason']").fill("Theo giấy khai sinh của bà Gấm")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_test_id("pending-change")).to_contain_text("05/01/1944")
    expect(page.get_by_test_id("person")).to_contain_text("05/05/1944")
    change = ChangeRequest.objects.get(case=active_case, kind="birth_date")

    # The chair approves it from the work list; the case page then shows the corrected date.
    page.context.clear_cookies()
    page = login("tandong.chair")
    page.goto(f"{live_server.url}/")
    page.locator(WAITING_FOR_APPROVAL).click()
    page.locator(f"main a[href='/allowances/changes/{change.uuid}/']").click()
    expect(page.get_by_test_id("change-lines")).to_contain_text("05/05/1944")
    expect(page.get_by_test_id("change-effect")).to_be_visible()
    page.get_by_test_id("approve").click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_test_id("person")).to_contain_text("05/01/1944")
    expect(page.get_by_test_id("events")).to_contain_text("05/05/1944 → 05/01/1944")
    active_case.person.refresh_from_db()
    assert active_case.person.date_of_birth == date(1944, 1, 5)
