"""Imported allowance lists need a second person (issue 14, finding 1): an import stores a batch
awaiting the commune chair's confirmation and writes no case; the chair (never the importer)
confirms the whole batch, after a check that nothing changed since, or rejects it.

Each door is tried as the insider would, asserting the refusal and that nothing changed; the honest
path succeeds. The clock is frozen on 7 December 2026 where amounts depend on the day."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from beneficiaries import selectors_batches, services
from beneficiaries.batches import import_batch_confirm, import_batch_reject
from beneficiaries.entitlement import compute
from beneficiaries.importing import import_beneficiaries
from beneficiaries.models import Case, CaseCategory, CaseEvent, ImportBatch
from beneficiaries.services import CategoryChoice, PaymentDetails
from households.models import Membership, Person
from tests.beneficiaries.test_import import csv_bytes, line
from tests.factories import UserFactory
from tests.households.factories import make_household

DECEMBER_2026 = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# The insider's line of the issue: 5.5d (3.0 × base) from July 2021, to an account of the officer's choosing.
BACKDATED = {
    "categories": "5.5d",
    "decision_number": "01/QĐ-UBND",
    "decision_date": "2021-07-05",
    "start_month": "2021-07",
    "paid_through_month": "",
    "account_number": "1900123456789",
    "account_name": "TRAN VAN X",
}


def money_tables() -> dict:
    """Every row an import or a confirmation may write, to prove that a refusal wrote nothing."""
    return {
        "cases": sorted(
            Case.objects.values_list(
                "pk",
                "status",
                "start_month",
                "paid_through_month",
                "payment_method",
                "bank_bin",
                "account_number",
                "decided_by",
                "updated_at",
            )
        ),  # fmt: skip
        "categories": sorted(CaseCategory.objects.values_list("pk", "case_id", "category_id", "dependent_children")),
        "events": sorted(CaseEvent.objects.values_list("pk", "kind")),
        "persons": sorted(Person.objects.values_list("pk", "phone", "updated_at")),
        "history": (Case.history.count(), CaseCategory.history.count(), Person.history.count()),
    }


def batches() -> list:
    return sorted(ImportBatch.objects.values_list("pk", "status", "decided_by", "rejection_reason"))


def staged(rows, officer) -> ImportBatch:
    report = import_beneficiaries(rows, acting_user=officer)
    assert report.errors == []
    return report.batch


@pytest.fixture
def frozen():
    with time_machine.travel(DECEMBER_2026, tick=False):
        yield


@pytest.fixture
def elder_active(family, officer, chair):
    """The elder's active 5.5c case (from 09/2025, paid through 10/2025), imported and confirmed."""
    import_batch_confirm(batch=staged([line(family.elder)], officer), acting_user=chair)
    return Case.objects.get(person=family.elder)


# --- the insider's door: an officer alone imports a back-dated line ---------------------------------


def test_an_officer_alone_imports_a_backdated_line_and_nothing_becomes_payable(frozen, family, officer):
    before = money_tables()

    report = import_beneficiaries([line(family.elder, **BACKDATED)], acting_user=officer)

    assert (report.errors, report.created) == ([], 1)
    assert money_tables() == before
    assert not Case.objects.filter(person=family.elder).exists()
    assert compute(Case.objects.all(), date(2026, 12, 1)) == {}
    batch = report.batch
    assert (batch.status, batch.commune_id, batch.imported_by, batch.decided_by, batch.month) == (
        "awaiting", "25522", officer, None, date(2026, 12, 1),
    )  # fmt: skip
    # 07/2021–06/2024: 36 months × 360,000 × 3.0; 07/2024–11/2026: 29 months × 500,000 × 3.0.
    assert (batch.arrears_total_vnd, batch.month_total_vnd, batch.flagged_count) == (82_380_000, 1_500_000, 1)
    staged_line = batch.lines.get()
    assert (staged_line.line, staged_line.action, staged_line.case, staged_line.flagged) == (2, "create", None, True)
    assert (staged_line.arrears_months, staged_line.arrears_vnd, staged_line.month_amount_vnd) == (
        65, 82_380_000, 1_500_000,
    )  # fmt: skip
    assert staged_line.proposed["account_number"] == "1900123456789"


