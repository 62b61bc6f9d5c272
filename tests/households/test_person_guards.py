"""A beneficiary's date of birth is not the registry's alone to change (issue 14, the side door
found after the first round): the allowance depends on the person's age in each month, so a new
date of birth changes the amount paid. The registry asks the apps' guards (``households.guards``)
before it writes; the allowance app refuses a new date of birth of a person whose case can still be
paid, and the change goes through a request the chair approves (tests/beneficiaries/
test_birth_date_requests.py).

The insider is Tân Đông's officer, alone. Bà Mai (born 15 September 1946) is 79 in July 2026: her
5.5a case pays 500,000 × 1.5 = 750,000 a month; at 80 it would pay 1,000,000. The officer makes her
born on 1 July 1946 (the same year, so her national ID still agrees) through the household page,
the service and the import: each is refused with nothing written, and the run computed afterwards
pays the old amount. The clock is frozen on 10 July 2026.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries import services as allowance_services
from beneficiaries.services import CategoryChoice, PaymentDetails
from households import guards, services
from households.importing import RowError, import_households
from households.models import DuplicateFlag, HouseholdEvent, Membership, Person
from households.services import person_data_from
from tests.beneficiaries.test_change_requests import money_state, prepare_run, run_lines
from tests.households.factories import make_household
from tests.households.test_import import line
from tests.households.test_import_views import upload
from tests.households.test_residence import edit_post, member_url, registry_state

NOW = datetime(2026, 7, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
JULY = date(2026, 7, 1)
BORN = date(1946, 9, 15)
TURNS_80_IN_JULY = date(1946, 7, 1)
GUARDED = (
    "This person has a social-allowance case: a new date of birth changes the allowance, so it must be proposed on "
    "the case (“Propose a correction of the date of birth”) and approved by the commune chair."
)
MARCH_TO_JULY = ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def household(units):
    return make_household(units.tan_dong, units.tan_dong_village, code="TD-MAI", members=(
        ("Lê Thị Mai", "F", BORN, "head"), ("Lê Văn Tâm", "M", date(1975, 4, 4), "child"),
    ))  # fmt: skip


@pytest.fixture
def mai(household) -> Membership:
    return household.memberships.get(relationship="head")


@pytest.fixture
def tam(household) -> Membership:
    return household.memberships.get(relationship="child")


def decided_case(person, units, users):
    officer, chair = users["tandong_officer"], users["tandong_chair"]
    case = allowance_services.case_apply(
        person=person, commune=units.tan_dong, categories=[CategoryChoice("5.5a")], applied_on=date(2026, 3, 2),
        payment=PaymentDetails(method="cash"), acting_user=officer,
    )  # fmt: skip
    confirmed = [text for row in case.categories.select_related("category") for text in row.category.declarations]
    allowance_services.case_verify(case=case, confirmed=confirmed, acting_user=officer)
    return allowance_services.case_decide(case=case, decision_number="21/QĐ-UBND", decision_date=date(2026, 3, 20),
                                          acting_user=chair)  # fmt: skip


@pytest.fixture
def mai_case(mai, units, users):
    return decided_case(mai.person, units, users)


def everything() -> dict:
    return {"registry": registry_state(), "money": money_state()}


def born(membership: Membership) -> date:
    return Person.objects.get(pk=membership.person_id).date_of_birth


def file_line(membership: Membership, **values) -> dict:
    """The person's line of a registry file as the registry has them now; override any column."""
    person = membership.person
    registered = {"household_code": "TD-MAI", "address": "", "national_id": person.national_id,
                  "full_name": person.full_name, "date_of_birth": person.date_of_birth.isoformat(), "sex": person.sex,
                  "relationship": membership.relationship}  # fmt: skip
    return line(**(registered | values))


# --- the insider's doors -------------------------------------------------------------------------------


def test_an_officer_alone_cannot_make_a_beneficiary_80_on_the_household_page(mai, mai_case, units, users, client_for):
    client = client_for("tandong_officer", language="en")
    before = everything()

    response = client.post(member_url("member_row", mai), edit_post(mai, date_of_birth="1946-07-01"),
                           HTTP_HX_REQUEST="true")  # fmt: skip

    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="member-edit-form"' in text and "Propose a correction of the date of birth" in text
    assert everything() == before
    assert born(mai) == BORN
    # The run computed afterwards pays what her age pays: 79, five months at 750,000.
    run = prepare_run(units.tan_dong, JULY, users["tandong_officer"])
    assert run_lines(run) == [(MARCH_TO_JULY, 3_750_000, "cash", "", "", "")]


