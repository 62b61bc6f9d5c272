"""A death the registry does not have, in an imported allowance list (issue 16 item 16): the list is
accepted, and the death is recorded in the household registry, through the registry's own service,
only when the commune chair confirms the list (in the same transaction); an unconfirmed or
rejected list records nothing. A death before a known "member since" date is refused; payments
already made after the death stay as they were and are shown to be recovered.

The clock is frozen on 7 December 2026."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from beneficiaries.batches import import_batch_confirm, import_batch_reject
from beneficiaries.entitlement import compute
from beneficiaries.importing import import_beneficiaries
from beneficiaries.models import Case, CaseEvent, ImportBatch
from households.models import HouseholdEvent, Membership, Person
from households.services import person_record_death
from tests.beneficiaries.test_import import csv_bytes, line, snapshot

DECEMBER_2026 = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# The adult of ``family`` (born 1985-06-15, a member since 2020-01-01): 5.6s (1.5 × base) from
# 09/2025, paid through 10/2025 before the product, died on 2 November 2025.
DIED = {"categories": "5.6s", "date_of_death": "2025-11-02", "account_name": "TRAN VAN BINH"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(DECEMBER_2026, tick=False):
        yield


def registry(person) -> tuple:
    """What the registry holds of a person's death: the date, their memberships, the DEATH events."""
    return (
        Person.objects.get(pk=person.pk).date_of_death,
        sorted(Membership.objects.filter(person=person).values_list("joined_on", "left_on", "left_reason")),
        list(HouseholdEvent.objects.filter(kind="death").values_list("person", "actor", "reason", "data")),
    )


ALIVE = (None, [(date(2020, 1, 1), None, "")], [])


def test_the_death_is_staged_and_recorded_only_when_the_chair_confirms(family, officer, chair):
    report = import_beneficiaries([line(family.adult, **DIED)], acting_user=officer, filename="bao-tro.csv")

    assert (report.errors, report.created) == ([], 1)
    batch = report.batch
    # An unconfirmed list records nothing: the registry is as it was.
    assert registry(family.adult) == ALIVE
    staged = batch.lines.get()
    assert (staged.action, staged.proposed["date_of_death"], staged.old) == (
        "create", "2025-11-02", {"date_of_death": None},
    )  # fmt: skip
    # What confirmation would owe, with the death: 11/2025 (500,000 × 1.5) as arrears, nothing this month.
    assert (staged.arrears_months, staged.arrears_vnd, staged.month_amount_vnd) == (1, 750_000, 0)
    assert (batch.arrears_total_vnd, batch.month_total_vnd) == (750_000, 0)

    import_batch_confirm(batch=batch, acting_user=chair)

    assert registry(family.adult) == (
        date(2025, 11, 2),
        [(date(2020, 1, 1), date(2025, 11, 2), "died")],
        [(
            family.adult.pk, officer.pk, "recorded by the allowance list bao-tro.csv",
            {"name": "Trần Văn Bình", "date_of_death": "2025-11-02", "batch": batch.pk,
             "confirmed_by": "tandong.chair"},
        )],
    )  # fmt: skip
    family.household.refresh_from_db()
    assert family.household.member_count == 2
    case = Case.objects.get(person=family.adult)
    assert (case.status, case.decided_by, case.paid_through_month, case.end_month) == (
        "active", chair, date(2025, 10, 1), None,
    )  # fmt: skip
    # The engine stops after the month of death: only 11/2025 is owed.
    owed = compute([case.pk], date(2026, 12, 1))[case.pk]
    assert ([month.month for month in owed.months], owed.amount) == ([date(2025, 11, 1)], 750_000)
    imported = CaseEvent.objects.get(case=case, kind="imported")
    assert imported.data["date_of_death"] == "2025-11-02"


def test_a_rejected_list_records_no_death(family, officer, chair):
    batch = import_beneficiaries([line(family.adult, **DIED)], acting_user=officer).batch

    import_batch_reject(batch=batch, reason="Sai ngày mất", acting_user=chair)

    assert registry(family.adult) == ALIVE
    assert not Case.objects.exists()


def test_a_death_before_a_known_member_since_date_is_refused_and_nothing_changes(family, officer):
    before = (snapshot(), registry(family.adult))
    # Decided and started before the death, so that only the death's date is wrong.
    early = {**DIED, "date_of_death": "2019-12-31", "decision_date": "2019-10-01", "start_month": "2019-10",
             "paid_through_month": ""}  # fmt: skip

    report = import_beneficiaries([line(family.adult, **early)], acting_user=officer)

    assert [(error.row, error.column, error.message) for error in report.errors] == [
        (2, "date_of_death", "is before the person joined the household (01/01/2020)")
    ]
    assert report.batch is None
    assert (snapshot(), registry(family.adult)) == before


def test_an_unknown_member_since_date_lets_a_list_record_an_old_death(family, officer, chair):
    Membership.objects.filter(person=family.adult).update(joined_on=None)
    early = {**DIED, "date_of_death": "2019-12-31", "decision_date": "2019-10-01", "start_month": "2019-10",
             "paid_through_month": "2019-11"}  # fmt: skip

    batch = import_beneficiaries([line(family.adult, **early)], acting_user=officer).batch
    import_batch_confirm(batch=batch, acting_user=chair)

    died, memberships, events = registry(family.adult)
    assert (died, memberships, len(events)) == (date(2019, 12, 31), [(None, date(2019, 12, 31), "died")], 1)


