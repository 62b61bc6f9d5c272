"""Issue 15 §3: no side channels. Each leak is tried as the insider would (the Bình Minh officer,
or the provincial viewer, against Tân Đông's data): imports, forms and the registry work list
answer a national ID of another commune with one neutral sentence and save nothing, while the same
answers inside the user's communes still name the person; identifier searches by masked roles are
whole numbers only and rate limited."""

import csv
import io
from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households import searching
from households.importing import COLUMNS as HOUSEHOLD_COLUMNS
from households.importing import RowError
from households.models import DuplicateFlag, Household, HouseholdEvent, Membership, Person
from households.services import PersonData, household_register, person_record_death
from notifications import reminders
from support.importing import COLUMNS as LOAN_COLUMNS
from support.models import Loan, Record
from tests.households.factories import make_household
from tests.notifications.conftest import templates  # noqa: F401 (a fixture)
from tests.notifications.test_views import MESSAGES, people  # noqa: F401 (a fixture)

BINH_MINH = "25480"
NEUTRAL_EN = (
    "this national ID cannot be used here: if the person is registered in another commune, ask that commune to "
    "transfer them to yours (a transfer request)"
)
NEUTRAL_VI = (
    "không dùng được số định danh cá nhân này ở đây: nếu người này đang đăng ký ở xã khác, hãy đề nghị xã đó làm thủ tục "
    "chuyển người này về xã mình (đề nghị chuyển xã)"
)
PARTIAL_VI = (
    "Tìm theo số định danh cá nhân hoặc số điện thoại phải nhập đủ số: 12 chữ số của số định danh cá nhân hoặc 10 chữ số của số điện thoại. "
    "Không tìm theo một phần của số."
)


@pytest.fixture(autouse=True)
def fresh_cache():
    """The search counts live in the cache (LocMemCache in the test settings): each test starts at 0."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tan_dong(units):
    """Tân Đông's household TD-000001: what the Bình Minh officer must not learn about."""
    return make_household(units.tan_dong, units.tan_dong_village, code="TD-000001", members=(
        ("Nguyễn Văn Tám", "M", date(1969, 4, 2), "head"), ("Lê Thị Mai", "F", date(1972, 8, 9), "spouse"),
    ))  # fmt: skip


@pytest.fixture
def binh_minh(units):
    """Two households of Bình Minh, the officer's own commune."""
    return (
        make_household(units.binh_minh, units.binh_minh_village, code="BM-000001",
                       members=(("Trần Văn Bình", "M", date(1980, 1, 1), "head"),)),
        make_household(units.binh_minh, units.binh_minh_village, code="BM-000002",
                       members=(("Phạm Thị Hoa", "F", date(1985, 3, 3), "head"),)),
    )  # fmt: skip


def registry_counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Membership.objects.count(),
        HouseholdEvent.objects.count(),
        DuplicateFlag.objects.count(),
    )


def csv_upload(columns, rows, name) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return SimpleUploadedFile(name, text.getvalue().encode(), content_type="text/csv")


def assert_names_nothing_of_tan_dong(page: str, tan_dong) -> None:
    for person in Person.objects.filter(memberships__household=tan_dong):
        assert person.full_name not in page
    assert "TD-000001" not in page and "Tân Đông" not in page


# --- the loan import ------------------------------------------------------------------------------


def loan_line(person, household_code: str, contract: str) -> dict[str, str]:
    return {
        "contract_number": contract, "household_code": household_code, "borrower_national_id": person.national_id,
        "borrower_name": "NGUOI VAY", "loan_programme": "Cho vay hộ nghèo", "amount_vnd": "50000000",
        "disbursed_on": "15/03/2024", "term_months": "60", "outstanding_vnd": "40000000", "balance_on": "30/09/2025",
        "repayment_status": "trong hạn",
    }  # fmt: skip