def test_the_batch_page_shows_the_arrears_and_flags_the_line(frozen, family, officer, users, client_for):
    batch = staged([line(family.elder, **BACKDATED)], officer)

    page = client_for("tandong_officer").get(reverse("beneficiaries:import_batch", args=[batch.uuid]))

    html = page.content.decode()
    assert page.status_code == 200
    assert '<td class="text-end" data-testid="batch-arrears">82.380.000 đ</td>' in html
    assert '<td class="text-end" data-testid="batch-total">83.880.000 đ</td>' in html
    assert '<td class="text-end" data-testid="batch-flagged">1</td>' in html
    assert 'data-testid="arrears-flag"' in html
    assert "65 tháng" in html
    # The officer sees who must confirm, and no button.
    assert 'data-testid="batch-confirm"' not in html
    assert page.context["chairs"] == [users["tandong_chair"].display_name]
    assert f"({users['tandong_chair'].display_name})." in html


def test_arrears_within_the_warning_are_not_flagged(frozen, family, officer, settings):
    settings.ALLOWANCE_ARREARS_WARN_MONTHS = 65

    batch = staged([line(family.elder, **BACKDATED)], officer)

    assert (batch.flagged_count, batch.arrears_warn_months, batch.lines.get().flagged) == (0, 65, False)


# --- a re-import rewriting an active case ---------------------------------------------------------


REWRITE = {"account_number": "99990001234", "start_month": "2025-10", "paid_through_month": ""}


def test_a_reimport_rewriting_an_active_case_changes_nothing_until_confirmed(frozen, elder_active, family, officer):
    before = money_tables()

    batch = staged([line(family.elder, **REWRITE)], officer)

    assert money_tables() == before
    staged_line = batch.lines.get()
    assert (staged_line.action, staged_line.case, staged_line.account_changed) == ("update", elder_active, True)
    assert staged_line.old == {
        "start_month": "2025-09-01", "paid_through_month": "2025-10-01", "account_number": "7000205123456",
    }  # fmt: skip
    # Owed on confirmation: 10/2025–11/2026 (14 months at 500,000 × 1.0) as arrears, and December.
    assert (staged_line.arrears_months, staged_line.arrears_vnd, staged_line.month_amount_vnd) == (
        14, 7_000_000, 500_000,
    )  # fmt: skip
    assert (batch.created_count, batch.updated_count, batch.unchanged_count, batch.flagged_count) == (0, 1, 0, 1)


def test_the_batch_page_shows_old_and_new_values_with_accounts_masked_for_a_viewer(
    frozen, elder_active, family, officer, client_for
):
    batch = staged([line(family.elder, **REWRITE)], officer)
    url = reverse("beneficiaries:import_batch", args=[batch.uuid])

    for_chair = client_for("tandong_chair", language="en").get(url).content.decode()
    for_viewer = client_for("tayninh_province", language="en").get(url).content.decode()

    assert "First month paid: " in for_chair
    assert (
        '<span class="text-decoration-line-through">09/2025</span> → <span class="font-monospace">10/2025</span>'
        in (for_chair)
    )
    assert '<span class="text-decoration-line-through">10/2025</span> → <span class="font-monospace">—</span>' in (
        for_chair
    )
    account = (
        '<li class="fw-bold text-danger">Account number: <span class="text-decoration-line-through">{old}</span> → '
        '<span class="font-monospace">{new}</span></li>'
    )
    assert account.format(old="7000205123456", new="99990001234") in for_chair
    assert account.format(old="••••3456", new="••••1234") in for_viewer
    assert "7000205123456" not in for_viewer and "99990001234" not in for_viewer
    assert 'data-testid="account-changed"' in for_viewer
    assert 'data-testid="batch-confirm"' in for_chair and 'data-testid="batch-confirm"' not in for_viewer


# --- who confirms -----------------------------------------------------------------------------------


def test_the_importer_cannot_confirm_even_as_a_chair(frozen, family, officer):
    batch = staged([line(family.elder, **BACKDATED)], officer)
    officer.role = Role.COMMUNE_CHAIR  # promoted meanwhile, or a chair account that could import
    officer.save(update_fields=["role"])
    before = (money_tables(), batches())

    with pytest.raises(PermissionDenied, match="You imported this list"):
        import_batch_confirm(batch=batch, acting_user=officer)
    with pytest.raises(PermissionDenied, match="You imported this list"):
        import_batch_reject(batch=batch, reason="Sai", acting_user=officer)

    assert (money_tables(), batches()) == before


