"""Changes that move money are maker-checker (issue 14, finding 3): an active case's payment
details, categories and months change only when a commune chair who did not ask approves the
request. Each door is tried as an insider would, with the money tables snapshotted before and
after; then the honest path, with the engine's and the payment run's amounts asserted exactly.

The clock is frozen on 10 July 2026. The elder (born 30 September 1945) is 80 all year, so 5.5a
pays 500,000 × 2.0 = 1,000,000 a month; her case is decided on 20 March 2026 and paid by bank."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role
from beneficiaries import changes, selectors, services
from beneficiaries.entitlement import compute
from beneficiaries.models import Case, CaseCategory, CaseEvent, ChangeRequest
from beneficiaries.services import CategoryChoice, PaymentDetails
from disbursements import services as run_services
from disbursements.models import PaidMonth, Run, RunBatch, RunLine
from tests.beneficiaries.conftest import BANK, move_household
from tests.factories import UserFactory
from tests.households.factories import make_household

NOW = datetime(2026, 7, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
JULY = date(2026, 7, 1)
NEW_ACCOUNT = PaymentDetails(method="bank", bank_bin="970415", account_number="9988776655", account_name="Trần  Văn Kế")
OLD_ACCOUNT_FIELDS = ("bank", "970436", "0123456789", "NGUYEN VAN AN")
NEW_ACCOUNT_FIELDS = ("bank", "970415", "9988776655", "TRẦN VĂN KẾ")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def bank_case(family, units, officer, chair) -> Case:
    """The elder's 5.5a case, paid into her bank account, active from March 2026."""
    case = services.case_apply(
        person=family.elder, commune=units.tan_dong, categories=[CategoryChoice("5.5a")], applied_on=date(2026, 3, 2),
        payment=BANK, acting_user=officer,
    )  # fmt: skip
    confirmed = [text for row in case.categories.select_related("category") for text in row.category.declarations]
    services.case_verify(case=case, confirmed=confirmed, acting_user=officer)
    return services.case_decide(case=case, decision_number="15/QĐ-UBND", decision_date=date(2026, 3, 20),
                                acting_user=chair)  # fmt: skip


@pytest.fixture
def vice_chair(units):
    """A second commune chair of Tân Đông (a vice-chair signs decisions too)."""
    return UserFactory(username="tandong.vicechair", role=Role.COMMUNE_CHAIR, communes=[units.tan_dong])


@pytest.fixture
def binh_minh_chair(units):
    return UserFactory(username="binhminh.chair", role=Role.COMMUNE_CHAIR, communes=[units.binh_minh])


def money_state() -> dict:
    """Every row a change of a case, a request or a run may write."""
    return {
        "cases": list(Case.objects.order_by("pk").values_list(
            "pk", "status", "start_month", "end_month", "paid_through_month", "payment_method", "bank_bin",
            "account_number", "account_name", "updated_at",
        )),
        "categories": list(CaseCategory.objects.order_by("pk").values_list(
            "pk", "case", "category", "dependent_children", "from_month", "to_month"
        )),
        "requests": list(ChangeRequest.objects.order_by("pk").values_list(
            "pk", "status", "proposed", "before", "decided_by", "decided_at", "decision_note"
        )),
        "events": list(CaseEvent.objects.order_by("pk").values_list("pk", "kind", "data")),
        "runs": list(Run.objects.order_by("pk").values_list("pk", "status", "total_amount")),
        "lines": list(RunLine.objects.order_by("pk").values_list("pk", "amount", "account_number")),
        "paid": list(PaidMonth.objects.order_by("pk").values_list("pk")),
    }  # fmt: skip