def test_a_loan_dry_run_answers_tan_dong_national_ids_neutrally_and_saves_nothing(client_for, tan_dong, binh_minh):
    tam, mai = (m.person for m in tan_dong.memberships.order_by("id"))
    before = (Record.objects.count(), Loan.objects.count())
    rows = [
        loan_line(tam, "BM-000001", "C1"),  # a Tân Đông resident
        loan_line(mai, "BM-404", "C2"),  # a Tân Đông resident, with a household code that does not exist
        {**loan_line(mai, "BM-000001", "C3"), "borrower_national_id": "072099999999"},  # no one at all
        loan_line(binh_minh[1].head, "BM-000001", "C4"),  # Bình Minh's own resident, in another household
    ]

    response = client_for("binhminh_officer").post(
        reverse("support:loans_import", kwargs={"commune_code": BINH_MINH}),
        {"file": csv_upload(LOAN_COLUMNS, rows, "dsvay.csv"), "dry_run": "on"},
    )

    page = response.content.decode()
    found = {(e.row, e.column): str(e.message) for e in response.context["report"].errors}
    assert found == {
        (2, "borrower_national_id"): NEUTRAL_VI,
        (3, "household_code"): "không có hộ mang mã này ở Phường Bình Minh",
        (3, "borrower_national_id"): NEUTRAL_VI,
        (4, "borrower_national_id"): NEUTRAL_VI,  # unknown reads the same as another commune's
        # In scope, the person is still named.
        (5, "borrower_national_id"): "Phạm Thị Hoa không phải nhân khẩu hiện tại của hộ BM-000001",
    }
    assert NEUTRAL_VI in page
    assert_names_nothing_of_tan_dong(page, tan_dong)
    assert (Record.objects.count(), Loan.objects.count()) == before


# --- the household import, member_add, household_register ----------------------------------------


def household_line(national_id: str, **values) -> dict[str, str]:
    """The head of a new Bình Minh household BM-NEW."""
    return {
        "household_code": "BM-NEW", "commune_code": BINH_MINH, "village": "Khu phố Ninh Phú", "address": "1 Ninh Phú",
        "national_id": national_id, "full_name": "Người Mới", "date_of_birth": "1969-04-02", "sex": "M",
        "relationship": "head", "ethnicity": "Kinh", **values,
    }  # fmt: skip


def import_dry_run(client, rows):
    return client.post(
        reverse("households:import"), {"file": csv_upload(HOUSEHOLD_COLUMNS, rows, "ho.csv"), "dry_run": "on"}
    )


def test_a_household_dry_run_names_no_household_commune_or_death_of_tan_dong(client_for, users, tan_dong, binh_minh):
    tam, mai = (m.person for m in tan_dong.memberships.order_by("id"))
    person_record_death(person=mai, date_of_death=date(2025, 6, 1), acting_user=users["tandong_officer"])
    gone = make_household(tan_dong.commune, tan_dong.village, code="TD-000002",
                          members=(("Võ Văn Đi", "M", date(1990, 2, 2), "head"),))  # fmt: skip
    Membership.objects.filter(household=gone).update(left_on=date(2024, 6, 1))  # left before transfers
    before = registry_counts()

    response = import_dry_run(client_for("binhminh_officer"), [
        household_line(tam.national_id),  # lives in Tân Đông
        household_line(mai.national_id, household_code="BM-NEW2", date_of_birth="1972-08-09", sex="F"),  # died there
        household_line(gone.head.national_id, household_code="BM-NEW3", date_of_birth="1990-02-02"),  # left it
    ])  # fmt: skip

    page = response.content.decode()
    assert response.context["report"].errors == [
        RowError(2, "national_id", NEUTRAL_VI),
        RowError(3, "national_id", NEUTRAL_VI),
        RowError(4, "national_id", NEUTRAL_VI),
    ]
    assert_names_nothing_of_tan_dong(page, tan_dong)
    assert registry_counts() == before