def test_confirmation_is_refused_when_the_registry_recorded_another_death_meanwhile(family, officer, chair):
    batch = import_beneficiaries([line(family.adult, **DIED)], acting_user=officer).batch
    person_record_death(person=family.adult, date_of_death=date(2025, 10, 20), acting_user=officer)
    before = (snapshot(), registry(family.adult))

    with pytest.raises(ValidationError) as error:
        import_batch_confirm(batch=batch, acting_user=chair)

    assert error.value.messages == ["line 2: the registry's date of death changed"]
    assert (snapshot(), registry(family.adult)) == before
    assert ImportBatch.objects.get().status == "awaiting"


def test_the_same_death_recorded_on_the_page_meanwhile_is_not_recorded_twice(family, officer, chair):
    batch = import_beneficiaries([line(family.adult, **DIED)], acting_user=officer).batch
    person_record_death(person=family.adult, date_of_death=date(2025, 11, 2), acting_user=officer)

    import_batch_confirm(batch=batch, acting_user=chair)

    assert HouseholdEvent.objects.filter(kind="death").count() == 1
    assert Case.objects.get(person=family.adult).status == "active"


def test_the_batch_page_shows_the_death_the_list_records(family, officer, client_for):
    batch = import_beneficiaries([line(family.adult, **DIED)], acting_user=officer).batch

    page = client_for("tandong_chair").get(reverse("beneficiaries:import_batch", args=[batch.uuid]))

    html = page.content.decode()
    assert (
        '<li>Ngày qua đời (ghi vào dữ liệu hộ gia đình khi xác nhận): <span class="text-decoration-line-through">—</span> → '
        '<span class="font-monospace">02/11/2025</span></li>'
    ) in html


def test_months_paid_after_the_death_stay_paid_and_are_shown_to_recover(family, officer, chair, client_for):
    paid_on = {**DIED, "paid_through_month": "2026-01"}
    import_batch_confirm(batch=import_beneficiaries([line(family.adult, **paid_on)], acting_user=officer).batch,
                         acting_user=chair)  # fmt: skip
    case = Case.objects.get(person=family.adult)

    page = client_for("tandong_officer").get(reverse("beneficiaries:detail", args=[case.uuid]))

    assert page.context["page"].paid_after_death == [date(2025, 12, 1), date(2026, 1, 1)]
    assert (
        '<div class="alert alert-warning mt-3" role="status" data-testid="paid-after-death">Đã chi trả cho các tháng '
        "sau tháng qua đời (12/2025, 01/2026): cần thu hồi số tiền đã chi. Các khoản đã chi vẫn được giữ nguyên "
        "trong lịch sử chi trả.</div>"
    ) in page.content.decode()
    case.refresh_from_db()
    assert case.paid_through_month == date(2026, 1, 1)  # the paid history is not rewritten
    assert compute([case.pk], date(2026, 12, 1))[case.pk].amount == 0


def test_the_command_line_records_the_death_on_the_chair_s_confirmation(tmp_path, family, officer, chair, capsys):
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes([line(family.adult, **{**DIED, "date_of_death": "02/11/2025"})]))

    call_command("import_beneficiaries", str(path), "--user", "tandong.officer")
    batch = ImportBatch.objects.get()
    assert registry(family.adult) == ALIVE

    call_command("import_beneficiaries", "--confirm", str(batch.pk), "--as", "tandong.chair")

    died, memberships, events = registry(family.adult)
    assert (died, memberships) == (date(2025, 11, 2), [(date(2020, 1, 1), date(2025, 11, 2), "died")])
    assert [(actor, reason, data["confirmed_by"]) for _person, actor, reason, data in events] == [
        (officer.pk, "recorded by the allowance list ds.csv", "tandong.chair")
    ]


def test_a_list_repeating_an_open_case_with_a_death_updates_it_only_by_the_death(family, officer, chair):
    alive = {key: value for key, value in DIED.items() if key != "date_of_death"}
    import_batch_confirm(batch=import_beneficiaries([line(family.adult, **alive)], acting_user=officer).batch,
                         acting_user=chair)  # fmt: skip
    case = Case.objects.get(person=family.adult)
    fields = Case.objects.filter(pk=case.pk).values_list("start_month", "paid_through_month", "end_month", "status")

    report = import_beneficiaries([line(family.adult, **DIED)], acting_user=officer)

    assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 1, 0)
    staged = report.batch.lines.get()
    assert (staged.action, staged.case, staged.old) == ("update", case, {"date_of_death": None})
    import_batch_confirm(batch=report.batch, acting_user=chair)

    assert registry(family.adult)[0] == date(2025, 11, 2)
    assert list(fields) == [(date(2025, 9, 1), date(2025, 10, 1), None, "active")]
    latest = case.events.order_by("-id").values_list("kind", "data")[:2]
    assert [(kind, data.get("changed"), data.get("date_of_death")) for kind, data in latest] == [
        ("import_confirmed", None, None), ("imported", [], "2025-11-02"),
    ]  # fmt: skip