def refused(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def request(case, kind, proposal, maker, reason="Người hưởng đề nghị") -> ChangeRequest:
    return changes.change_request_create(case=case, kind=kind, proposal=proposal, reason=reason, acting_user=maker)


def approve(change, checker) -> ChangeRequest:
    return changes.change_request_approve(change_request=change, acting_user=checker)


def account(case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    return (case.payment_method, case.bank_bin, case.account_number, case.account_name)


def owed(case, month=JULY) -> list[tuple[int, int]]:
    """(month number, amount) of every month the engine owes the case for ``month``."""
    return [(line.month.month, line.amount) for line in compute([case.pk], month)[case.pk].months]


def prepare_run(commune, month, officer) -> Run:
    """A payment run computed in process, as the workers would (disbursements' demo ``_prepare``)."""
    run = run_services.run_prepare(commune=commune, month=month, acting_user=officer, enqueue=False)
    for low, high in RunBatch.objects.filter(run=run, generation=run.generation).values_list("low", "high"):
        run_services.batch_prepare(run.pk, run.generation, low, high)
    run.refresh_from_db()
    return run


def run_lines(run) -> list[tuple]:
    return list(run.lines.values_list("months", "amount", "payment_method", "bank_bin", "account_number",
                                      "account_name"))  # fmt: skip


def events(case) -> list[tuple]:
    return list(case.events.order_by("pk").values_list("kind", "actor__username", "reason", "data"))


def url(name, **kwargs) -> str:
    return reverse(f"beneficiaries:{name}", kwargs=kwargs)


FIVE_MONTHS = ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]


# --- the insider's door ------------------------------------------------------------------------------


def test_an_officer_alone_cannot_send_an_active_case_s_money_to_another_account(bank_case, officer, units, client_for):
    before = money_state()

    response = client_for("tandong_officer", language="en").post(
        url("payment", case_uuid=bank_case.uuid),
        {"payment_method": "bank", "bank_bin": "970415", "account_number": "9988776655", "account_name": "Trần Văn Kế",
         "reason": "Đổi tài khoản"},
        follow=True,
    )  # fmt: skip

    assert "Change sent to the chair for approval" in response.content.decode()
    after = money_state()
    assert (after["cases"], after["categories"]) == (before["cases"], before["categories"])
    assert account(bank_case) == OLD_ACCOUNT_FIELDS
    change = ChangeRequest.objects.get()
    assert (change.case_id, change.kind, change.status, change.requested_by, change.proposed, change.before) == (
        bank_case.pk, "payment", "pending", officer,
        {"payment_method": "bank", "bank_bin": "970415", "account_number": "9988776655", "account_name": "TRẦN VĂN KẾ"},
        {"payment_method": "bank", "bank_bin": "970436", "account_number": "0123456789", "account_name": "NGUYEN VAN AN"},
    )  # fmt: skip
    # The run computed afterwards pays the account the case had: the request changed nothing yet.
    run = prepare_run(units.tan_dong, JULY, officer)
    assert run_lines(run) == [(FIVE_MONTHS, 5_000_000, *OLD_ACCOUNT_FIELDS)]


def test_the_chair_s_approval_applies_exactly_the_change_and_names_both(bank_case, officer, chair, units):
    change = request(bank_case, "payment", NEW_ACCOUNT, officer, reason="Đổi tài khoản")
    before = Case.objects.filter(pk=bank_case.pk).values().get()
    rows_before = money_state()["categories"]

    approve(change, chair)

    after = Case.objects.filter(pk=bank_case.pk).values().get()
    changed = {name for name in after if after[name] != before[name]}
    # (the clock is frozen: updated_at too; the account's keyed hash follows it, privacy.fields)
    assert changed == {"bank_bin", "account_number", "account_hash", "account_name"}
    assert account(bank_case) == NEW_ACCOUNT_FIELDS
    assert money_state()["categories"] == rows_before
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decided_at, change.decision_note) == ("approved", chair, NOW, "")
    assert events(bank_case)[-2:] == [
        ("change_requested", "tandong.officer", "Đổi tài khoản",
         {"request": str(change.uuid), "change": "payment", "before": "Vietcombank – ••••6789", "after": "VietinBank – ••••6655"}),
        ("payment_changed", "tandong.chair", "Đổi tài khoản",
         {"before": "Vietcombank – ••••6789", "after": "VietinBank – ••••6655", "request": str(change.uuid),
          "requested_by": "tandong.officer", "approved_by": "tandong.chair"}),
    ]  # fmt: skip
    run = prepare_run(units.tan_dong, JULY, officer)
    assert run_lines(run) == [(FIVE_MONTHS, 5_000_000, *NEW_ACCOUNT_FIELDS)]