def test_an_officer_alone_cannot_change_a_beneficiary_s_date_of_birth_through_the_service(mai, mai_case, users):
    before = everything()

    with pytest.raises(ValidationError) as error:
        services.member_edit(person=mai.person, data=person_data_from(mai.person, date_of_birth=TURNS_80_IN_JULY),
                             reason="sửa ngày sinh", acting_user=users["tandong_officer"])  # fmt: skip

    assert error.value.message_dict == {"date_of_birth": [GUARDED]}
    assert everything() == before


def test_an_officer_alone_cannot_change_a_beneficiary_s_date_of_birth_by_import(mai, tam, mai_case, units, users):
    before = everything()
    rows = [file_line(mai, date_of_birth="1946-07-01"), file_line(tam, date_of_birth="1975-04-05")]

    for dry_run in (True, False):
        report = import_households(rows=rows, user=users["tandong_officer"], dry_run=dry_run)

        # Line 2 (the first data line), column date_of_birth; Tâm's line alone would be fine, but
        # the file lands whole or not at all.
        assert report.errors == [RowError(2, "date_of_birth", GUARDED)]
    assert everything() == before
    run = prepare_run(units.tan_dong, JULY, users["tandong_officer"])
    assert run_lines(run) == [(MARCH_TO_JULY, 3_750_000, "cash", "", "", "")]


def test_an_import_that_meets_a_case_decided_after_its_check_saves_nothing(mai, mai_case, users, monkeypatch):
    # As if the chair decided her case between the file's check and its writing: the write asks again.
    monkeypatch.setattr("households.importing._check_guarded_changes", lambda lines, errors: None)
    before = everything()

    report = import_households(rows=[file_line(mai, date_of_birth="1946-07-01")], user=users["tandong_officer"])

    assert report.errors == [RowError(0, "", "The registry changed during the import; nothing was saved. Try again.")]
    assert everything() == before


def test_the_import_page_reports_the_refused_line_and_column(mai, mai_case, client_for):
    before = everything()

    response = client_for("tandong_officer", language="en").post(
        reverse("households:import"), upload([file_line(mai, date_of_birth="1946-07-01")], dry_run=False)
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "date_of_birth" in text and "Propose a correction of the date of birth" in text
    assert everything() == before


def test_a_terminated_case_with_months_still_owed_guards_the_date_too(mai, mai_case, users):
    allowance_services.case_terminate(case=mai_case, last_month=date(2026, 6, 1), reason="Chuyển đi",
                                      acting_user=users["tandong_chair"])  # fmt: skip
    before = everything()

    with pytest.raises(ValidationError):
        services.member_edit(person=mai.person, data=person_data_from(mai.person, date_of_birth=TURNS_80_IN_JULY),
                             acting_user=users["tandong_officer"])  # fmt: skip
    assert everything() == before


# --- the honest paths stay easy --------------------------------------------------------------------------


def test_a_beneficiary_s_other_details_still_change_directly(mai, mai_case, users):
    services.member_edit(person=mai.person, data=person_data_from(mai.person, full_name="Lê Thị Mai Anh",
                                                                   phone="0912345678"),
                         reason="sai chính tả", acting_user=users["tandong_officer"])  # fmt: skip

    person = Person.objects.get(pk=mai.person_id)
    assert (person.full_name, person.phone, person.date_of_birth) == ("Lê Thị Mai Anh", "+84912345678", BORN)


def test_a_non_beneficiary_s_date_of_birth_still_changes_directly(mai, tam, mai_case, users, client_for):
    client = client_for("tandong_officer", language="en")

    response = client.post(member_url("member_row", tam), edit_post(tam, date_of_birth="1975-04-05"),
                           HTTP_HX_REQUEST="true")  # fmt: skip

    assert response.status_code == 200 and 'data-testid="member-edit-form"' not in response.content.decode()
    assert born(tam) == date(1975, 4, 5)
    assert HouseholdEvent.objects.filter(kind="member_edited").get().data["changes"] == {
        "date_of_birth": ["1975-04-04", "1975-04-05"]
    }
    report = import_households(rows=[file_line(mai), file_line(tam, date_of_birth="1975-04-06")],
                               user=users["tandong_officer"])  # fmt: skip
    assert (report.errors, report.persons_updated) == ([], 2)
    assert (born(tam), born(mai)) == (date(1975, 4, 6), BORN)


def test_a_case_not_yet_decided_does_not_hold_the_date(mai, units, users):
    # Applied for, not decided: nothing can be paid yet, and the chair's decision comes after and sees it.
    allowance_services.case_apply(person=mai.person, commune=units.tan_dong, categories=[CategoryChoice("5.5a")],
                                  applied_on=date(2026, 7, 1), payment=PaymentDetails(method="cash"),
                                  acting_user=users["tandong_officer"])  # fmt: skip

    services.member_edit(person=mai.person, data=person_data_from(mai.person, date_of_birth=date(1946, 9, 16)),
                         acting_user=users["tandong_officer"])  # fmt: skip

    assert born(mai) == date(1946, 9, 16)


def test_the_guards_answer_a_whole_import_in_one_query(units, users, django_assert_num_queries):
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-G", members=[
        (f"Người {number}", "M", date(1950, 1, 1 + number), "head" if number == 0 else "sibling")
        for number in range(5)
    ])  # fmt: skip
    people = [membership.person for membership in household.memberships.order_by("pk")]
    held = people[1]
    decided_case(held, units, users)
    asked = [(person.pk, ["date_of_birth", "full_name"]) for person in people] + [(people[2].pk, ["phone"])]

    with django_assert_num_queries(1):
        problems = guards.person_change_problems(asked)

    assert problems == {held.pk: {"date_of_birth": [GUARDED]}}
    with django_assert_num_queries(0):
        assert guards.person_change_problems([(people[0].pk, []), (people[3].pk, ())]) == {}


