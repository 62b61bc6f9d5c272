"""A beneficiary's date of birth changes only when the chair approves (issue 14): the registry
refuses it directly (tests/households/test_person_guards.py); the officer proposes it on the case,
and a commune chair who is not the maker approves it; the registry then writes it through its own
service, and the engine pays by it from then on.

The clock is frozen on 10 July 2026. Bà Mai (born 15 September 1946, national ID year digits 46)
is 79 until September: her 5.5a case, decided on 20 March 2026 and paid in cash, pays 500,000 × 1.5
= 750,000 a month. Her birth certificate says 5 July 1946: from July she is 80, and 5.5a pays
500,000 × 2.0 = 1,000,000.
"""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from beneficiaries import changes
from beneficiaries.changes import BirthDateChange
from beneficiaries.entitlement import compute
from beneficiaries.models import CaseEvent, ChangeRequest
from households import services as registry
from households.models import HouseholdEvent, Person
from tests.beneficiaries.conftest import move_household
from tests.beneficiaries.test_change_requests import money_state, prepare_run, run_lines
from tests.factories import UserFactory
from tests.households.factories import make_household
from tests.households.test_person_guards import decided_case
from tests.households.test_residence import registry_state

NOW = datetime(2026, 7, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)
BORN, CERTIFIED = date(1946, 9, 15), date(1946, 7, 5)
MARCH_TO_JULY = ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
STALE = "The case has changed since this request was made; reject it and make a new request if still needed."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(units):
    return make_household(units.tan_dong, units.tan_dong_village, code="TD-MAI", members=(
        ("Lê Thị Mai", "F", BORN, "head"), ("Lê Văn Tâm", "M", date(1975, 4, 4), "child"),
    ))  # fmt: skip


@pytest.fixture
def mai(family) -> Person:
    return family.head


@pytest.fixture
def case(mai, units, users):
    return decided_case(mai, units, users)


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


@pytest.fixture
def chair(users):
    return users["tandong_chair"]


@pytest.fixture
def vice_chair(units):
    return UserFactory(username="tandong.vicechair", role=Role.COMMUNE_CHAIR, communes=[units.tan_dong])


def everything() -> dict:
    return {"registry": registry_state(), "money": money_state()}


def propose(case, maker, born=CERTIFIED, national_id=None, reason="Theo giấy khai sinh") -> ChangeRequest:
    return changes.change_request_create(case=case, kind="birth_date", proposal=BirthDateChange(born, national_id),
                                         reason=reason, acting_user=maker)  # fmt: skip


def approve(change, checker) -> ChangeRequest:
    return changes.change_request_approve(change_request=change, acting_user=checker)


