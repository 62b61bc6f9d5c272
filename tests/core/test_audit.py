"""The one writer of set-based audit (``core.audit``): its history rows are simple-history's own, field
for field, and an import audits what it changes and nothing else."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from beneficiaries.models import Case, PaymentMethod
from core.audit import write_events, write_history
from core.bulk import as_rows
from households.importing import import_households
from households.models import Household, HouseholdEvent, Person
from privacy.encryption import is_encrypted

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
HEAD = "072080001234"  # a man born 1980-05-01


def _history(model, pks) -> list[dict]:
    """The history rows of ``pks`` as the ORM reads them (decrypted), without their own id."""
    rows = model.history.filter(id__in=pks).order_by("id", "history_type").values()
    return [{name: value for name, value in row.items() if name != "history_id"} for row in rows]


def _simple_history_and_ours(model, objects, *, user, history_type: str) -> tuple[list[dict], list[dict]]:
    """The rows ``bulk_history_create`` writes for ``objects``, then (those deleted) the rows
    ``write_history`` writes for the same objects."""
    pks = [obj.pk for obj in objects]
    model.history.filter(id__in=pks).delete()
    model.history.bulk_history_create(
        objects, update=history_type == "~", default_user=user, default_change_reason="import", default_date=NOW
    )
    theirs = _history(model, pks)
    model.history.filter(id__in=pks).delete()
    write_history(model, as_rows(model, objects), user=user, now=NOW, history_type=history_type, reason="import")
    return theirs, _history(model, pks)


@pytest.mark.parametrize("history_type", ["+", "~"])
def test_the_history_rows_are_those_simple_history_writes(history_type, users):
    officer = users["tandong_officer"]
    persons = [
        Person.objects.create(national_id=HEAD, full_name="Trần Văn Bình", search_name="tran van binh",
                              date_of_birth=date(1980, 5, 1), sex="M", phone="+84912345678"),
        Person.objects.create(full_name="Lê Thị Hoa", search_name="le thi hoa", date_of_birth=date(2015, 2, 3),
                              sex="F", disability_level="mild"),
    ]  # fmt: skip

    theirs, ours = _simple_history_and_ours(Person, persons, user=officer, history_type=history_type)

    assert len(ours) == 2
    assert ours == theirs
    assert {(row["history_type"], row["history_user_id"], row["history_change_reason"]) for row in ours} == {
        (history_type, officer.pk, "import")
    }


def test_an_encrypted_field_and_its_blind_index_are_written_as_simple_history_writes_them(units, users):
    officer = users["tandong_officer"]
    person = Person.objects.create(full_name="Trần Văn Bình", search_name="tran van binh",
                                   date_of_birth=date(1950, 5, 1), sex="M")  # fmt: skip
    case = Case.objects.create(
        person=person,
        commune=units.tan_dong,
        applied_on=date(2026, 1, 5),
        prepared_by=officer,
        payment_method=PaymentMethod.BANK,
        bank_bin="970415",
        account_number="0123456789",
    )

    theirs, ours = _simple_history_and_ours(Case, [case], user=officer, history_type="~")

    assert ours == theirs
    assert (ours[0]["account_number"], ours[0]["account_hash"]) == ("0123456789", case.account_hash)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT account_number FROM {Case.history.model._meta.db_table} WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert is_encrypted(stored)  # never a plaintext account in the history table


def test_events_are_completed_as_save_completes_them(units, users):
    officer = users["tandong_officer"]
    household = Household.objects.create(commune=units.tan_dong, code="HH-900", village=units.tan_dong_village)

    write_events(
        HouseholdEvent,
        [{"household_id": household.pk, "commune_id": "25522", "kind": "imported", "actor_id": officer.pk,
          "data": {"created": 1, "updated": 0}}],
        now=NOW,
    )  # fmt: skip

    event = HouseholdEvent.objects.get(household=household)
    assert (event.kind, event.actor, event.occurred_at, event.reason, event.data) == (
        "imported", officer, NOW, "", {"created": 1, "updated": 0}
    )  # fmt: skip


def _line(**values) -> dict[str, str]:
    row = {
        "household_code": "HH-001", "commune_code": "25522", "village": "Ấp Đông Hà", "address": "12 đường Số 1",
        "area": "", "national_id": HEAD, "full_name": "Nguyễn Văn An", "date_of_birth": "1980-05-01", "sex": "M",
        "relationship": "head", "ethnicity": "Kinh", "phone": "", "disability_level": "",
    }  # fmt: skip
    row.update(values)
    return row


def _audit() -> dict:
    return {
        "person": sorted(Person.history.values_list("national_id", "history_type", "history_change_reason")),
        "household": sorted(Household.history.values_list("code", "history_type", "history_change_reason")),
    }


def test_an_import_audits_each_row_it_changes_and_none_it_leaves_as_it_was(units, users):
    officer = users["tandong_officer"]
    child = _line(national_id="", full_name="Nguyễn Thị Con", date_of_birth="2016-02-03", sex="F",
                  relationship="child")  # fmt: skip
    assert import_households(rows=[_line(), child], user=officer).ok
    created = _audit()
    assert created == {
        "person": [("", "+", "import"), (HEAD, "+", "import")],
        "household": [("HH-001", "+", "import")],
    }

    # The same file again: nothing changes, so no history row (the household gets its IMPORTED event).
    assert import_households(rows=[_line(), child], user=officer).ok
    assert _audit() == created
    assert HouseholdEvent.objects.filter(kind="imported").count() == 1

    # One person changed (the head's phone): one history row, of that person, by the importer.
    assert import_households(rows=[_line(phone="0912 345 678"), child], user=officer).ok
    assert _audit() == {**created, "person": sorted([*created["person"], (HEAD, "~", "import")])}
    assert Person.objects.get(national_id=HEAD).history.latest().history_user == officer