@pytest.mark.parametrize("maker_key", ["officer", "chair"])
def test_the_maker_cannot_approve_or_reject_their_own_request(maker_key, bank_case, officer, chair, vice_chair):
    maker = {"officer": officer, "chair": chair}[maker_key]
    change = request(bank_case, "payment", NEW_ACCOUNT, maker)
    before = money_state()

    with pytest.raises(PermissionDenied):
        approve(change, maker)
    with pytest.raises(PermissionDenied):
        changes.change_request_reject(change_request=change, reason="Không", acting_user=maker)

    assert money_state() == before
    assert changes.change_request_actions(change_request=change, user=maker) == {"withdraw"}
    assert changes.change_request_actions(change_request=change, user=vice_chair) == {"approve", "reject"}
    approve(change, vice_chair)  # another chair of the commune may
    assert account(bank_case) == NEW_ACCOUNT_FIELDS


def test_the_maker_s_approval_by_post_is_forbidden_and_changes_nothing(bank_case, chair, client_for):
    client = client_for("tandong_chair")
    client.post(url("categories", case_uuid=bank_case.uuid), {"categories": ["5.5d"], "from_month": "2026-06",
                                                              "reason": "Có người nhận chăm sóc"})  # fmt: skip
    change = ChangeRequest.objects.get(requested_by=chair)
    before = money_state()

    response = client.post(url("change_approve", request_uuid=change.uuid))

    assert response.status_code == 403
    assert money_state() == before
    assert 'data-testid="approve"' not in client.get(url("change_detail", request_uuid=change.uuid)).content.decode()


def test_a_chair_of_another_commune_is_refused(bank_case, officer, binh_minh_chair, client):
    change = request(bank_case, "payment", NEW_ACCOUNT, officer)
    before = money_state()

    with pytest.raises(PermissionDenied):
        approve(change, binh_minh_chair)
    with pytest.raises(PermissionDenied):
        changes.change_request_reject(change_request=change, reason="Không", acting_user=binh_minh_chair)
    client.force_login(binh_minh_chair)
    assert client.get(url("change_detail", request_uuid=change.uuid)).status_code == 404
    assert client.post(url("change_approve", request_uuid=change.uuid)).status_code == 404
    assert client.post(url("change_reject", request_uuid=change.uuid), {"reason": "Không"}).status_code == 404
    assert client.get(url("payment", case_uuid=bank_case.uuid)).status_code == 404

    assert money_state() == before
    assert changes.change_request_actions(change_request=change, user=binh_minh_chair) == frozenset()


def test_approving_after_the_case_changed_meanwhile_is_refused_and_writes_nothing(bank_case, officer, chair):
    change = request(bank_case, "payment", NEW_ACCOUNT, officer)
    # Meanwhile another door (an import, say) rewrites the account the request was made against.
    Case.objects.filter(pk=bank_case.pk).update(account_number="5555666677")
    before = money_state()

    assert refused(approve, change=change, checker=chair) == {
        "__all__": [
            "The case has changed since this request was made; reject it and make a new request if still needed."
        ]
    }
    assert money_state() == before
    assert account(bank_case) == ("bank", "970436", "5555666677", "NGUYEN VAN AN")


def test_a_request_no_longer_valid_once_another_is_approved_is_refused(bank_case, officer, chair):
    from_april = request(bank_case, "categories", changes.CategoryChange([CategoryChoice("5.5d")], date(2026, 4, 1)),
                         officer)  # fmt: skip
    approve(request(bank_case, "months", changes.MonthsChange(date(2026, 5, 1)), officer), chair)
    before = money_state()

    # From April is no longer after the first month paid (now May).
    assert refused(approve, change=from_april, checker=chair) == {"from_month": ["must be after the first month paid"]}
    assert money_state() == before


def test_approving_a_request_that_is_no_longer_pending_is_refused(bank_case, officer, chair, vice_chair):
    change = request(bank_case, "payment", NEW_ACCOUNT, officer)
    approve(change, chair)
    before = money_state()

    assert refused(approve, change=change, checker=vice_chair) == {
        "status": ["This request is “Approved”; this is not possible now."]
    }
    assert money_state() == before


# --- who may ask ----------------------------------------------------------------------------------------