def refused(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def owed(case, month) -> list[tuple[int, int]]:
    return [(line.month.month, line.amount) for line in compute([case.pk], month)[case.pk].months]


def born(person) -> date:
    return Person.objects.get(pk=person.pk).date_of_birth


def url(name, **kwargs) -> str:
    return reverse(f"beneficiaries:{name}", kwargs=kwargs)


# --- the honest path ------------------------------------------------------------------------------------


def test_the_officer_proposes_the_date_on_the_case_page_and_nothing_changes_until_approved(
    case, mai, units, officer, client_for
):
    client = client_for("tandong_officer", language="en")
    form = client.get(url("birth_date", case_uuid=case.uuid)).content.decode()
    assert 'value="15/09/1946"' in form and f'value="{mai.national_id}"' in form
    before = everything()

    response = client.post(url("birth_date", case_uuid=case.uuid),
                           {"date_of_birth": "1946-07-05", "national_id": mai.national_id,
                            "reason": "Theo giấy khai sinh"})  # fmt: skip

    assert response.status_code == 302 and response["Location"] == url("detail", case_uuid=case.uuid)
    change = ChangeRequest.objects.get()
    assert (change.kind, change.status, change.requested_by, change.proposed, change.before) == (
        "birth_date", "pending", officer,
        {"date_of_birth": "1946-07-05", "national_id": mai.national_id},
        {"date_of_birth": "1946-09-15", "national_id": mai.national_id},
    )  # fmt: skip
    after = everything()
    assert after["registry"] == before["registry"]
    assert (after["money"]["cases"], after["money"]["categories"]) == (before["money"]["cases"],
                                                                       before["money"]["categories"])  # fmt: skip
    assert born(mai) == BORN
    # Until the chair approves, runs pay what her age in the registry pays.
    assert run_lines(prepare_run(units.tan_dong, JULY, officer)) == [(MARCH_TO_JULY, 3_750_000, "cash", "", "", "")]


def test_the_chair_s_approval_corrects_the_date_and_the_amount_exactly(case, mai, family, units, officer, chair):
    change = propose(case, officer)
    assert owed(case, AUGUST)[-1] == (8, 750_000)

    approve(change, chair)

    assert born(mai) == CERTIFIED
    # From July she is 80: 5.5a pays 2.0 × 500,000; March to June stay at 1.5.
    assert owed(case, AUGUST) == [(3, 750_000), (4, 750_000), (5, 750_000), (6, 750_000), (7, 1_000_000),
                                  (8, 1_000_000)]  # fmt: skip
    assert run_lines(prepare_run(units.tan_dong, JULY, officer)) == [(MARCH_TO_JULY, 4_000_000, "cash", "", "", "")]
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decided_at) == ("approved", chair, NOW)
    trace = {"request": str(change.uuid), "requested_by": "tandong.officer", "approved_by": "tandong.chair"}
    assert list(case.events.order_by("pk").values_list("kind", "actor__username", "reason", "data"))[-2:] == [
        ("change_requested", "tandong.officer", "Theo giấy khai sinh",
         {"request": str(change.uuid), "change": "birth_date", "before": "1946-09-15", "after": "1946-07-05"}),
        ("birth_date_corrected", "tandong.chair", "Theo giấy khai sinh",
         {"before": "1946-09-15", "after": "1946-07-05", **trace}),
    ]  # fmt: skip
    edited = HouseholdEvent.objects.get(kind="member_edited")
    assert (edited.household, edited.person_id, edited.actor, edited.reason, edited.data) == (
        family, mai.pk, chair, "Theo giấy khai sinh",
        {"name": "Lê Thị Mai", "changes": {"date_of_birth": ["1946-09-15", "1946-07-05"]}, **trace},
    )  # fmt: skip


def test_the_request_page_shows_what_the_case_is_owed_before_and_after(case, mai, officer, client_for):
    change = propose(case, officer)
    before = everything()

    page = client_for("tandong_chair", language="en").get(url("change_detail", request_uuid=change.uuid))

    text = page.content.decode()
    assert page.status_code == 200
    assert "15/09/1946" in text and "05/07/1946" in text
    assert "Owed for 07/2026, arrears included" in text
    assert "3,750,000 đ</strong> → <strong>4,000,000 đ" in text
    assert "Approving writes the new date of birth to the registry now" in text
    assert 'data-testid="approve"' in text
    assert everything() == before  # the preview wrote nothing
    assert born(mai) == BORN


def test_the_household_timeline_names_who_asked_and_who_approved(case, mai, family, officer, chair, client_for):
    approve(propose(case, officer), chair)

    page = client_for("tayninh_province", language="en").get(
        reverse("households:detail", kwargs={"household_uuid": family.uuid})
    )

    text = page.content.decode()
    assert "Date of birth: 15/09/1946 → 05/07/1946" in text
    assert "15/09/1946 → 05/07/1946 · requested by tandong.officer, approved by tandong.chair" in text
    assert "Date of birth: 15/09/1946 → 05/07/1946 · requested by tandong.officer, approved by tandong.chair" in text


# --- who may decide ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("maker_key", ["officer", "chair"])
def test_the_maker_cannot_approve_their_own_birth_date_request(maker_key, case, mai, officer, chair, vice_chair):
    maker = {"officer": officer, "chair": chair}[maker_key]
    change = propose(case, maker)
    before = everything()

    with pytest.raises(PermissionDenied):
        approve(change, maker)

    assert everything() == before
    assert born(mai) == BORN
    approve(change, vice_chair)  # another chair of the commune may
    assert born(mai) == CERTIFIED


def test_the_registry_s_writer_wants_a_chair_of_the_person_s_commune_who_did_not_ask(mai, officer, chair, users):
    before = registry_state()
    call = {"person": mai, "date_of_birth": CERTIFIED, "date_of_birth_before": BORN, "reason": "x"}

    for requested_by, acting_user in ((chair, officer), (chair, chair), (officer, users["binhminh_officer"]),
                                      (officer, users["tayninh_province"]), (None, chair)):  # fmt: skip
        with pytest.raises(PermissionDenied):
            registry.person_birth_date_correct(**call, requested_by=requested_by, acting_user=acting_user)

    assert registry_state() == before