def test_the_database_refuses_a_batch_decided_by_its_importer(family, officer):
    batch = staged([line(family.elder)], officer)

    with pytest.raises(IntegrityError), transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status="confirmed", decided_by=officer, decided_at=batch.created_at
        )


def test_the_importer_promoted_to_chair_is_told_on_the_page(family, officer, users, client_for):
    batch = staged([line(family.elder)], officer)
    type(officer).objects.filter(pk=officer.pk).update(role=Role.COMMUNE_CHAIR)
    client = client_for("tandong_officer")
    before = (money_tables(), batches())

    page = client.get(reverse("beneficiaries:import_batch", args=[batch.uuid]))
    refused = client.post(reverse("beneficiaries:import_batch_confirm", args=[batch.uuid]), follow=True)

    assert 'data-testid="batch-confirm"' not in page.content.decode()
    assert "Anh/chị đã nhập danh sách này" in page.content.decode()
    assert refused.redirect_chain[-1][0] == reverse("beneficiaries:import_batch", args=[batch.uuid])
    assert (money_tables(), batches()) == before


@pytest.mark.parametrize("role", ["tandong_officer", "tandong_committee", "tayninh_province", "admin"])
def test_only_the_chair_confirms_or_rejects(family, officer, users, role):
    batch = staged([line(family.elder)], officer)
    before = (money_tables(), batches())

    with pytest.raises(PermissionDenied):
        import_batch_confirm(batch=batch, acting_user=users[role])
    with pytest.raises(PermissionDenied):
        import_batch_reject(batch=batch, reason="Sai", acting_user=users[role])

    assert (money_tables(), batches()) == before


def test_a_chair_of_another_commune_gets_404_and_a_refusal(family, officer, units, client_for):
    batch = staged([line(family.elder)], officer)
    other_chair = UserFactory(username="binhminh.chair", role=Role.COMMUNE_CHAIR, communes=[units.binh_minh])
    client = client_for("anonymous")
    client.force_login(other_chair)
    before = (money_tables(), batches())

    assert client.get(reverse("beneficiaries:import_batch", args=[batch.uuid])).status_code == 404
    assert client.post(reverse("beneficiaries:import_batch_confirm", args=[batch.uuid])).status_code == 404
    assert (
        client.post(reverse("beneficiaries:import_batch_reject", args=[batch.uuid]), {"reason": "x"}).status_code == 404
    )
    with translation.override("en"), pytest.raises(PermissionDenied, match="not of one of your communes"):
        import_batch_confirm(batch=batch, acting_user=other_chair)
    with pytest.raises(CommandError, match=f"No import batch {batch.pk} in the communes of binhminh.chair"):
        call_command("import_beneficiaries", "--confirm", str(batch.pk), "--as", "binhminh.chair")

    assert (money_tables(), batches()) == before


# --- confirmation checks that nothing changed since the import ---------------------------------------


def test_confirm_after_the_case_changed_meanwhile_is_refused_and_writes_nothing(elder_active, family, officer, chair):
    batch = staged([line(family.elder, **REWRITE)], officer)
    Case.objects.filter(pk=elder_active.pk).update(account_number="5550001111")  # e.g. an approved change
    before = (money_tables(), batches())

    with pytest.raises(ValidationError) as refusal:
        import_batch_confirm(batch=batch, acting_user=chair)

    assert refusal.value.messages == ["line 2: the case changed since the import (account_number)"]
    assert (money_tables(), batches()) == before
    assert ImportBatch.objects.get(pk=batch.pk).status == "awaiting"


def test_confirm_after_the_case_was_terminated_is_refused(elder_active, family, officer, chair):
    batch = staged([line(family.elder, **REWRITE)], officer)
    services.case_terminate(case=elder_active, last_month=date(2025, 11, 1), reason="Chuyển đi", acting_user=chair)
    before = (money_tables(), batches())

    with pytest.raises(ValidationError) as refusal:
        import_batch_confirm(batch=batch, acting_user=chair)

    assert refusal.value.messages == ["line 2: the case is no longer active or suspended"]
    assert (money_tables(), batches()) == before