def test_a_household_dry_run_asks_no_guard_about_a_tan_dong_person(client_for, tan_dong, binh_minh, monkeypatch):
    """A new date of birth for a beneficiary is refused by the allowances' guard ("This person has
    a social-allowance case…"): asked about another commune's resident it would tell of their case."""
    from households import guards

    asked = []
    monkeypatch.setattr(guards, "_guards", [lambda changes: asked.extend(changes) or {
        person_id: {"date_of_birth": "has an allowance case"} for person_id, _fields in changes}])  # fmt: skip
    tam = tan_dong.head

    response = import_dry_run(
        client_for("binhminh_officer"), [household_line(tam.national_id, date_of_birth="1969-04-03")]
    )

    assert response.context["report"].errors == [RowError(2, "national_id", NEUTRAL_VI)]
    assert asked == []


def test_in_scope_the_household_import_still_names_the_household(client_for, binh_minh):
    bình = binh_minh[0].head
    before = registry_counts()

    response = import_dry_run(
        client_for("binhminh_officer"), [household_line(bình.national_id, date_of_birth="1980-01-01")]
    )

    assert response.context["report"].errors == [
        RowError(2, "national_id", f"{bình.national_id} đang thuộc hộ BM-000001 của Phường Bình Minh")
    ]
    assert registry_counts() == before


def member_post(national_id: str, born: str, sex: str = "M") -> dict[str, str]:
    return {"new-full_name": "Người Mới", "new-national_id": national_id, "new-date_of_birth": born, "new-sex": sex,
            "new-ethnicity": "01", "new-disability_level": "none", "new-relationship": "child"}  # fmt: skip