def test_the_committee_member_the_viewer_and_another_commune_cannot_ask(bank_case, users):
    before = money_state()

    for key in ("tandong_committee", "tayninh_province", "binhminh_officer", "hcm_province"):
        with pytest.raises(PermissionDenied):
            request(bank_case, "payment", NEW_ACCOUNT, users[key])
        assert changes.case_change_options(case=bank_case, user=users[key]) == {}
    assert money_state() == before


def test_what_each_role_may_change_depends_on_the_case_s_status(bank_case, family, units, users):
    applied = services.case_apply(person=family.adult, commune=units.tan_dong, categories=[CategoryChoice("5.8")],
                                  applied_on=date(2026, 7, 1), payment=BANK, acting_user=users["tandong_officer"])  # fmt: skip
    requests = {"payment": "request", "categories": "request", "months": "request", "birth_date": "request"}

    assert changes.case_change_options(case=bank_case, user=users["tandong_officer"]) == requests
    assert changes.case_change_options(case=bank_case, user=users["tandong_chair"]) == requests
    assert changes.case_change_options(case=applied, user=users["tandong_officer"]) == {"payment": "direct"}
    assert changes.case_change_options(case=applied, user=users["tandong_chair"]) == {}


def test_a_case_has_at_most_one_pending_request_of_a_kind(bank_case, officer, chair):
    request(bank_case, "payment", NEW_ACCOUNT, officer)
    other = PaymentDetails(method="cash")

    assert refused(request, case=bank_case, kind="payment", proposal=other, maker=chair) == {
        "__all__": [
            "This case already has a request of this kind waiting for the chair: withdraw it or wait for the decision."
        ]
    }
    request(bank_case, "months", changes.MonthsChange(date(2026, 2, 1)), chair)  # another kind may wait beside it
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        ChangeRequest.objects.create(case=bank_case, kind="payment", proposed={}, before={}, reason="x",
                                     requested_by=officer)  # fmt: skip
    assert ChangeRequest.objects.filter(status="pending").count() == 2


def test_a_request_is_validated_like_the_change_itself(bank_case, officer):
    before = money_state()
    bad = PaymentDetails(method="bank", bank_bin="1", account_number="x", account_name="")

    assert refused(request, case=bank_case, kind="payment", proposal=bad, maker=officer, reason=" ") == {
        "bank_bin": ["must be the bank's 6-digit NAPAS BIN"],
        "account_number": ["must be 6 to 19 digits"],
        "account_name": ["is required for a bank account"],
        "reason": ["is required"],
    }
    same = PaymentDetails(method="bank", bank_bin="970436", account_number="0123456789", account_name="Nguyen Van An")
    assert refused(request, case=bank_case, kind="payment", proposal=same, maker=officer) == {
        "__all__": ["Nothing would change: these are the case's values."]
    }
    assert refused(request, case=bank_case, kind="categories", maker=officer,
                   proposal=changes.CategoryChange([CategoryChoice("5.4")], date(2026, 6, 1))) == {
        "dependent_children": ["5.4 needs the number of dependent children"]
    }  # fmt: skip
    assert money_state() == before


# --- the honest paths, with the engine's amounts ---------------------------------------------------------


def test_a_change_of_categories_takes_effect_only_on_approval(bank_case, officer, chair):
    assert owed(bank_case) == [(3, 1_000_000), (4, 1_000_000), (5, 1_000_000), (6, 1_000_000), (7, 1_000_000)]
    # From June she also raises her two grandchildren alone (5.4: 500,000 × 1.0 per child).
    change = request(bank_case, "categories",
                     changes.CategoryChange([CategoryChoice("5.5a"), CategoryChoice("5.4", 2)], date(2026, 6, 15)),
                     officer, reason="Nuôi hai cháu mồ côi")  # fmt: skip

    assert owed(bank_case) == [(3, 1_000_000), (4, 1_000_000), (5, 1_000_000), (6, 1_000_000), (7, 1_000_000)]
    assert changes.change_request_effect(change, JULY) == (5_000_000, 7_000_000)
    assert list(bank_case.categories.values_list("category", "from_month", "to_month")) == [("5.5a", None, None)]

    approve(change, chair)

    assert owed(bank_case) == [(3, 1_000_000), (4, 1_000_000), (5, 1_000_000), (6, 2_000_000), (7, 2_000_000)]
    assert list(bank_case.categories.order_by("pk").values_list("category", "dependent_children", "from_month",
                                                                "to_month")) == [
        ("5.5a", 0, None, date(2026, 5, 1)), ("5.5a", 0, date(2026, 6, 1), None), ("5.4", 2, date(2026, 6, 1), None),
    ]  # fmt: skip
    assert events(bank_case)[-1] == (
        "category_changed", "tandong.chair", "Nuôi hai cháu mồ côi",
        {"from_month": "2026-06-01", "before": [["5.5a", 0]], "after": [["5.5a", 0], ["5.4", 2]],
         "request": str(change.uuid), "requested_by": "tandong.officer", "approved_by": "tandong.chair"},
    )  # fmt: skip