def test_confirm_after_a_new_case_s_person_got_an_open_case_is_refused(family, officer, chair, units):
    batch = staged([line(family.elder), line(family.adult, categories="5.6s")], officer)
    services.case_apply(
        person=family.adult, commune=units.tan_dong, categories=[CategoryChoice("5.6s")], applied_on=date(2025, 10, 1),
        payment=PaymentDetails(method="cash"), acting_user=officer,
    )  # fmt: skip
    before = (money_tables(), batches())

    with pytest.raises(ValidationError) as refusal:
        import_batch_confirm(batch=batch, acting_user=chair)

    assert refusal.value.messages == ["line 3: has an open case now"]
    assert (money_tables(), batches()) == before


def test_confirm_after_a_person_moved_away_is_refused(family, officer, chair, units):
    batch = staged([line(family.elder)], officer)
    elsewhere = make_household(units.binh_minh, units.binh_minh_village, code="BM-NEW")
    Membership.objects.filter(person=family.elder, left_on__isnull=True).update(left_on=date(2025, 11, 1))
    Membership.objects.create(
        person=family.elder, household=elsewhere, relationship="parent", joined_on=date(2025, 11, 1)
    )
    before = (money_tables(), batches())

    with pytest.raises(ValidationError) as refusal:
        import_batch_confirm(batch=batch, acting_user=chair)

    assert refusal.value.messages == ["line 2: no longer lives in Xã Tân Đông"]
    assert (money_tables(), batches()) == before


# --- the honest path -------------------------------------------------------------------------------


def test_confirm_writes_every_line_with_the_chair_as_decider_and_events(frozen, elder_active, family, officer, chair):
    batch = staged(
        [line(family.elder, **REWRITE), line(family.adult, categories="5.6s", phone="0912 345 678")], officer
    )

    confirmed = import_batch_confirm(batch=batch, acting_user=chair)

    assert (confirmed.status, confirmed.decided_by, confirmed.decided_at) == ("confirmed", chair, DECEMBER_2026)
    elder_active.refresh_from_db()
    assert (elder_active.start_month, elder_active.paid_through_month, elder_active.account_number) == (
        date(2025, 10, 1), None, "99990001234",
    )  # fmt: skip
    new_case = Case.objects.get(person=family.adult)
    assert (new_case.status, new_case.prepared_by, new_case.decided_by, new_case.verified_by) == (
        "active", officer, chair, None,
    )  # fmt: skip
    assert list(new_case.categories.values_list("category_id", flat=True)) == ["5.6s"]
    family.adult.refresh_from_db()
    assert family.adult.phone == "+84912345678"
    assert dict(batch.lines.values_list("line", "case")) == {2: elder_active.pk, 3: new_case.pk}
    for case in (elder_active, new_case):
        latest = list(case.events.order_by("-occurred_at", "-id").values_list("kind", "actor", "data")[:2])
        assert [(kind, actor) for kind, actor, _data in latest] == [
            ("import_confirmed", chair.pk), ("imported", officer.pk),
        ]  # fmt: skip
        assert latest[0][2]["batch"] == latest[1][2]["batch"] == batch.pk
    assert list(new_case.history.values_list("history_type", "history_user")) == [("+", chair.pk)]
    # Now payable: the engine owes the adult this month.
    assert compute([new_case.pk], date(2026, 12, 1))[new_case.pk].current.amount == 750_000


def test_the_case_timeline_shows_who_imported_and_who_confirmed(elder_active, client_for, officer, chair):
    page = client_for("tandong_chair", language="en").get(reverse("beneficiaries:detail", args=[elder_active.uuid]))

    events = [(event.kind, event.actor, detail) for event, detail in page.context["events"]]
    batch = ImportBatch.objects.get()
    assert events == [
        ("import_confirmed", chair, f"Imported list {batch.pk}, line 2"),
        ("imported", officer, f"Imported list {batch.pk}, line 2"),
    ]


def test_a_confirmed_batch_cannot_be_confirmed_or_rejected_again(elder_active, chair):
    batch = ImportBatch.objects.get()
    before = (money_tables(), batches())

    with pytest.raises(ValidationError, match="no longer be confirmed"):
        import_batch_confirm(batch=batch, acting_user=chair)
    with pytest.raises(ValidationError, match="no longer be confirmed"):
        import_batch_reject(batch=batch, reason="Sai", acting_user=chair)

    assert (money_tables(), batches()) == before


