"""Every service of the social-allowance cases: what it writes, and every refusal with nothing
changed (wrong role, wrong commune, wrong order, maker-checker, bad input)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from beneficiaries import changes, services
from beneficiaries.entitlement import compute
from beneficiaries.models import Case, CaseCategory, CaseEvent, ChangeRequest, HealthInsuranceCard, Suspension
from beneficiaries.services import CategoryChoice, PaymentDetails
from households.models import DisabilityLevel, HouseholdYearStatus, Membership, Person
from tests.beneficiaries.conftest import BANK, CASH, move_household
from tests.factories import UserFactory
from tests.households.factories import make_household, make_person

DECLARATION_5_5A = "No one obliged and entitled to support them"
DECIDED_ON = date(2026, 3, 20)


def state() -> dict:
    """Everything a case service may write."""
    return {
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "pk",
                "status",
                "commune",
                "verified_by",
                "checklist",
                "decision_number",
                "decision_date",
                "decided_by",
                "start_month",
                "end_month",
                "payment_method",
                "bank_bin",
                "account_number",
                "account_name",
                "transferred_from",
            )
        ),  # fmt: skip
        "categories": list(
            CaseCategory.objects.order_by("pk").values_list(
                "case", "category", "dependent_children", "from_month", "to_month"
            )
        ),
        "suspensions": list(
            Suspension.objects.order_by("pk").values_list("case", "from_month", "to_month", "arrears_on_resume")
        ),
        "events": CaseEvent.objects.count(),
        "cards": list(HealthInsuranceCard.objects.order_by("pk").values_list("person", "number", "valid_to")),
        "card_numbers": list(Person.objects.order_by("pk").values_list("pk", "health_insurance_number")),
    }


def refused(call, **kwargs) -> dict:
    """Run a service that must refuse with a ValidationError; return its messages by field."""
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def events(case) -> list:
    return list(
        CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", "actor__username", "reason", "data")
    )


def not_now(status: str) -> dict:
    return {"status": [f"The case is “{status}”; this is not possible now."]}


def apply(person, commune, officer, categories=("5.5a",), **extra) -> Case:
    return services.case_apply(
        person=person, commune=commune, categories=[CategoryChoice(c) if isinstance(c, str) else c for c in categories],
        applied_on=extra.pop("applied_on", date(2026, 3, 2)), payment=extra.pop("payment", CASH), acting_user=officer,
    )  # fmt: skip


def verify(case, officer) -> Case:
    confirmed = [d for row in case.categories.select_related("category") for d in row.category.declarations]
    return services.case_verify(case=case, confirmed=confirmed, acting_user=officer)


def decide(case, chair, on=DECIDED_ON) -> Case:
    return services.case_decide(case=case, decision_number="15/QĐ-UBND", decision_date=on, acting_user=chair)


@pytest.fixture
def verified_case(elder_case, officer) -> Case:
    return verify(elder_case, officer)


@pytest.fixture
def active_case(verified_case, chair) -> Case:
    return decide(verified_case, chair)


@pytest.fixture
def suspended_case(active_case, chair) -> Case:
    services.case_suspend(case=active_case, from_month=date(2026, 6, 1), reason="Không nhận 3 tháng", acting_user=chair)
    return Case.objects.get(pk=active_case.pk)


@pytest.fixture
def binh_minh_person(units):
    household = make_household(
        units.binh_minh, units.binh_minh_village, code="BM-1", members=(("Lê Văn Tư", "M", date(1944, 1, 1), "head"),)
    )
    return household.head


@pytest.fixture
def binh_minh_chair(units):
    return UserFactory(username="binhminh.chair", role=Role.COMMUNE_CHAIR, communes=[units.binh_minh])


# --- filing --------------------------------------------------------------------------------------


def test_the_officer_files_an_application(family, units, officer):
    case = apply(family.elder, units.tan_dong, officer, payment=BANK)

    assert (case.status, case.prepared_by, case.commune, case.applied_on, case.start_month) == (
        "applied", officer, units.tan_dong, date(2026, 3, 2), None
    )  # fmt: skip
    assert (case.payment_method, case.bank_bin, case.account_number, case.account_name) == (
        "bank", "970436", "0123456789", "NGUYEN VAN AN"
    )  # fmt: skip
    assert list(case.categories.values_list("category", "dependent_children", "from_month", "to_month")) == [
        ("5.5a", 0, None, None)
    ]
    assert events(case) == [("applied", "tandong.officer", "", {"categories": ["5.5a"]})]


def test_a_single_parent_is_filed_with_the_number_of_children(family, units, officer):
    case = apply(family.adult, units.tan_dong, officer, categories=[CategoryChoice("5.4", 2), CategoryChoice("5.6s")])

    assert sorted(case.categories.values_list("category", "dependent_children")) == [("5.4", 2), ("5.6s", 0)]


@pytest.mark.parametrize("role_key", ["tayninh_province", "tandong_committee", "tandong_chair", "binhminh_officer"])
def test_filing_is_refused_to_other_roles_and_communes(family, units, users, role_key):
    before = state()

    with pytest.raises(PermissionDenied):
        apply(family.elder, units.tan_dong, users[role_key])

    assert state() == before


@pytest.mark.parametrize(
    ("categories", "payment", "problems"),
    [
        (["9.9"], CASH, {"categories": ["unknown category 9.9"]}),
        ([], CASH, {"categories": ["choose at least one category"]}),
        (["5.5a", "5.5a"], CASH, {"categories": ["a category is chosen twice"]}),
        ([CategoryChoice("5.4", 0)], CASH, {"dependent_children": ["5.4 needs the number of dependent children"]}),
        (
            ["5.5a"],
            PaymentDetails(method="bank", bank_bin="97043", account_number="12345", account_name=" "),
            {
                "bank_bin": ["must be the bank's 6-digit NAPAS BIN"],
                "account_number": ["must be 6 to 19 digits"],
                "account_name": ["is required for a bank account"],
            },
        ),
        (
            ["5.5a"],
            PaymentDetails(method="bank", bank_bin="9704a6", account_number="01234567890123456789", account_name="A"),
            {"bank_bin": ["must be the bank's 6-digit NAPAS BIN"], "account_number": ["must be 6 to 19 digits"]},
        ),
        (["5.5a"], PaymentDetails(method="cheque"), {"payment_method": ["must be bank or cash"]}),
    ],
)
def test_filing_refuses_bad_categories_and_payment_details(family, units, officer, categories, payment, problems):
    before = state()

    assert refused(apply, person=family.elder, commune=units.tan_dong, officer=officer, categories=categories,
                   payment=payment) == problems  # fmt: skip
    assert state() == before


def test_filing_refuses_a_person_of_another_commune_the_dead_and_a_future_date(
    family, units, officer, binh_minh_person
):
    Person.objects.filter(pk=family.adult.pk).update(date_of_death=date(2026, 1, 5))
    family.adult.refresh_from_db()
    before = state()

    assert refused(apply, person=binh_minh_person, commune=units.tan_dong, officer=officer) == {
        "person": ["does not live in a household of Xã Tân Đông"]
    }
    assert refused(apply, person=family.adult, commune=units.tan_dong, officer=officer) == {
        "person": ["is recorded as dead"]
    }
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert refused(apply, person=family.elder, commune=units.tan_dong, officer=officer, applied_on=tomorrow) == {
        "applied_on": ["cannot be in the future"]
    }
    assert state() == before


def test_one_open_case_per_person(elder_case, family, units, officer):
    before = state()

    assert refused(apply, person=family.elder, commune=units.tan_dong, officer=officer, categories=["5.5c"]) == {
        "person": ["already has an open case"]
    }
    assert state() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            person=family.elder, commune=units.tan_dong, applied_on=date(2026, 3, 3), prepared_by=officer,
            payment_method="cash",
        )  # fmt: skip
    # A refused case is closed: the person may apply again.
    Case.objects.filter(pk=elder_case.pk).update(status=Case.Status.REFUSED)
    assert apply(family.elder, units.tan_dong, officer, categories=["5.5c"]).status == "applied"


# --- registry checks and verification ------------------------------------------------------------


def test_registry_checks_read_the_poverty_status_of_the_year_and_the_age(elder_case, family):
    HouseholdYearStatus.objects.create(household=family.household, year=2025, status="poor")
    HouseholdYearStatus.objects.create(household=family.household, year=2026, status="near_poor")

    assert services.registry_checks(elder_case, on=date(2025, 9, 15)) == [
        {"category": "5.5a", "check": "age", "ok": True, "detail": "age 80 this month"},
        {"category": "5.5a", "check": "poor", "ok": True, "detail": "Poor"},
    ]
    assert services.registry_checks(elder_case, on=date(2026, 4, 1)) == [
        {"category": "5.5a", "check": "age", "ok": True, "detail": "age 80 this month"},
        {"category": "5.5a", "check": "poor", "ok": False, "detail": "Near-poor"},
    ]
    assert services.registry_checks(elder_case, on=date(2004, 6, 1)) == [
        {"category": "5.5a", "check": "age", "ok": False, "detail": "age 58 this month"},
        {"category": "5.5a", "check": "poor", "ok": False, "detail": "Not classified"},
    ]


def test_registry_checks_read_the_disability_level(family, units, officer):
    Person.objects.filter(pk=family.adult.pk).update(disability_level=DisabilityLevel.SEVERE)
    family.adult.refresh_from_db()
    case = apply(family.adult, units.tan_dong, officer, categories=["5.6s", "5.6es"])

    checks = services.registry_checks(case, on=date(2026, 5, 1))

    assert [(c["category"], c["check"], c["ok"], c["detail"]) for c in checks] == [
        ("5.6es", "age", True, "age 40 this month"),
        ("5.6es", "extremely_severe_disability", False, "Severe"),
        ("5.6s", "age", True, "age 40 this month"),
        ("5.6s", "severe_disability", True, "Severe"),
    ]


def test_the_officer_verifies_with_every_declaration_confirmed(elder_case, family, officer):
    HouseholdYearStatus.objects.create(household=family.household, year=timezone.localdate().year, status="near_poor")

    case = services.case_verify(
        case=elder_case, confirmed=[DECLARATION_5_5A], note=" đã xác minh ", acting_user=officer
    )

    today = timezone.localdate()
    assert (case.status, case.verified_by) == ("verified", officer)
    assert case.checklist["confirmed"] == [DECLARATION_5_5A]
    assert (case.checklist["note"], case.checklist["on"]) == ("đã xác minh", today.isoformat())
    assert [(c["check"], c["ok"]) for c in case.checklist["checks"]] == [("age", True), ("poor", False)]
    assert events(case)[-1] == ("verified", "tandong.officer", "đã xác minh", {"warnings": ["5.5a: poor"]})


def test_verification_refuses_a_missing_declaration(elder_case, officer):
    before = state()

    assert refused(services.case_verify, case=elder_case, confirmed=[], acting_user=officer) == {
        "confirmed": [f"not confirmed: {DECLARATION_5_5A}"]
    }
    assert state() == before


@pytest.mark.parametrize("role_key", ["tayninh_province", "tandong_committee", "tandong_chair", "binhminh_officer"])
def test_verification_is_refused_to_other_roles_and_communes(elder_case, users, role_key):
    before = state()

    with pytest.raises(PermissionDenied):
        services.case_verify(case=elder_case, confirmed=[DECLARATION_5_5A], acting_user=users[role_key])

    assert state() == before


def test_a_case_is_verified_once(verified_case, officer):
    before = state()

    assert refused(verify, case=verified_case, officer=officer) == not_now("Verified, awaiting decision")
    assert state() == before


# --- decision and refusal ------------------------------------------------------------------------


def test_the_chair_decides_and_payment_starts_in_the_month_of_the_decision(verified_case, chair):
    case = services.case_decide(
        case=verified_case, decision_number=" 15/QĐ-UBND ", decision_date=DECIDED_ON, acting_user=chair
    )

    case.refresh_from_db()
    assert (case.status, case.decision_number, case.decision_date, case.decided_by, case.start_month) == (
        "active", "15/QĐ-UBND", DECIDED_ON, chair, date(2026, 3, 1)
    )  # fmt: skip
    assert events(case)[-1] == (
        "decided", "tandong.chair", "", {"decision": "15/QĐ-UBND", "start_month": "2026-03-01"}
    )  # fmt: skip


def test_deciding_before_verification_is_refused(elder_case, chair):
    before = state()

    assert refused(decide, case=elder_case, chair=chair) == not_now("Application received")
    assert state() == before


@pytest.mark.parametrize("role_key", ["tayninh_province", "tandong_committee", "tandong_officer", "admin"])
def test_only_the_chair_decides(verified_case, users, role_key):
    before = state()

    with pytest.raises(PermissionDenied):
        decide(verified_case, users[role_key])
    with pytest.raises(PermissionDenied):
        services.case_refuse(case=verified_case, reason="Không đủ điều kiện", acting_user=users[role_key])

    assert state() == before


def test_the_chair_of_another_commune_cannot_decide(verified_case, binh_minh_chair):
    before = state()

    with pytest.raises(PermissionDenied):
        decide(verified_case, binh_minh_chair)

    assert state() == before


@pytest.mark.parametrize("step", ["prepared", "verified"])
def test_whoever_prepared_or_verified_cannot_decide_or_refuse(family, units, officer, users, step):
    # A second officer fills the other step; the one who did ``step`` is then made chair.
    other = UserFactory(username="tandong.officer2", role=Role.COMMUNE_OFFICER, communes=[units.tan_dong])
    maker, verifier = (officer, other) if step == "prepared" else (other, officer)
    case = verify(apply(family.elder, units.tan_dong, maker), verifier)
    officer.role = Role.COMMUNE_CHAIR
    officer.save(update_fields=["role"])
    before = state()

    with pytest.raises(PermissionDenied):
        decide(case, officer)
    with pytest.raises(PermissionDenied):
        services.case_refuse(case=case, reason="Không đủ điều kiện", acting_user=officer)

    assert state() == before
    assert decide(case, users["tandong_chair"]).status == "active"


def test_a_decision_needs_a_number_and_a_date_not_in_the_future_nor_before_the_application(verified_case, chair):
    before = state()
    tomorrow = timezone.localdate() + timedelta(days=1)

    assert refused(
        services.case_decide, case=verified_case, decision_number=" ", decision_date=tomorrow, acting_user=chair
    ) == {  # fmt: skip
        "decision_number": ["is required"],
        "decision_date": ["must be a date not in the future"],
    }
    assert refused(decide, case=verified_case, chair=chair, on=date(2026, 3, 1)) == {
        "decision_date": ["cannot be before the application"]
    }
    assert state() == before


def test_the_chair_refuses_in_writing(verified_case, chair):
    case = services.case_refuse(case=verified_case, reason=" Còn người phụng dưỡng ", acting_user=chair)

    assert Case.objects.get(pk=case.pk).status == "refused"
    assert events(case)[-1] == ("refused", "tandong.chair", "Còn người phụng dưỡng", {})


def test_a_refusal_needs_a_reason_and_an_open_application(verified_case, active_case, chair):
    before = state()

    assert refused(services.case_refuse, case=active_case, reason="x", acting_user=chair) == not_now("Active")
    assert state() == before


def test_a_refusal_without_reason_is_refused(elder_case, chair):
    before = state()

    assert refused(services.case_refuse, case=elder_case, reason=" ", acting_user=chair) == {"reason": ["is required"]}
    assert state() == before


def test_a_refused_case_cannot_be_decided_suspended_or_terminated(verified_case, chair):
    services.case_refuse(case=verified_case, reason="Không đủ điều kiện", acting_user=chair)
    before = state()

    assert refused(decide, case=verified_case, chair=chair) == not_now("Refused")
    assert refused(services.case_suspend, case=verified_case, from_month=date(2026, 5, 1), reason="x",
                   acting_user=chair) == not_now("Refused")  # fmt: skip
    assert refused(services.case_terminate, case=verified_case, last_month=date(2026, 5, 1), reason="x",
                   acting_user=chair) == not_now("Refused")  # fmt: skip
    assert state() == before


# --- suspension and resumption -------------------------------------------------------------------


def test_the_chair_suspends_from_a_month(active_case, chair):
    suspension = services.case_suspend(
        case=active_case, from_month=date(2026, 6, 17), reason=" Không nhận 3 tháng ", acting_user=chair
    )

    assert (suspension.from_month, suspension.to_month, suspension.reason) == (
        date(2026, 6, 1), None, "Không nhận 3 tháng"
    )  # fmt: skip
    assert Case.objects.get(pk=active_case.pk).status == "suspended"
    assert events(active_case)[-1] == (
        "suspended", "tandong.chair", "Không nhận 3 tháng", {"from_month": "2026-06-01"}
    )  # fmt: skip


def test_suspension_refusals(active_case, verified_case, chair, officer):
    before = state()

    with pytest.raises(PermissionDenied):
        services.case_suspend(case=active_case, from_month=date(2026, 6, 1), reason="x", acting_user=officer)
    assert refused(
        services.case_suspend, case=active_case, from_month=date(2026, 2, 1), reason=" ", acting_user=chair
    ) == {  # fmt: skip
        "reason": ["is required"],
        "from_month": ["cannot be before the first month paid"],
    }
    assert state() == before


@pytest.mark.parametrize(("pay_arrears", "months"), [(False, [3, 4, 5, 9, 10]), (True, [3, 4, 5, 6, 7, 8, 9, 10])])
def test_resumption_pays_the_suspended_months_only_with_arrears(suspended_case, chair, pay_arrears, months):
    case = services.case_resume(
        case=suspended_case, from_month=date(2026, 9, 1), pay_arrears=pay_arrears, acting_user=chair
    )

    assert Case.objects.get(pk=case.pk).status == "active"
    assert list(case.suspensions.values_list("from_month", "to_month", "arrears_on_resume")) == [
        (date(2026, 6, 1), date(2026, 8, 1), pay_arrears)
    ]
    assert events(case)[-1] == ("resumed", "tandong.chair", "", {"from_month": "2026-09-01", "arrears": pay_arrears})
    entitlement = compute([case.pk], date(2026, 10, 1))[case.pk]
    assert [line.month.month for line in entitlement.months] == months


def test_resumption_refusals(active_case, suspended_case, chair, officer):
    before = state()

    with pytest.raises(PermissionDenied):
        services.case_resume(case=suspended_case, from_month=date(2026, 9, 1), pay_arrears=True, acting_user=officer)
    assert refused(services.case_resume, case=suspended_case, from_month=date(2026, 6, 1), pay_arrears=True,
                   acting_user=chair) == {"from_month": ["must be after the month the suspension began"]}  # fmt: skip
    services.case_resume(case=suspended_case, from_month=date(2026, 9, 1), pay_arrears=False, acting_user=chair)
    before = state()
    assert refused(services.case_resume, case=suspended_case, from_month=date(2026, 10, 1), pay_arrears=True,
                   acting_user=chair) == not_now("Active")  # fmt: skip
    assert state() == before


# --- termination ---------------------------------------------------------------------------------


def test_termination_ends_payment_after_the_last_month(active_case, chair):
    case = services.case_terminate(case=active_case, last_month=date(2026, 7, 9), reason="Đã chết", acting_user=chair)

    case.refresh_from_db()
    assert (case.status, case.end_month) == ("terminated", date(2026, 7, 1))
    assert events(case)[-1] == ("terminated", "tandong.chair", "Đã chết", {"last_month": "2026-07-01"})
    assert [line.month.month for line in compute([case.pk], date(2026, 10, 1))[case.pk].months] == [3, 4, 5, 6, 7]


def test_terminating_a_suspended_case_closes_the_suspension(suspended_case, chair):
    services.case_terminate(case=suspended_case, last_month=date(2026, 8, 1), reason="Đã chết", acting_user=chair)

    assert list(suspended_case.suspensions.values_list("from_month", "to_month", "arrears_on_resume")) == [
        (date(2026, 6, 1), date(2026, 8, 1), False)
    ]
    assert [line.month.month for line in compute([suspended_case.pk], date(2026, 10, 1))[suspended_case.pk].months] == [
        3,
        4,
        5,
    ]


def test_terminating_a_suspended_case_in_a_month_before_the_suspension(suspended_case, chair):
    # The person is found to have died before the suspension began: payment ends with that month.
    services.case_terminate(case=suspended_case, last_month=date(2026, 4, 1), reason="Đã chết", acting_user=chair)

    case = Case.objects.get(pk=suspended_case.pk)
    assert (case.status, case.end_month) == ("terminated", date(2026, 4, 1))
    assert [line.month.month for line in compute([case.pk], date(2026, 10, 1))[case.pk].months] == [3, 4]


def test_termination_refusals(active_case, chair, officer):
    before = state()

    with pytest.raises(PermissionDenied):
        services.case_terminate(case=active_case, last_month=date(2026, 7, 1), reason="x", acting_user=officer)
    assert refused(
        services.case_terminate, case=active_case, last_month=date(2026, 2, 1), reason="", acting_user=chair
    ) == {  # fmt: skip
        "reason": ["is required"],
        "last_month": ["cannot be before the first month paid"],
    }
    services.case_terminate(case=active_case, last_month=date(2026, 7, 1), reason="x", acting_user=chair)
    before = state()
    assert refused(services.case_terminate, case=active_case, last_month=date(2026, 8, 1), reason="x",
                   acting_user=chair) == not_now("Terminated")  # fmt: skip
    assert state() == before


# --- category change (a request the chair approves: tests/beneficiaries/test_change_requests.py) -------


def change_categories(case, categories, from_month, reason, maker, checker) -> Case:
    change = changes.change_request_create(
        case=case, kind="categories", proposal=changes.CategoryChange(categories, from_month), reason=reason,
        acting_user=maker,
    )  # fmt: skip
    changes.change_request_approve(change_request=change, acting_user=checker)
    return Case.objects.get(pk=case.pk)


def test_a_category_change_keeps_the_months_before_it(active_case, officer, chair):
    case = change_categories(
        active_case, [CategoryChoice("5.5d")], date(2026, 6, 12), "Có người nhận chăm sóc", officer, chair
    )

    assert list(case.categories.order_by("pk").values_list("category", "from_month", "to_month")) == [
        ("5.5a", None, date(2026, 5, 1)),
        ("5.5d", date(2026, 6, 1), None),
    ]
    change = case.change_requests.get()
    assert events(case)[-1] == (
        "category_changed", "tandong.chair", "Có người nhận chăm sóc",
        {"from_month": "2026-06-01", "before": [["5.5a", 0]], "after": [["5.5d", 0]], "request": str(change.uuid),
         "requested_by": "tandong.officer", "approved_by": "tandong.chair"},
    )  # fmt: skip
    lines = compute([case.pk], date(2026, 7, 1))[case.pk].months
    assert [(line.month.month, line.category, line.amount) for line in lines] == [
        (3, "5.5a", 1_000_000),
        (4, "5.5a", 1_000_000),
        (5, "5.5a", 1_000_000),
        (6, "5.5d", 1_500_000),
        (7, "5.5d", 1_500_000),
    ]


def test_a_category_change_before_an_earlier_change_leaves_no_month_with_both(active_case, officer, chair):
    change_categories(active_case, [CategoryChoice("5.5d")], date(2026, 8, 1), "a", officer, chair)
    change_categories(active_case, [CategoryChoice("5.5c")], date(2026, 5, 1), "b", officer, chair)

    assert list(active_case.categories.order_by("pk").values_list("category", "from_month", "to_month")) == [
        ("5.5a", None, date(2026, 4, 1)),
        ("5.5c", date(2026, 5, 1), None),
    ]


def test_every_category_row_written_leaves_a_history_row_with_its_author(active_case, officer, chair):
    """The categories decide the amount: filing, a change that ends one row and one that removes a later
    row each leave simple-history rows naming who approved them, as any field of the case does."""
    change_categories(active_case, [CategoryChoice("5.5d")], date(2026, 8, 1), "a", officer, chair)
    change_categories(active_case, [CategoryChoice("5.5c")], date(2026, 5, 1), "b", officer, chair)

    history = CaseCategory.history.filter(case_id=active_case.pk).order_by("history_id")
    assert [(h.history_type, h.category_id, h.from_month, h.to_month, h.history_user.username) for h in history] == [
        ("+", "5.5a", None, None, "tandong.officer"),  # filed
        ("~", "5.5a", None, date(2026, 7, 1), "tandong.chair"),  # the August change ends it in July
        ("+", "5.5d", date(2026, 8, 1), None, "tandong.chair"),
        ("~", "5.5a", None, date(2026, 4, 1), "tandong.chair"),  # the May change ends it in April
        ("-", "5.5d", date(2026, 8, 1), None, "tandong.chair"),  # and removes the August row
        ("+", "5.5c", date(2026, 5, 1), None, "tandong.chair"),
    ]


def test_category_change_refusals(active_case, family, units, chair, officer, committee):
    applied = apply(family.adult, units.tan_dong, officer)
    before = state()

    with pytest.raises(PermissionDenied):
        changes.change_request_create(case=active_case, kind="categories", reason="x", acting_user=committee,
                                      proposal=changes.CategoryChange([CategoryChoice("5.5d")], date(2026, 6, 1)))  # fmt: skip
    assert refused(
        changes.change_request_create,
        case=active_case,
        kind="categories",
        proposal=changes.CategoryChange([CategoryChoice("9.9")], date(2026, 3, 1)),
        reason="",
        acting_user=chair,
    ) == {  # fmt: skip
        "categories": ["unknown category 9.9"],
        "reason": ["is required"],
        "from_month": ["must be after the first month paid"],
    }
    assert refused(changes.change_request_create, case=applied, kind="categories", reason="x", acting_user=officer,
                   proposal=changes.CategoryChange([CategoryChoice("5.5d")], date(2026, 6, 1))) == not_now(
        "Application received"
    )  # fmt: skip
    assert state() == before
    assert not ChangeRequest.objects.exists()


# --- transfer ------------------------------------------------------------------------------------


def test_a_transfer_ends_the_old_case_and_the_new_one_starts_the_month_after(
    active_case, family, units, chair, users, binh_minh_chair
):
    move_household(family, units.binh_minh, users, "binhminh_officer")

    arriving = services.case_transfer(
        case=active_case, to_commune=units.binh_minh, last_month=date(2026, 5, 1), reason="Chuyển nơi ở", acting_user=chair
    )  # fmt: skip

    old = Case.objects.get(pk=active_case.pk)
    assert (old.status, old.end_month) == ("transferred", date(2026, 5, 1))
    assert (arriving.status, arriving.commune, arriving.transferred_from, arriving.start_month) == (
        "applied", units.binh_minh, old, None
    )  # fmt: skip
    assert list(arriving.categories.values_list("category", "dependent_children", "from_month")) == [("5.5a", 0, None)]
    assert events(old)[-1] == (
        "transferred_out", "tandong.chair", "Chuyển nơi ở", {"to_commune": "Phường Bình Minh", "last_month": "2026-05-01"}
    )  # fmt: skip
    assert events(arriving) == [("transferred_in", "tandong.chair", "Chuyển nơi ở", {"from_commune": "Xã Tân Đông"})]

    # Bình Minh verifies and decides months later: payment starts in June all the same (arrears).
    verify(arriving, users["binhminh_officer"])
    decided = decide(arriving, binh_minh_chair, on=timezone.localdate())
    assert decided.start_month == date(2026, 6, 1)
    span = date(2026, 10, 1)
    result = compute([old.pk, decided.pk], span)
    old_months = [line.month for line in result[old.pk].months]
    new_months = [line.month for line in result[decided.pk].months]
    assert old_months == [date(2026, m, 1) for m in (3, 4, 5)]
    assert new_months == [date(2026, m, 1) for m in (6, 7, 8, 9, 10)]
    assert result[decided.pk].arrears_months == [date(2026, m, 1) for m in (6, 7, 8, 9)]


def test_transfer_refusals(active_case, suspended_case, units, chair, officer):
    before = state()

    with pytest.raises(PermissionDenied):
        services.case_transfer(case=active_case, to_commune=units.binh_minh, last_month=date(2026, 5, 1), reason="x",
                               acting_user=officer)  # fmt: skip
    assert refused(services.case_transfer, case=active_case, to_commune=units.binh_minh, last_month=date(2026, 5, 1),
                   reason="x", acting_user=chair) == not_now("Suspended")  # fmt: skip
    assert state() == before


def test_a_case_cannot_be_pushed_to_a_commune_where_the_person_does_not_live(active_case, units, chair, users):
    # Bình Minh never accepted the person: the case stays in Tân Đông, nothing changes.
    before = state()

    assert refused(
        services.case_transfer,
        case=active_case,
        to_commune=units.binh_minh,
        last_month=date(2026, 5, 1),
        reason="Chuyển nơi ở",
        acting_user=chair,
    ) == {  # fmt: skip
        "to_commune": [
            "Nguyễn Thị Hoa does not live in Phường Bình Minh: that commune must first accept the person's transfer"
        ]
    }
    assert state() == before


def test_a_case_follows_only_to_the_commune_that_accepted_the_person(active_case, family, units, chair, users):
    from households.services import household_transfer

    household_transfer(household=family.household, to_commune=units.binh_minh, transferred_on=date(2026, 5, 31),
                       reason="Chuyển nơi ở", acting_user=users["tandong_officer"])  # fmt: skip
    before = state()

    # Requested, not yet accepted: still refused.
    assert list(refused(services.case_transfer, case=active_case, to_commune=units.binh_minh,
                        last_month=date(2026, 5, 1), reason="x", acting_user=chair)) == ["to_commune"]  # fmt: skip
    assert state() == before


def test_transfer_refuses_the_same_commune_no_reason_and_a_month_before_the_start(active_case, units, chair):
    before = state()

    assert refused(
        services.case_transfer,
        case=active_case,
        to_commune=units.tan_dong,
        last_month=date(2026, 2, 1),
        reason=" ",
        acting_user=chair,
    ) == {  # fmt: skip
        "to_commune": ["is the same commune"],
        "reason": ["is required"],
        "last_month": ["cannot be before the first month paid"],
    }
    assert state() == before


# --- payment details ----------------------------------------------------------------------------
# Before the decision the officer changes them directly; afterwards only through a change request
# (tests/beneficiaries/test_change_requests.py).


def test_payment_details_change_keeps_only_the_last_digits_in_the_event(verified_case, officer):
    case = services.payment_change(case=verified_case, payment=BANK, reason="Mở tài khoản", acting_user=officer)

    case.refresh_from_db()
    assert (case.payment_method, case.bank_bin, case.account_number, case.account_name) == (
        "bank", "970436", "0123456789", "NGUYEN VAN AN"
    )  # fmt: skip
    assert events(case)[-1] == (
        "payment_changed", "tandong.officer", "Mở tài khoản", {"before": "Cash (post office)", "after": "Vietcombank – ••••6789"}
    )  # fmt: skip


def test_payment_change_refusals(elder_case, users, officer):
    before = state()

    for role_key in ("tayninh_province", "tandong_chair", "binhminh_officer"):
        with pytest.raises(PermissionDenied):
            services.payment_change(case=elder_case, payment=BANK, reason="x", acting_user=users[role_key])
    bad = PaymentDetails(method="bank", bank_bin="1", account_number="x", account_name="A")
    assert refused(services.payment_change, case=elder_case, payment=bad, reason="", acting_user=officer) == {
        "bank_bin": ["must be the bank's 6-digit NAPAS BIN"],
        "account_number": ["must be 6 to 19 digits"],
        "reason": ["is required"],
    }
    assert state() == before


def test_the_account_of_a_decided_case_is_not_changed_directly(active_case, officer):
    # Its months can be paid: its account changes only on the chair's approval of a request.
    before = state()

    assert refused(services.payment_change, case=active_case, payment=BANK, reason="x", acting_user=officer) == (
        not_now("Active")
    )
    assert state() == before


# --- health-insurance cards ----------------------------------------------------------------------


def test_a_valid_card_becomes_the_persons_card_number(family, officer):
    today = timezone.localdate()

    card = services.health_card_record(
        person=family.elder, number=" bt2797212345678 ", group="BT", valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=300), acting_user=officer,
    )  # fmt: skip

    assert (card.person, card.number, card.group) == (family.elder, "BT2797212345678", "BT")
    assert Person.objects.get(pk=family.elder.pk).health_insurance_number == "BT2797212345678"


def test_an_expired_card_is_kept_but_not_made_current(family, officer):
    Person.objects.filter(pk=family.elder.pk).update(health_insurance_number="7912345678")
    today = timezone.localdate()

    services.health_card_record(
        person=family.elder, number="BT2797200000001", group="BT", valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=35), acting_user=officer,
    )  # fmt: skip

    assert HealthInsuranceCard.objects.filter(person=family.elder, number="BT2797200000001").exists()
    assert Person.objects.get(pk=family.elder.pk).health_insurance_number == "7912345678"


def test_a_card_recorded_late_does_not_replace_a_later_one(family, officer):
    today = timezone.localdate()
    services.health_card_record(person=family.elder, number="BT2797200000002", group="BT",
                                valid_from=today, valid_to=today + timedelta(days=700), acting_user=officer)  # fmt: skip

    services.health_card_record(person=family.elder, number="BT2797200000001", group="BT",
                                valid_from=today - timedelta(days=300), valid_to=today + timedelta(days=60),
                                acting_user=officer)  # fmt: skip

    assert Person.objects.get(pk=family.elder.pk).health_insurance_number == "BT2797200000002"


def test_health_card_refusals(family, units, users, officer):
    outsider = make_person("Người Không Hộ", "M", date(1950, 1, 1))
    today = timezone.localdate()
    card = {"group": "BT", "valid_from": today, "valid_to": today + timedelta(days=30)}
    before = state()

    for role_key in ("tayninh_province", "tandong_chair", "tandong_committee", "binhminh_officer"):
        with pytest.raises(PermissionDenied):
            services.health_card_record(person=family.elder, number="BT2797200000003", acting_user=users[role_key],
                                        **card)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.health_card_record(person=outsider, number="BT2797200000003", acting_user=officer, **card)
    assert refused(
        services.health_card_record,
        person=family.elder,
        number="BT27-97",
        group="BT",
        valid_from=today,
        valid_to=today - timedelta(days=1),
        acting_user=officer,
    ) == {  # fmt: skip
        "number": ["must be the card's 10 or 15 characters"],
        "valid_to": ["must not be before the start"],
    }
    assert state() == before
    assert not Membership.objects.filter(person=outsider).exists()


def test_a_card_of_another_person_is_not_moved_to_this_one(family, officer):
    today = timezone.localdate()
    services.health_card_record(person=family.elder, number="BT2797200000009", group="BT", valid_from=today,
                                valid_to=today + timedelta(days=300), acting_user=officer)  # fmt: skip
    before = state()

    assert refused(
        services.health_card_record, person=family.adult, number="BT2797200000009", group="BT", valid_from=today,
        valid_to=today + timedelta(days=300), acting_user=officer,
    ) == {"number": ["this card is recorded for another person"]}  # fmt: skip
    assert state() == before
    assert HealthInsuranceCard.objects.get(number="BT2797200000009").person == family.elder


def test_a_declaration_is_confirmed_in_either_language(elder_case, officer):
    # The form was shown in Vietnamese; the test runs in English.
    services.case_verify(case=elder_case, confirmed=["Không có người có nghĩa vụ và quyền phụng dưỡng"],
                         acting_user=officer)  # fmt: skip

    elder_case.refresh_from_db()
    assert elder_case.status == "verified"
    assert elder_case.checklist["confirmed"] == [DECLARATION_5_5A]


def test_a_document_is_attached_with_an_event(elder_case, officer, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("don-de-nghi.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    document = services.document_add(case=elder_case, title=" Đơn đề nghị ", file=upload, acting_user=officer)

    assert (document.title, document.uploaded_by) == ("Đơn đề nghị", officer)
    assert events(elder_case)[-1] == ("document_added", "tandong.officer", "", {"title": "Đơn đề nghị"})
    with pytest.raises(PermissionDenied):
        services.document_add(case=elder_case, title="x", file=upload, acting_user=users["binhminh_officer"])


def test_funeral_support_is_twenty_base_levels_of_the_month_of_death(elder_case, officer, chair, client_for):
    from django.urls import reverse

    from beneficiaries.entitlement import funeral_support

    services.case_verify(case=elder_case, confirmed=[DECLARATION_5_5A], acting_user=officer)
    case = services.case_decide(case=elder_case, decision_number="7/QĐ", decision_date=date(2026, 3, 20),
                                acting_user=chair)  # fmt: skip
    assert funeral_support(case) is None  # alive

    Person.objects.filter(pk=case.person_id).update(date_of_death=date(2026, 5, 14))
    case = Case.objects.select_related("person", "commune").get(pk=case.pk)

    assert funeral_support(case) == (10_000_000, "10,000,000 = 20.0 × 500,000 (05/2026)")
    page = client_for("tandong_officer").get(reverse("beneficiaries:detail", kwargs={"case_uuid": case.uuid}))
    assert '<p data-testid="funeral">10.000.000 = 20,0 × 500.000 (05/2026) đồng</p>' in page.content.decode()