# --- merging a beneficiary entered twice -------------------------------------------------------------------


def test_a_merge_that_would_delete_a_beneficiary_is_refused_with_nothing_changed(mai, mai_case, units, users):
    # The same woman was registered earlier in another household she has left (no current home).
    earlier = make_household(units.tan_dong, units.tan_dong_village, code="TD-OLD",
                             members=(("Lê Thị Mai", "F", BORN, "head"),))  # fmt: skip
    Membership.objects.filter(household=earlier).update(left_on=date(2024, 1, 1), left_reason="về ở với con")
    flag = DuplicateFlag.objects.create(person=mai.person, existing=earlier.head, commune=units.tan_dong)
    before = everything()

    with pytest.raises(ValidationError) as error:
        services.duplicate_resolve(flag=flag, same_person=True, acting_user=users["tandong_officer"])

    assert error.value.message_dict == {
        "flag": [
            "Lê Thị Mai, the record entered later that the merge would remove, is named by records elsewhere "
            "(allowance case): these two records cannot be merged here."
        ]
    }
    assert everything() == before
    assert DuplicateFlag.objects.get(pk=flag.pk).status == "open"
    # The honest way out: the officer closes the check as two records, nothing is lost.
    services.duplicate_resolve(flag=flag, same_person=False, acting_user=users["tandong_officer"])
    assert Person.objects.filter(pk=mai.person_id).exists()


def test_the_merge_page_shows_the_refusal_instead_of_an_error_page(mai, mai_case, units, users, client_for):
    earlier = make_household(units.tan_dong, units.tan_dong_village, code="TD-OLD",
                             members=(("Lê Thị Mai", "F", BORN, "head"),))  # fmt: skip
    Membership.objects.filter(household=earlier).update(left_on=date(2024, 1, 1))
    flag = DuplicateFlag.objects.create(person=mai.person, existing=earlier.head, commune=units.tan_dong)
    before = everything()

    response = client_for("tandong_officer", language="en").post(
        reverse("households:duplicate_resolve", kwargs={"flag_id": flag.pk}), {"decision": "same"}, follow=True
    )

    assert response.status_code == 200
    assert "cannot be merged here" in response.content.decode()
    assert everything() == before


def test_merging_a_newer_record_who_heads_a_household_makes_the_older_the_head(units, users):
    # The newer record heads a household (no case): the merge used to fail on the household's head.
    household = make_household(units.tan_dong, units.tan_dong_village, code="TD-NEW",
                               members=(("Lê Thị Mai", "F", BORN, "head"),))  # fmt: skip
    earlier = make_household(units.tan_dong, units.tan_dong_village, code="TD-OLD",
                             members=(("Lê Thị Mai", "F", BORN, "head"),))  # fmt: skip
    Membership.objects.filter(household=earlier).update(left_on=date(2024, 1, 1))
    newer = household.head
    flag = DuplicateFlag.objects.create(person=newer, existing=earlier.head, commune=units.tan_dong)

    services.duplicate_resolve(flag=flag, same_person=True, acting_user=users["tandong_officer"])

    household.refresh_from_db()
    assert household.head == earlier.head
    assert list(household.memberships.values_list("person", "relationship")) == [(earlier.head_id, "head")]
    assert not Person.objects.filter(pk=newer.pk).exists()