def test_reject_writes_nothing_to_cases_and_needs_a_reason(family, officer, chair):
    batch = staged([line(family.elder, **BACKDATED)], officer)
    before = money_tables()

    with pytest.raises(ValidationError):
        import_batch_reject(batch=batch, reason="  ", acting_user=chair)
    rejected = import_batch_reject(batch=batch, reason="Ngày bắt đầu sai", acting_user=chair)

    assert (rejected.status, rejected.decided_by, rejected.rejection_reason) == ("rejected", chair, "Ngày bắt đầu sai")
    assert money_tables() == before
    with pytest.raises(ValidationError):
        import_batch_confirm(batch=batch, acting_user=chair)
    assert money_tables() == before


def test_a_file_naming_two_communes_is_refused(family, units, users):
    other = make_household(units.binh_minh, units.binh_minh_village, code="BM-1", members=(
        ("Lê Văn Tám", "M", date(1940, 1, 2), "head"),
    ))  # fmt: skip
    rows = [
        line(family.elder),
        line(other.head, commune_code="25480", village=units.binh_minh_village.name, household_code="BM-1",
             categories="5.5c", start_month="2025-09", decision_date="2025-09-12"),
    ]  # fmt: skip

    report = import_beneficiaries(rows, acting_user=users["admin"])

    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "commune_code", "a file is the list of one commune: line 2 is for 25522")
    ]
    assert not ImportBatch.objects.exists()


def test_a_dry_run_stores_no_batch(family, officer):
    report = import_beneficiaries([line(family.elder)], acting_user=officer, dry_run=True)

    assert (report.ok, report.created, report.batch) == (True, 1, None)
    assert not ImportBatch.objects.exists()


# --- the command line --------------------------------------------------------------------------------


def test_the_command_imports_a_batch_then_the_chair_confirms_it(tmp_path, family, officer, chair, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([line(family.elder)]))

    call_command("import_beneficiaries", str(path), "--user", "tandong.officer")

    batch = ImportBatch.objects.get()
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"batch {batch.pk} awaiting confirmation"
    assert (batch.filename, Case.objects.count()) == ("list.csv", 0)

    with pytest.raises(CommandError, match="tandong.officer may not confirm or reject imported lists"):
        call_command("import_beneficiaries", "--confirm", str(batch.pk), "--as", "tandong.officer")
    with pytest.raises(CommandError, match="--reason is required with --reject"):
        call_command("import_beneficiaries", "--reject", str(batch.pk), "--as", "tandong.chair")
    with pytest.raises(CommandError, match="No import batch 999999"):
        call_command("import_beneficiaries", "--confirm", "999999", "--as", "tandong.chair")
    assert (Case.objects.count(), ImportBatch.objects.get().status) == (0, "awaiting")

    call_command("import_beneficiaries", "--confirm", str(batch.pk), "--as", "tandong.chair")

    assert f"batch {batch.pk} confirmed: 1 cases created, 0 updated." in capsys.readouterr().out
    assert Case.objects.get(person=family.elder).decided_by == chair
    with pytest.raises(CommandError, match=f"Batch {batch.pk} was not confirmed"):
        call_command("import_beneficiaries", "--confirm", str(batch.pk), "--as", "tandong.chair")


def test_the_command_rejects_with_a_reason(tmp_path, family, officer, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([line(family.elder)]))
    call_command("import_beneficiaries", str(path), "--user", "tandong.officer")
    batch = ImportBatch.objects.get()

    call_command("import_beneficiaries", "--reject", str(batch.pk), "--as", "tandong.chair", "--reason", "Sai số TK")

    assert capsys.readouterr().out.splitlines()[-1] == f"batch {batch.pk} rejected"
    assert (ImportBatch.objects.get().rejection_reason, Case.objects.count()) == ("Sai số TK", 0)


def test_a_refused_file_on_the_command_line_stores_no_batch(tmp_path, family, officer, capsys):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([line(family.elder, sex="M")]))

    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_beneficiaries", str(path), "--user", "tandong.officer")

    assert not ImportBatch.objects.exists()


# --- pages -------------------------------------------------------------------------------------------


