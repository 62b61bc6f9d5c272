"""The demo allowances: Xã Tân Đông's 369 beneficiaries (2 orphans, 132 elderly, 235 people with
disabilities, all paid by bank) and cases at each step; Phường Bình Minh's 922, over 96 % by bank.
One test: loading the demo takes seconds."""

from collections import Counter
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from beneficiaries.batches import import_batch_confirm
from beneficiaries.entitlement import age_in_month, compute
from beneficiaries.models import Case, CaseCategory, CaseEvent, HealthInsuranceCard, ImportBatch
from core.months import first_of_month
from demo.accounts import load_demo


def _with(prefix: str) -> Exists:
    return Exists(CaseCategory.objects.filter(case=OuterRef("pk"), category__code__startswith=prefix))


def everything() -> dict:
    return {
        "cases": sorted(
            Case.objects.values_list(
                "person__national_id",
                "commune_id",
                "status",
                "decision_number",
                "decision_date",
                "payment_method",
                "account_number",
            )
        ),  # fmt: skip
        "categories": sorted(CaseCategory.objects.values_list("case__person__national_id", "category_id")),
        "events": CaseEvent.objects.count(),
        "cards": sorted(HealthInsuranceCard.objects.values_list("person__national_id", "number", "valid_to")),
    }


def test_demo_allowances_of_tan_dong_and_binh_minh(db, on_demo_day):
    today = timezone.localdate()
    month = first_of_month(today)

    load_demo()

    tan_dong = Case.objects.filter(commune_id="25522", status="active")
    assert tan_dong.count() == 369
    groups = tan_dong.annotate(orphan=_with("5.1"), elderly=_with("5.5"), disabled=_with("5.6"))
    assert Counter(groups.values_list("orphan", "elderly", "disabled")) == {
        (True, False, False): 2,
        (False, True, False): 132,
        (False, False, True): 235,
    }
    assert tan_dong.filter(payment_method="bank").count() == 369
    elderly = Counter(
        CaseCategory.objects.filter(case__in=tan_dong, category__code__startswith="5.5").values_list(
            "category_id", flat=True
        )
    )
    assert set(elderly) == {"5.5a", "5.5c"} and elderly["5.5c"] > 100  # mostly 80 or older
    # In progress, through the services: filed by the officer, decided by the chair.
    in_progress = Case.objects.filter(commune_id="25522").exclude(status="active")
    assert Counter(in_progress.values_list("status", flat=True)) == {"applied": 3, "verified": 2, "suspended": 2}
    assert set(in_progress.values_list("prepared_by__username", flat=True)) == {"tandong.officer"}
    assert set(in_progress.filter(status="suspended").values_list("decided_by__username", flat=True)) == {
        "tandong.chair"
    }
    assert not Case.objects.filter(commune_id="25522", payment_method="cash").exists()

    binh_minh = Case.objects.filter(commune_id="25480", status="active")
    assert binh_minh.count() == 922
    bank = binh_minh.filter(payment_method="bank").count()
    assert (bank, round(100 * bank / 922, 1)) == (889, 96.4)
    assert not Case.objects.filter(commune_id="25480").exclude(status="active").exists()

    # The demo's payment runs (demo/disbursements.py) pay every month since the hand-over, this
    # month's computed run included: nothing is left owed. Without any run, every beneficiary is
    # owed this month. The registry agrees with their disability category.
    active = Case.objects.filter(status="active")
    assert all(paid is None or paid < month for paid in active.values_list("paid_through_month", flat=True))
    assert not active.filter(decision_date__gte=today).exists()
    assert [case_id for case_id, entitlement in compute(active, month).items() if entitlement.amount] == []
    unpaid = compute(active, month, paid={})
    assert [
        case_id for case_id, entitlement in unpaid.items() if not (entitlement.current and entitlement.current.amount)
    ] == []
    assert not CaseCategory.objects.filter(
        Q(category_id="5.6s") & ~Q(case__person__disability_level="severe")
        | Q(category_id="5.6es") & ~Q(case__person__disability_level="extremely_severe")
    ).exists()
    assert all(
        age_in_month(born, start) >= 80
        for born, start in CaseCategory.objects.filter(category_id="5.5c", case__status="active").values_list(
            "case__person__date_of_birth", "case__start_month"
        )
    )

    # A health-insurance card for every beneficiary, some ending within 30 days.
    # Every beneficiary holds a valid free card (group BT); the notifications demo adds the card
    # history of the other members and the beneficiaries' earlier cards.
    cards = HealthInsuranceCard.objects.filter(person__allowance_cases__isnull=False, valid_to__gte=today)
    assert cards.count() == Case.objects.count() == 369 + 7 + 922
    assert set(cards.values_list("group", flat=True)) == {"BT"}
    expiring = cards.filter(valid_to__lte=today + timedelta(days=30)).count()
    assert 50 <= expiring <= 200  # about 8 %
    card_of_record = HealthInsuranceCard.objects.filter(
        person=OuterRef("person"), number=OuterRef("person__health_insurance_number")
    )
    assert not Case.objects.filter(~Exists(card_of_record)).exists()

    before = everything()
    load_demo()
    assert everything() == before


def test_the_demo_leaves_an_imported_list_awaiting_the_chair_of_tan_dong(db):
    load_demo()

    batch = ImportBatch.objects.get()
    assert (batch.commune_id, batch.status, batch.imported_by.username, batch.filename) == (
        "25522", "awaiting", "tandong.officer", "danh-sach-bo-sung.csv",
    )  # fmt: skip
    assert (batch.created_count, batch.updated_count, batch.unchanged_count, batch.flagged_count) == (2, 1, 0, 1)
    lines = list(batch.lines.order_by("line").values_list("action", "arrears_months", "account_changed", "flagged"))
    assert lines == [("create", 6, False, True), ("create", 1, False, False), ("update", 0, True, False)]
    assert not Case.objects.filter(person__in=batch.lines.filter(action="create").values("person")).exists()

    # The chair confirms it: two new active cases decided by the chair, one account changed.
    chair = User.objects.get(username="tandong.chair")
    import_batch_confirm(batch=batch, acting_user=chair)
    assert Case.objects.filter(decided_by=chair, events__kind="import_confirmed").distinct().count() == 2
    changed = batch.lines.get(action="update")
    assert Case.objects.get(pk=changed.case_id).account_number == changed.proposed["account_number"]