def test_a_correction_of_months_takes_effect_only_on_approval(bank_case, officer, chair):
    # The decision was in fact signed in January; January was paid on paper before the product.
    change = request(bank_case, "months", changes.MonthsChange(date(2026, 1, 20), date(2026, 1, 1)), officer,
                     reason="Quyết định ký tháng 01")  # fmt: skip

    assert change.proposed == {"start_month": "2026-01-01", "paid_through_month": "2026-01-01"}
    assert owed(bank_case) == [(3, 1_000_000), (4, 1_000_000), (5, 1_000_000), (6, 1_000_000), (7, 1_000_000)]
    assert changes.change_request_effect(change, JULY) == (5_000_000, 6_000_000)
    assert (Case.objects.get(pk=bank_case.pk).start_month, Case.objects.get(pk=bank_case.pk).paid_through_month) == (
        date(2026, 3, 1), None
    )  # fmt: skip

    approve(change, chair)

    case = Case.objects.get(pk=bank_case.pk)
    assert (case.start_month, case.paid_through_month) == (date(2026, 1, 1), date(2026, 1, 1))
    assert owed(bank_case) == [(2, 1_000_000), (3, 1_000_000), (4, 1_000_000), (5, 1_000_000), (6, 1_000_000),
                               (7, 1_000_000)]  # fmt: skip
    assert events(bank_case)[-1] == (
        "months_changed", "tandong.chair", "Quyết định ký tháng 01",
        {"before": {"start_month": "2026-03-01", "paid_through_month": None},
         "after": {"start_month": "2026-01-01", "paid_through_month": "2026-01-01"},
         "request": str(change.uuid), "requested_by": "tandong.officer", "approved_by": "tandong.chair"},
    )  # fmt: skip


def test_months_that_make_no_sense_are_refused(bank_case, officer, chair):
    services.case_terminate(case=bank_case, last_month=date(2026, 5, 1), reason="Chuyển đi", acting_user=chair)
    before = money_state()

    assert refused(request, case=bank_case, kind="months", maker=officer,
                   proposal=changes.MonthsChange(date(2026, 6, 1), date(2026, 8, 1))) == {
        "start_month": ["cannot be after the last month paid"],
        "paid_through_month": ["cannot be in the future"],
    }  # fmt: skip
    assert refused(request, case=bank_case, kind="months", maker=officer,
                   proposal=changes.MonthsChange(date(2026, 3, 1))) == {
        "__all__": ["Nothing would change: these are the case's values."]
    }  # fmt: skip
    assert money_state() == before


def test_a_start_month_is_not_after_the_month_of_death(bank_case, family, officer):
    type(family.elder).objects.filter(pk=family.elder.pk).update(date_of_death=date(2026, 4, 18))

    assert refused(request, case=bank_case, kind="months", maker=officer,
                   proposal=changes.MonthsChange(date(2026, 5, 1))) == {
        "start_month": ["cannot be after the month of death"]
    }  # fmt: skip