def test_member_add_answers_a_tan_dong_national_id_neutrally_and_saves_nothing(client_for, tan_dong, binh_minh):
    tam = tan_dong.head
    before = registry_counts()

    response = client_for("binhminh_officer").post(
        reverse("households:member_add", kwargs={"household_uuid": binh_minh[0].uuid}),
        member_post(tam.national_id, "1969-04-02"),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["national_id"] == [NEUTRAL_VI]
    assert_names_nothing_of_tan_dong(page, tan_dong)
    assert registry_counts() == before


def test_member_add_in_scope_still_names_the_household(client_for, binh_minh):
    hoa = binh_minh[1].head
    before = registry_counts()

    response = client_for("binhminh_officer").post(
        reverse("households:member_add", kwargs={"household_uuid": binh_minh[0].uuid}),
        member_post(hoa.national_id, "1985-03-03", sex="F"),
    )

    assert response.context["form"].errors["national_id"] == [
        f"{hoa.national_id} đang thuộc hộ BM-000002 của Phường Bình Minh"
    ]
    assert registry_counts() == before


def test_household_register_answers_a_tan_dong_national_id_neutrally(units, users, tan_dong):
    tam = tan_dong.head
    before = registry_counts()
    head = PersonData(national_id=tam.national_id, full_name="Người Mới", date_of_birth=tam.date_of_birth, sex="M")

    with pytest.raises(ValidationError) as error:
        household_register(commune=units.binh_minh, village=units.binh_minh_village, code="BM-NEW", head=head,
                           acting_user=users["binhminh_officer"])  # fmt: skip

    assert error.value.message_dict == {"national_id": [NEUTRAL_EN]}
    assert registry_counts() == before


# --- duplicate flags ------------------------------------------------------------------------------


def test_a_duplicate_of_a_tan_dong_resident_shows_nothing_of_them(units, users, client_for, tan_dong, binh_minh):
    tam = tan_dong.head
    namesake = PersonData(national_id="072069888888", full_name="Nguyễn Văn Tám", date_of_birth=tam.date_of_birth,
                          sex="M")  # fmt: skip
    household_register(commune=units.binh_minh, village=units.binh_minh_village, code="BM-NEW", head=namesake,
                       acting_user=users["binhminh_officer"])  # fmt: skip
    flag = DuplicateFlag.objects.get()

    page = client_for("binhminh_officer").get(reverse("households:arrivals")).content.decode()
    duplicates = page[
        page.index('data-testid="duplicates"') : page.index("</ul>", page.index('data-testid="duplicates"'))
    ]

    assert (flag.person.national_id, flag.existing_id) == ("072069888888", tam.pk)
    assert tam.national_id not in page and "TD-000001" not in page and "Tân Đông" not in page
    assert "072069888888" in duplicates
    assert (
        "một người đã đăng ký ở xã khác: nếu là cùng một người, hãy đề nghị xã đó làm đề nghị chuyển xã" in duplicates
    )
    assert 'value="different"' in duplicates and 'value="same"' not in duplicates


def test_a_duplicate_inside_the_officer_s_commune_shows_both_national_ids(units, users, client_for, binh_minh):
    hoa = binh_minh[1].head
    namesake = PersonData(national_id="072185888888", full_name="Phạm Thị Hoa", date_of_birth=hoa.date_of_birth,
                          sex="F")  # fmt: skip
    household_register(commune=units.binh_minh, village=units.binh_minh_village, code="BM-NEW", head=namesake,
                       acting_user=users["binhminh_officer"])  # fmt: skip

    page = client_for("binhminh_officer").get(reverse("households:arrivals")).content.decode()

    assert f"072185888888 ↔ {hoa.national_id}" in page
    assert 'value="same"' in page


# --- identifier searches by masked roles ----------------------------------------------------------


def household_codes(response) -> list[str]:
    return [household.code for household in response.context["households"]]


def test_the_viewer_finds_a_household_by_a_whole_national_id_only(client_for, tan_dong):
    tam = tan_dong.head
    viewer = client_for("tayninh_province")

    whole = viewer.get(reverse("households:list"), {"q": tam.national_id})
    part = viewer.get(reverse("households:list"), {"q": tam.national_id[:9]})
    spaced = viewer.get(reverse("households:list"), {"q": f"{tam.national_id[:4]} {tam.national_id[4:8]}"})

    assert household_codes(whole) == ["TD-000001"]
    assert (part.status_code, household_codes(part)) == (200, [])
    assert part.context["form"].errors["q"] == [PARTIAL_VI]
    assert PARTIAL_VI in part.content.decode()
    assert (household_codes(spaced), spaced.context["form"].errors["q"]) == ([], [PARTIAL_VI])
    # A name is no identifier: searched as before, and not counted.
    assert household_codes(viewer.get(reverse("households:list"), {"q": "nguyen van tam"})) == ["TD-000001"]


def test_the_officer_still_searches_part_of_a_number_as_before(client_for, tan_dong):
    officer = client_for("tandong_officer")

    response = officer.get(reverse("households:list"), {"q": tan_dong.head.national_id[:9]})

    assert response.context["form"].errors == {}


def test_identifier_searches_are_limited_per_user_and_the_limit_resets(client_for, users, tan_dong, settings,
                                                                       monkeypatch):  # fmt: skip
    settings.IDENTIFIER_SEARCH_LIMITS = [[3, 600]]
    now = 1_800_000_000.0  # the start of a 10-minute window
    monkeypatch.setattr(searching, "_now", lambda: now)
    viewer = client_for("tayninh_province")
    url = reverse("households:list")
    guesses = [f"0720692545{n:02d}" for n in range(4)]

    answered = [household_codes(viewer.get(url, {"q": guess})) for guess in guesses[:3]]
    refused = viewer.get(url, {"q": tan_dong.head.national_id})
    other_viewer = client_for("hcm_province").get(url, {"q": guesses[0]})
    officer = [client_for("tandong_officer").get(url, {"q": tan_dong.head.national_id}) for _ in range(4)]
    names = viewer.get(url, {"q": "nguyen van tam"})  # not an identifier search: still answered
    export = viewer.get(reverse("households:export"), {"q": tan_dong.head.national_id, "format": "csv"})
    now += 600
    reset = viewer.get(url, {"q": tan_dong.head.national_id})

    limit = "Anh/chị đã tìm theo số định danh cá nhân hoặc số điện thoại 3 lần trong 10 phút, mức tối đa cho phép: vui lòng thử lại sau."
    assert answered == [[], [], []]
    assert (refused.status_code, household_codes(refused), refused.context["form"].errors["q"]) == (200, [], [limit])
    assert limit in refused.content.decode()
    assert other_viewer.context["form"].errors == {}  # per user
    assert [household_codes(response) for response in officer] == [["TD-000001"]] * 4  # officers are not limited
    assert household_codes(names) == ["TD-000001"]
    assert len(b"".join(export.streaming_content).decode().splitlines()) == 1  # the header: a refused search
    assert (reset.context["form"].errors, household_codes(reset)) == ({}, ["TD-000001"])


def test_the_daily_limit_has_its_own_message(client_for, tan_dong, settings):
    settings.IDENTIFIER_SEARCH_LIMITS = [[30, 600], [1, 24 * 60 * 60]]
    viewer = client_for("tayninh_province")
    url = reverse("households:list")

    viewer.get(url, {"q": tan_dong.head.national_id})
    refused = viewer.get(url, {"q": tan_dong.head.national_id})

    assert refused.context["form"].errors["q"] == [
        "Anh/chị đã tìm theo số định danh cá nhân hoặc số điện thoại 1 lần trong 24 giờ, mức tối đa cho phép: vui lòng thử lại sau."
    ]


def test_the_viewer_cannot_search_part_of_a_phone_on_the_messages_page(people, client_for):  # noqa: F811
    reminders.send_reminders()
    viewer = client_for("tayninh_province")

    part = viewer.get(MESSAGES, {"q": "2345678"})
    whole = viewer.get(MESSAGES, {"q": "0912 345 678"})
    wrong = viewer.get(MESSAGES, {"q": "0912 345 679"})
    officer = client_for("tandong_officer").get(MESSAGES, {"q": "2345678"})

    assert (part.status_code, part.context["rows"], part.context["form"].errors["q"]) == (200, [], [PARTIAL_VI])
    assert [m.person.full_name for m in whole.context["rows"]] == ["Nguyễn Thị Hoa"]
    assert wrong.context["rows"] == []
    assert [m.person.full_name for m in officer.context["rows"]] == ["Nguyễn Thị Hoa"]


def test_the_viewer_cannot_search_part_of_a_national_id_among_cases(client_for, tan_dong):
    response = client_for("tayninh_province").get(reverse("beneficiaries:list"), {"q": tan_dong.head.national_id[:6]})

    assert (response.status_code, response.context["form"].errors["q"]) == (200, [PARTIAL_VI])


# --- the beneficiaries import and case form (already neutral: held here) ---------------------------


def test_a_beneficiaries_dry_run_reads_a_tan_dong_national_id_as_an_unknown_one(users, tan_dong, binh_minh):
    from beneficiaries.importing import import_beneficiaries
    from beneficiaries.models import ImportBatch
    from tests.beneficiaries.test_import import line

    place = {"commune_code": BINH_MINH, "village": "Khu phố Ninh Phú", "household_code": "BM-000001"}
    tam = tan_dong.head
    unknown = {**line(tam, **place), "national_id": "072069999999"}

    report = import_beneficiaries([line(tam, **place), unknown], acting_user=users["binhminh_officer"], dry_run=True)

    by_row = {row: [(e.column, str(e.message)) for e in report.errors if e.row == row] for row in (2, 3)}
    assert by_row[2] == by_row[3]
    assert ("national_id", "no person with this national ID in the registry of your communes") in by_row[2]
    assert not any("Tân Đông" in message or "TD-000001" in message for _column, message in by_row[2])
    assert ImportBatch.objects.count() == 0