def test_the_upload_leads_to_the_batch_page(family, client_for):
    upload = io.BytesIO(csv_bytes([line(family.elder)]))
    upload.name = "danh-sach.csv"

    response = client_for("tandong_officer").post(reverse("beneficiaries:import"), {"file": upload})

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/allowances/imports/{batch.uuid}/"
    assert (batch.filename, Case.objects.count()) == ("danh-sach.csv", 0)


def test_the_chair_confirms_and_rejects_on_the_page(family, officer, client_for):
    first = staged([line(family.elder)], officer)
    client = client_for("tandong_chair")

    confirmed = client.post(reverse("beneficiaries:import_batch_confirm", args=[first.uuid]))
    second = staged([line(family.adult, categories="5.6s")], officer)
    no_reason = client.post(reverse("beneficiaries:import_batch_reject", args=[second.uuid]), {"reason": ""})
    rejected = client.post(reverse("beneficiaries:import_batch_reject", args=[second.uuid]), {"reason": "Trùng"})

    assert confirmed.status_code == 302
    assert Case.objects.get(person=family.elder).decided_by.username == "tandong.chair"
    assert no_reason.status_code == 200 and no_reason.context["reject_form"].errors
    assert rejected.status_code == 302
    assert ImportBatch.objects.get(pk=second.pk).status == "rejected"
    assert not Case.objects.filter(person=family.adult).exists()


def test_the_chair_s_work_list_shows_batches_awaiting_confirmation(family, officer, client_for):
    staged([line(family.elder)], officer)

    chair_home = client_for("tandong_chair", language="en").get(reverse("core:home")).content.decode()
    officer_home = client_for("tandong_officer", language="en").get(reverse("core:home")).content.decode()

    assert 'href="/allowances/imports/?status=awaiting"' in chair_home
    assert "Imported allowance lists awaiting your confirmation" in chair_home
    assert "Imported allowance lists awaiting the chair&#x27;s confirmation" in officer_home


def test_the_list_shows_only_the_user_s_communes(family, officer, client_for):
    batch = staged([line(family.elder)], officer)

    mine = client_for("tandong_chair").get(reverse("beneficiaries:import_batches"))
    theirs = client_for("binhminh_officer").get(reverse("beneficiaries:import_batches"))

    assert list(mine.context["batches"]) == [batch]
    assert list(theirs.context["batches"]) == []


def test_the_list_query_count_is_fixed(family, officer, client_for, django_assert_num_queries, users):
    for _ in range(3):
        staged([line(family.elder)], officer)
    client = client_for("tandong_chair")
    # session, user, the user's communes, the batches with commune and users, then the session save
    # (savepoint, update, release): 7 whatever the number of batches.
    with django_assert_num_queries(7):
        assert len(client.get(reverse("beneficiaries:import_batches")).context["batches"]) == 3


def test_the_batch_page_query_count_is_fixed(family, officer, client_for, django_assert_num_queries, elder_active):
    rows = [line(family.elder, account_number="1234567890"), line(family.adult, categories="5.6s"),
            line(family.child, categories="5.1")]  # fmt: skip
    batch = staged(rows, officer)
    client = client_for("tandong_chair")
    # session, user, the user's communes, the batch, its lines with persons and cases, the commune's
    # chairs, the access-log row naming the lines' persons (1), then the session save (savepoint,
    # update, release): 10 whatever the number of lines.
    with django_assert_num_queries(10):
        page = client.get(reverse("beneficiaries:import_batch", args=[batch.uuid]))
    assert len(page.context["rows"]) == 3


def test_the_batch_page_lists_its_lines_page_by_page(family, officer, client_for, monkeypatch):
    monkeypatch.setattr(selectors_batches, "LINES_PAGE_SIZE", 2)
    rows = [line(family.elder), line(family.adult, categories="5.6s"), line(family.child, categories="5.1")]
    batch = staged(rows, officer)
    url = reverse("beneficiaries:import_batch", args=[batch.uuid])
    client = client_for("tandong_officer")

    first, second = client.get(url), client.get(url, {"page": 2})
    new_only = client.get(url, {"show": "update"})

    assert [row.line.line for row in first.context["rows"]] == [2, 3] and first.context["has_next"]
    assert [row.line.line for row in second.context["rows"]] == [4] and not second.context["has_next"]
    assert new_only.context["rows"] == []