def test_a_case_transferred_in_does_not_start_before_the_old_commune_s_last_month(bank_case, family, units, users,
                                                                                  chair, binh_minh_chair):  # fmt: skip
    move_household(family, units.binh_minh, users, "binhminh_officer")
    arriving = services.case_transfer(case=bank_case, to_commune=units.binh_minh, last_month=date(2026, 5, 1),
                                      reason="Chuyển nơi ở", acting_user=chair)  # fmt: skip
    confirmed = [text for row in arriving.categories.select_related("category") for text in row.category.declarations]
    services.case_verify(case=arriving, confirmed=confirmed, acting_user=users["binhminh_officer"])
    arriving = services.case_decide(case=arriving, decision_number="7/QĐ", decision_date=date(2026, 7, 10),
                                    acting_user=binh_minh_chair)  # fmt: skip
    assert arriving.start_month == date(2026, 6, 1)

    # May was paid by Tân Đông: starting in May again would pay it twice.
    assert refused(request, case=arriving, kind="months", maker=users["binhminh_officer"],
                   proposal=changes.MonthsChange(date(2026, 5, 1))) == {
        "start_month": ["must be after 05/2026, the last month paid by Xã Tân Đông"]
    }  # fmt: skip


def test_a_direct_change_on_an_applied_case_still_works(family, units, officer, client_for):
    applied = services.case_apply(person=family.elder, commune=units.tan_dong, categories=[CategoryChoice("5.5a")],
                                  applied_on=date(2026, 7, 1), payment=BANK, acting_user=officer)  # fmt: skip

    response = client_for("tandong_officer", language="en").post(
        url("payment", case_uuid=applied.uuid),
        {"payment_method": "bank", "bank_bin": "970415", "account_number": "9988776655", "account_name": "Trần Văn Kế",
         "reason": "Sai số tài khoản"},
        follow=True,
    )  # fmt: skip

    assert "Payment details changed." in response.content.decode()
    assert account(applied) == NEW_ACCOUNT_FIELDS
    assert not ChangeRequest.objects.exists()
    assert events(applied)[-1] == (
        "payment_changed", "tandong.officer", "Sai số tài khoản", {"before": "Vietcombank – ••••6789", "after": "VietinBank – ••••6655"}
    )  # fmt: skip


# --- rejecting and withdrawing ----------------------------------------------------------------------------


def test_the_chair_rejects_in_writing_and_the_case_is_unchanged(bank_case, officer, chair, client_for):
    change = request(bank_case, "payment", NEW_ACCOUNT, officer)
    before = money_state()

    assert refused(changes.change_request_reject, change_request=change, reason=" ", acting_user=chair) == {
        "reason": ["is required"]
    }
    assert money_state() == before
    changes.change_request_reject(change_request=change, reason="Tài khoản không chính chủ", acting_user=chair)

    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decided_at, change.decision_note) == (
        "rejected", chair, NOW, "Tài khoản không chính chủ"
    )  # fmt: skip
    assert account(bank_case) == OLD_ACCOUNT_FIELDS
    assert events(bank_case)[-1] == (
        "change_rejected", "tandong.chair", "Tài khoản không chính chủ",
        {"request": str(change.uuid), "change": "payment", "requested_by": "tandong.officer"},
    )  # fmt: skip
    home = client_for("tandong_officer", language="en").get(reverse("core:home")).content.decode()
    assert "Your change requests rejected in the last 30 days" in home
    assert url("changes") + "?status=rejected&amp;mine=1" in home


def test_only_the_maker_withdraws(bank_case, officer, chair, users):
    change = request(bank_case, "payment", NEW_ACCOUNT, officer)
    before = money_state()

    for user in (chair, users["admin"], users["tandong_committee"]):
        with pytest.raises(PermissionDenied):
            changes.change_request_withdraw(change_request=change, acting_user=user)
    assert money_state() == before

    changes.change_request_withdraw(change_request=change, acting_user=officer)

    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decided_at) == ("withdrawn", officer, NOW)
    assert events(bank_case)[-1] == ("change_withdrawn", "tandong.officer", "",
                                     {"request": str(change.uuid), "change": "payment"})  # fmt: skip
    assert refused(approve, change=change, checker=chair) == {
        "status": ["This request is “Withdrawn”; this is not possible now."]
    }
    request(bank_case, "payment", NEW_ACCOUNT, officer)  # a new one may be made
    assert account(bank_case) == OLD_ACCOUNT_FIELDS


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_case_page_shows_a_pending_request_masked_for_the_viewer(bank_case, officer, client_for):
    request(bank_case, "payment", NEW_ACCOUNT, officer, reason="Đổi tài khoản")

    chair_page = client_for("tandong_chair", language="en").get(url("detail", case_uuid=bank_case.uuid))
    viewer_page = client_for("tayninh_province", language="en").get(url("detail", case_uuid=bank_case.uuid))

    chair_text, viewer_text = chair_page.content.decode(), viewer_page.content.decode()
    assert 'data-testid="pending-change"' in chair_text and 'data-changed="account"' in chair_text
    assert "0123456789" in chair_text and "9988776655" in chair_text
    assert "••••6789" in viewer_text and "••••6655" in viewer_text
    assert "9988776655" not in viewer_text and "0123456789" not in viewer_text
    assert "Đổi tài khoản" in viewer_text