def test_a_stale_approval_is_refused_and_writes_nothing(case, mai, officer, chair):
    change = propose(case, officer)
    # Meanwhile another door wrote another date (the registry's guard holds the known ones).
    Person.objects.filter(pk=mai.pk).update(date_of_birth=date(1946, 9, 16))
    before = everything()

    assert refused(approve, change=change, checker=chair) == {"__all__": [STALE]}
    assert everything() == before
    # The registry's writer compares too, under its lock.
    assert refused(registry.person_birth_date_correct, person=mai, date_of_birth=CERTIFIED, date_of_birth_before=BORN,
                   requested_by=officer, acting_user=chair) == {
        "date_of_birth": ["Lê Thị Mai's date of birth has changed since the request was made (now 16/09/1946)."]
    }  # fmt: skip
    assert everything() == before


def test_a_changed_national_id_makes_the_request_stale_too(case, mai, officer, chair):
    change = propose(case, officer)
    new_id = mai.national_id[:6] + "999999"
    registry.member_edit(person=mai, data=registry.person_data_from(mai, national_id=new_id), acting_user=officer)
    before = everything()

    assert refused(approve, change=change, checker=chair) == {"__all__": [STALE]}
    assert everything() == before


# --- what may be proposed ------------------------------------------------------------------------------------


def test_a_date_that_disagrees_with_the_national_id_is_refused(case, mai, officer, chair, client_for):
    before = everything()

    assert refused(propose, case=case, maker=officer, born=date(1945, 7, 5)) == {
        "national_id": [
            "its year digits 46 do not match the year of birth",
            "A new year of birth needs the national ID that goes with it: give it here, as on the person's card.",
        ]
    }
    page = client_for("tandong_officer", language="en").post(
        url("birth_date", case_uuid=case.uuid),
        {"date_of_birth": "1945-07-05", "national_id": mai.national_id, "reason": "Theo giấy khai sinh"},
    )
    assert page.status_code == 200 and "its year digits 46 do not match the year of birth" in page.content.decode()
    assert everything() == before

    # With the national ID of her card (year digits 45), the year is corrected with it.
    card = mai.national_id[:4] + "45" + mai.national_id[6:]
    approve(propose(case, officer, born=date(1945, 7, 5), national_id=card), chair)
    person = Person.objects.get(pk=mai.pk)
    assert (person.date_of_birth, person.national_id) == (date(1945, 7, 5), card)
    assert case.events.get(kind="birth_date_corrected").data["national_id"] == (
        f"•••••••••{mai.national_id[-3:]} → •••••••••{card[-3:]}"
    )


def test_impossible_or_unchanged_dates_are_refused(case, mai, officer):
    before = everything()

    assert refused(propose, case=case, maker=officer, born=date(2026, 8, 1)) == {
        "date_of_birth": ["2026-08-01 is not a possible date of birth"]
    }
    assert refused(propose, case=case, maker=officer, born=BORN) == {
        "__all__": ["Nothing would change: these are the case's values."]
    }
    assert refused(propose, case=case, maker=officer, reason=" ") == {"reason": ["is required"]}
    assert everything() == before


def test_a_person_who_now_lives_in_another_commune_is_corrected_there(case, mai, family, units, users, officer):
    move_household(SimpleNamespace(household=family), units.binh_minh, users, "binhminh_officer")
    before = everything()

    assert refused(propose, case=case, maker=officer) == {
        "date_of_birth": ["Lê Thị Mai now lives in another commune: the change is proposed there, on their case."]
    }
    # Nor may the commune where she lives now change it alone while her case can be paid.
    with pytest.raises(ValidationError):
        registry.member_edit(person=mai, data=registry.person_data_from(mai, date_of_birth=CERTIFIED),
                             acting_user=users["binhminh_officer"])  # fmt: skip
    assert everything() == before


def test_the_change_pages_offer_the_correction_to_the_officer_and_the_chair(case, client_for):
    for role in ("tandong_officer", "tandong_chair"):
        client = client_for(role)
        assert client.get(url("birth_date", case_uuid=case.uuid)).status_code == 200
        assert url("birth_date", case_uuid=case.uuid) in client.get(url("detail", case_uuid=case.uuid)).content.decode()
    assert client_for("tandong_committee").get(url("birth_date", case_uuid=case.uuid)).status_code == 403
    assert client_for("binhminh_officer").get(url("birth_date", case_uuid=case.uuid)).status_code == 404
    assert not CaseEvent.objects.filter(kind="change_requested").exists()
