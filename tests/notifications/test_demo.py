"""The demo's health-insurance story of Xã Tân Đông (demo/notifications.py): coverage 83.0 % in the
month the reminders began and 87.5 % eight months later, the reminders sent since (delivered, some
failed), renewals following them, two pauses; loading it again changes nothing."""

from collections import Counter
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from beneficiaries.models import HealthInsuranceCard
from core.months import add_months, first_of_month
from demo.accounts import load_demo
from demo.notifications import REMINDERS_BEGAN_MONTHS_AGO, load_notifications_demo
from households.models import Person
from notifications import reminders
from notifications.models import Message, MessageEvent, OptOut

TAN_DONG = "25522"


def everything() -> dict:
    return {
        "cards": sorted(
            HealthInsuranceCard.objects.values_list("person__national_id", "number", "valid_from", "valid_to")
        ),  # fmt: skip
        "phones": sorted(Person.objects.exclude(phone="").values_list("national_id", "phone")),
        "numbers": sorted(Person.objects.values_list("national_id", "health_insurance_number")),
        "messages": sorted(Message.objects.values_list("dedup_key", "recipient", "status", "text", "created_at")),
        "events": MessageEvent.objects.count(),
        "opt_outs": sorted(OptOut.objects.values_list("person__national_id", "reason", "revoked_at")),
    }


def test_the_health_insurance_story_of_tan_dong(db, on_demo_day):
    today = timezone.localdate()
    current = first_of_month(today)
    began = add_months(current, -REMINDERS_BEGAN_MONTHS_AGO)

    load_demo()
    load_notifications_demo()  # (a no-op once demo.accounts.load_demo calls it)

    # Coverage on the last day of the month: 83.0 % when the reminders began, 87.5 % eight months later.
    months = [add_months(current, n) for n in range(-15, 0)]
    found = {row.month: row for row in reminders.coverage(TAN_DONG, months)}
    assert (found[began].members, found[began].covered, found[began].share) == (16_624, 13_801, 83.0)
    eight_later = add_months(began, 8)
    assert eight_later == add_months(current, -1)
    assert (found[eight_later].members, found[eight_later].covered, found[eight_later].share) == (16_624, 14_550, 87.5)
    assert [found[month].share for month in months[:7]] == [82.8, 82.8, 82.8, 83.2, 83.0, 83.0, 83.0]
    rising = [found[month].covered for month in months[6:]]
    assert rising == sorted(rising)  # every month after M0 higher than the one before

    # The officer's collected phones: 2,230 heads; 3,008 members have a phone now.
    members = Person.objects.filter(memberships__household__commune_id=TAN_DONG, memberships__left_on=None)
    assert members.exclude(phone="").count() == 3_008

    # Reminders from the first day of M0 to yesterday, 30 days before each card's end, none twice.
    sent = Message.objects.filter(commune_id=TAN_DONG, template__code="bhyt_renewal")
    assert sent.count() > 6_000
    dates = {(message.created_at.astimezone(timezone.get_current_timezone()).date(), message.dedup_key)
             for message in sent.only("created_at", "dedup_key")}  # fmt: skip
    assert min(day for day, _key in dates) >= began and max(day for day, _key in dates) < today
    assert all(day == _end(key) - timedelta(days=30) for day, key in dates)
    statuses = Counter(sent.values_list("status", flat=True))
    assert set(statuses) == {"delivered", "failed"}
    assert 0.04 < statuses["failed"] / sent.count() < 0.08
    assert set(sent.filter(status="failed").values_list("failure_reason", flat=True)) == {
        "Số điện thoại không tồn tại", "Thuê bao không liên lạc được",
    }  # fmt: skip
    assert not sent.filter(sent_at__isnull=True).exists()
    assert MessageEvent.objects.filter(message__in=sent).count() == 3 * sent.count()
    assert sent.filter(recipient_name=F("person__full_name")).count() < sent.count()  # some to a contact

    # Renewals follow reminders: of the adults' cards that ended in M1–M8, those reminded (delivered)
    # were renewed within 30 days far more often than the others.
    reminded, others = _renewal_rates(add_months(began, 1), current - timedelta(days=1))
    assert reminded > 0.95 and others < 0.80
    results = reminders.results_total(reminders.results_by_month(TAN_DONG, months=12))
    assert results.reminders == sent.count() and results.renewed_share > 85

    # Every holder of a card valid today has its number in the registry.
    valid = HealthInsuranceCard.objects.filter(valid_from__lte=today, valid_to__gte=today)
    assert not valid.exclude(person__health_insurance_number=F("number")).exists()

    # Two reminders of the coming week paused: one by the officer, one at the person's request.
    assert set(OptOut.objects.values_list("created_by__username", "channel", "commune_id")) == {
        (None, "sms", TAN_DONG), ("tandong.officer", "sms", TAN_DONG),
    }  # fmt: skip
    listed = reminders.reminders_in_window(communes=[TAN_DONG], upcoming=reminders.UPCOMING_DAYS)
    assert sum(1 for row in listed if row.paused) == 2
    assert any(row.is_upcoming and not row.is_blocked for row in listed)

    before = everything()
    load_demo()
    assert load_notifications_demo() == {"phones": 0, "cards": 0, "messages": 0, "paused": 0}
    assert everything() == before


def _end(key: str) -> date:
    return datetime.strptime(key.split(":")[2], "%Y%m%d").date()


def _renewal_rates(first: date, last: date) -> tuple[float, float]:
    """Share renewed within 30 days of the cards ending between ``first`` and ``last`` of people
    aged 6 to 79 (the others' cards are free and renewed anyway): with a delivered reminder, and
    without one."""
    renewal = HealthInsuranceCard.objects.filter(
        person=OuterRef("person"),
        valid_to__gt=OuterRef("valid_to"),
        valid_from__lte=OuterRef("valid_to") + timedelta(days=30),
    )
    cards = HealthInsuranceCard.objects.filter(
        valid_to__range=(first, last), person__memberships__household__commune_id=TAN_DONG,
        person__memberships__left_on=None,
    ).exclude(group="BT")  # fmt: skip
    delivered = set(Message.objects.filter(status="delivered", commune_id=TAN_DONG).values_list("dedup_key", flat=True))
    counts = {True: [0, 0], False: [0, 0]}
    for pk, valid_to, born, renewed in cards.annotate(renewed=Exists(renewal)).values_list(
        "pk", "valid_to", "person__date_of_birth", "renewed"
    ):
        age = valid_to.year - born.year - ((valid_to.month, valid_to.day) < (born.month, born.day))
        if 6 <= age < 80:
            counted = counts[reminders.dedup_key(pk, valid_to) in delivered]
            counted[0] += 1
            counted[1] += renewed
    return counts[True][1] / counts[True][0], counts[False][1] / counts[False][0]