def test_the_request_page_shows_the_cost_of_a_change_of_months(bank_case, officer, client_for):
    change = request(bank_case, "months", changes.MonthsChange(date(2026, 1, 1)), officer)

    page = client_for("tandong_chair", language="en").get(url("change_detail", request_uuid=change.uuid))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Owed for 07/2026, arrears included" in text
    assert "5,000,000 đ</strong> → <strong>7,000,000 đ" in text
    assert 'data-testid="approve"' in text and 'data-testid="reject"' in text
    assert Case.objects.get(pk=bank_case.pk).start_month == date(2026, 3, 1)  # the preview wrote nothing
    assert not CaseEvent.objects.filter(kind="months_changed").exists()


def test_the_chair_s_work_list_counts_the_requests_waiting_for_them(bank_case, officer, chair, client_for):
    request(bank_case, "payment", NEW_ACCOUNT, officer)
    request(bank_case, "months", changes.MonthsChange(date(2026, 2, 1)), chair)

    chair_home = client_for("tandong_chair", language="en").get(reverse("core:home")).content.decode()
    officer_home = client_for("tandong_officer", language="en").get(reverse("core:home")).content.decode()

    # The chair's own request waits for another chair: it is not counted as theirs to decide.
    assert "Change requests waiting for your approval" in chair_home
    assert f'<a href="{url("changes")}"' in chair_home
    assert "Change requests waiting for your approval" not in officer_home
    assert "Your change requests waiting for the chair" in officer_home
    assert [(item.title, item.url, item.count) for item in selectors.change_request_worklist(chair)] == [
        ("Change requests waiting for your approval", "/allowances/changes/", 1),
        ("Your change requests waiting for the chair", "/allowances/changes/?mine=1", 1),
    ]


def test_the_change_pages_follow_the_service_s_options(bank_case, family, units, officer, client_for):
    applied = services.case_apply(person=family.adult, commune=units.tan_dong, categories=[CategoryChoice("5.8")],
                                  applied_on=date(2026, 7, 1), payment=BANK, acting_user=officer)  # fmt: skip
    chair, clerk = client_for("tandong_chair"), client_for("tandong_officer")

    for name in ("payment", "categories", "months"):
        assert chair.get(url(name, case_uuid=bank_case.uuid)).status_code == 200, name
        assert clerk.get(url(name, case_uuid=bank_case.uuid)).status_code == 200, name
    assert clerk.get(url("payment", case_uuid=applied.uuid)).status_code == 200
    for name in ("categories", "months"):
        assert clerk.get(url(name, case_uuid=applied.uuid)).status_code == 403, name
    assert chair.get(url("payment", case_uuid=applied.uuid)).status_code == 403
    case_page = clerk.get(url("detail", case_uuid=bank_case.uuid)).content.decode()
    for name in ("payment", "categories", "months"):
        assert url(name, case_uuid=bank_case.uuid) in case_page


def test_the_officer_proposes_a_correction_of_months_on_the_page(bank_case, officer, client_for):
    client = client_for("tandong_officer", language="en")

    refused_page = client.post(url("months", case_uuid=bank_case.uuid),
                               {"start_month": "2026-03", "paid_through_month": "2026-09", "reason": "Sửa"})  # fmt: skip
    assert "cannot be in the future" in refused_page.content.decode()
    assert not ChangeRequest.objects.exists()

    response = client.post(url("months", case_uuid=bank_case.uuid),
                           {"start_month": "2026-02", "paid_through_month": "", "reason": "Sửa tháng bắt đầu"})  # fmt: skip

    assert response.status_code == 302 and response["Location"] == url("detail", case_uuid=bank_case.uuid)
    change = ChangeRequest.objects.get()
    assert (change.kind, change.proposed) == ("months", {"start_month": "2026-02-01", "paid_through_month": None})
    assert Case.objects.get(pk=bank_case.pk).start_month == date(2026, 3, 1)


def test_the_chair_rejects_and_the_maker_withdraws_on_the_pages(bank_case, officer, chair, client_for):
    first = request(bank_case, "payment", NEW_ACCOUNT, officer)
    second = request(bank_case, "months", changes.MonthsChange(date(2026, 2, 1)), officer)
    chair_client, officer_client = client_for("tandong_chair", language="en"), client_for("tandong_officer")

    empty = chair_client.post(url("change_reject", request_uuid=first.uuid), {"reason": ""}, follow=True)
    assert "Not rejected: is required" in empty.content.decode()
    assert chair_client.post(url("change_reject", request_uuid=first.uuid), {"reason": "Sai"}).status_code == 302
    assert officer_client.post(url("change_withdraw", request_uuid=second.uuid)).status_code == 302
    assert chair_client.post(url("change_withdraw", request_uuid=second.uuid)).status_code == 403

    assert list(ChangeRequest.objects.order_by("pk").values_list("status", flat=True)) == ["rejected", "withdrawn"]
    assert account(bank_case) == OLD_ACCOUNT_FIELDS
    history = chair_client.get(url("detail", case_uuid=bank_case.uuid)).content.decode()
    assert 'data-testid="change-history"' in history and "Sai" in history


@pytest.mark.parametrize("extra", [0, 6])
def test_the_list_of_requests_query_count_is_fixed(extra, bank_case, units, officer, chair, client_for,
                                                   django_assert_num_queries):  # fmt: skip
    request(bank_case, "payment", NEW_ACCOUNT, officer)
    for number in range(extra):
        person = make_household(units.tan_dong, units.tan_dong_village, code=f"TD-CR{number}",
                                members=((f"Phan Văn {number}", "M", date(1950, 1, 1), "head"),)).head  # fmt: skip
        case = services.case_apply(person=person, commune=units.tan_dong, categories=[CategoryChoice("5.5a")],
                                   applied_on=date(2026, 3, 2), payment=BANK, acting_user=officer)  # fmt: skip
        Case.objects.filter(pk=case.pk).update(status="active", start_month=date(2026, 3, 1))
        request(case, "months", changes.MonthsChange(date(2026, 2, 1)), officer)
    client = client_for("tandong_chair")
    client.get(url("changes"))
    # session, user, the user's commune codes, the requests (+case, person, commune, maker,
    # decider), the access-log row naming their persons (1), then the sliding session save (3),
    # whatever the number of requests.
    with django_assert_num_queries(8):
        response = client.get(url("changes"))
    assert response.content.decode().count('data-testid="change-table"') == 1
    assert len(response.context["rows"]) == 1 + extra


def test_the_household_timeline_tells_the_story_with_accounts_masked(bank_case, officer, chair, family, client_for):
    approve(request(bank_case, "payment", NEW_ACCOUNT, officer), chair)
    months = request(bank_case, "months", changes.MonthsChange(date(2026, 2, 1)), officer)
    changes.change_request_reject(change_request=months, reason="Không có căn cứ", acting_user=chair)

    page = client_for("tayninh_province", language="en").get(
        reverse("households:detail", kwargs={"household_uuid": family.household.uuid})
    )

    text = page.content.decode()
    assert "Payment details: Vietcombank – ••••6789 → VietinBank – ••••6655" in text
    assert (
        "Vietcombank – ••••6789 → VietinBank – ••••6655 · requested by tandong.officer, approved by tandong.chair"
        in text
    )
    assert "Months paid: first month paid 03/2026 → 02/2026" in text
    assert "Change request rejected: Nguyễn Thị Hoa" in text and "Không có căn cứ" in text
    assert "9988776655" not in text and "0123456789" not in text
