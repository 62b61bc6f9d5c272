"""Demo health-insurance story of Xã Tân Đông (called by ``demo.accounts.load_demo`` after the
payment runs): an officer reminded people by SMS that their cards were due for renewal, and coverage
rose from 83 % to over 87 % in eight months. Here the product sends those reminders.

What is written, for the living current members of Tân Đông's households (16,624 in the demo):

- **Phones.** The registry holds an adult's phone for 721 of the 4,700 households; the officer
  collected the heads' numbers when the reminders began: 2,230 heads' phones are added (55 % of the
  households that had none), so the reminders reach 2,951 households, 10,611 people (a child's or
  an elder's reminder goes to the household's contact, see ``notifications.reminders``).
- **Card history**, one-year cards from four years ago to today. Each household buys its cards
  together on one day of the year (a household card); a card ends the day before its anniversary
  and is then renewed on time, within 30 days, later (2–5 months), or lapses (the person buys one
  again after a while: 6.2 % of the uninsured a month). Children under 6 and people of 80 or more
  have free cards, renewed on time. Beneficiaries keep the card the allowance demo gave them, with
  the four one-year cards before it (group BT, without a gap). The registry's card number is set
  for every holder of a card valid today, as ``health_card_record`` keeps it.
- **Reminders from the month they began** (M0, ``REMINDERS_BEGAN_MONTHS_AGO`` = 9 months ago) as
  the daily job sends them: one SMS per card, 30 days before its end, for every card whose reminder
  day fell between the first day of M0 and yesterday and whose holder has a phone (their own or the
  household's contact), through the HTTP SMS gateway, dated that day at 08:00 with its events
  (queued, sent, delivered or failed). About 7,400 (the count moves a little with the day): 3 % of
  the phones are dead ("Số điện thoại không tồn tại"), 3 % of the other messages fail ("Thuê bao
  không liên lạc được"), the rest (94 %) are delivered.
- **Renewals follow reminders**: of the cards of people aged 6 to 79 that ended in M1–M8, 98 % of
  those whose reminder was delivered were renewed within 30 days of their end, against 76 % of the
  others (a card's end without a reminder: 70 % renewed on time, 6 % within 30 days, 8 % later,
  16 % lapse; after a delivered reminder: 88 %, 10 %, 1 %, 1 %).
- Two reminders of the coming week are paused: one by the officer, one at the person's request.

The outcome, on the last day of each month (``reminders.coverage``; 16,624 members each month):
**83.0 % in M0** (13,801 people) and **87.5 % eight months later** (14,550, last month), rising
every month between; the six months before M0 stay between 82.8 % and 83.2 %. These numbers do not
depend on the day the demo is loaded: every card starts and ends between the 3rd and the 28th of a
month, placed by months counted from this month, so a month's last day always falls on the same
side of each card; ages, births and households' contacts are counted from ``STORY_MONTH``; the
draws come from fixed seeds and never depend on today (cards that would start after today are drawn,
then left out). Every demo database holds the same history, moved with today.

Written set-based (COPY through the registry's import helpers; like the synthetic households, no
simple-history rows for the cards), in about 3 seconds; a second call changes nothing (it finds
the history there and returns at once).
"""

from __future__ import annotations

import math
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import HealthInsuranceCard
from core.audit import write_events
from core.bulk import allocate_ids, complete_rows, copy_insert, copy_update
from core.months import add_months, first_of_month
from demo.synthetic import _MOBILE_PREFIXES
from geography.models import Commune
from households.models import Membership, Person, Relationship
from notifications import reminders
from notifications.models import Message, MessageEvent, MessageTemplate
from notifications.rendering import render, sms_parts
from notifications.services import opt_out

TAN_DONG = "25522"
SEED = 83
REMINDERS_BEGAN_MONTHS_AGO = 9
HISTORY_MONTHS = 48
COLLECTED_PHONE_SHARE = 0.55
FREE_UNDER, FREE_FROM = 6, 80
# What happens when a card ends: (renewed on time, within 30 days, later, lapsed).
WITHOUT_REMINDER = (0.70, 0.06, 0.08, 0.16)
AFTER_REMINDER = (0.88, 0.10, 0.01, 0.01)
FREE_CARD = (0.99, 0.01, 0.0, 0.0)
INSURED_AT_START = {True: 0.93, False: 0.52}  # by whether the registry holds a card number
TAKE_UP = 0.062  # monthly chance that an uninsured person buys a card
DEAD_PHONES = 30  # per thousand phones
TRANSIENT_FAILURES = 30  # per thousand other messages
DEAD_PHONE_REASON = "Số điện thoại không tồn tại"
TRANSIENT_REASON = "Thuê bao không liên lạc được"
GATEWAY = "notifications.backends.http_sms.HttpSmsBackend"
SEND_TIME = time(8, 0)
PROVINCE_DIGITS = "72"  # the insurance code of Tây Ninh on the registry's cards
# The month the story is told from: ages, births and the households' contacts count from it, as if
# the demo were loaded that month (the synthetic people do not age with the calendar either, see
# demo.synthetic.REFERENCE_DATE); the cards' dates move with today.
STORY_MONTH = date(2026, 11, 1)
PAUSES = [  # (reason, by the officer?) for two reminders of the coming week
    ("Đang điều trị dài ngày tại bệnh viện tỉnh, gia đình đã liên hệ gia hạn.", True),
    ("Người dân đề nghị không nhắn tin.", False),
]


@dataclass
class _Member:
    pk: int
    national_id: str
    full_name: str
    born: date
    phone: str
    number: str
    household_id: int
    household_code: str
    relationship: str


@dataclass
class _Card:
    person: _Member
    number: str
    group: str
    valid_from: date
    valid_to: date
    pk: int = 0
    story_end: date | None = None  # the end in story time (see STORY_MONTH)


def load_notifications_demo() -> dict[str, int]:
    """Write the story (see the module's docstring); what was written, or zeros when it is there."""
    today = timezone.localdate()
    created = {"phones": 0, "cards": 0, "messages": 0, "paused": 0}
    commune = Commune.objects.filter(code=TAN_DONG).first()
    members = _members()
    if commune is None or not members:
        return created
    if _tan_dong_cards().filter(valid_to__lt=today).exists():
        return created  # loaded before
    officer = User.objects.get(username="tandong.officer")
    current = first_of_month(today)
    households = defaultdict(list)
    for member in members:
        households[member.household_id].append(member)
    created["phones"] = _collect_phones(households)
    existing, earlier = _beneficiary_cards(members)
    beneficiaries = {card.person.pk for card in existing}
    cards = earlier + _simulated_cards(members, households, beneficiaries, current, today)
    created["cards"] = _write_cards(cards, today)
    contacts = {household_id: _contact(people, today) for household_id, people in households.items()}
    created["messages"] = _write_reminders(commune, existing + cards, contacts, current, today)
    # Planner statistics for the rows just written, so the reminders page plans from the card window.
    with connection.cursor() as cursor:
        for model in (HealthInsuranceCard, Person, Message, MessageEvent):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    created["paused"] = _pause(commune, officer, today)
    return created


def _tan_dong_cards():
    members = Membership.objects.filter(household__commune_id=TAN_DONG, left_on__isnull=True).values("person_id")
    return HealthInsuranceCard.objects.filter(person_id__in=members)


def _members() -> list[_Member]:
    """The living current members of Tân Đông, in national-ID order."""
    rows = (
        Membership.objects.filter(household__commune_id=TAN_DONG, left_on__isnull=True, person__date_of_death=None)
        .order_by("person__national_id")
        .values_list(
            "person_id",
            "person__national_id",
            "person__full_name",
            "person__date_of_birth",
            "person__phone",
            "person__health_insurance_number",
            "household_id",
            "household__code",
            "relationship",
        )
    )
    return [_Member(*row) for row in rows]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _contact(people: list[_Member], today: date) -> _Member | None:
    """The household's contact, as ``reminders`` chooses it: the first adult with a phone, the head
    first, then the oldest."""
    adults = [p for p in people if p.phone and _age(p.born, today) >= reminders.ADULT_AGE]
    adults.sort(key=lambda p: (p.relationship != Relationship.HEAD, p.born, p.pk))
    return adults[0] if adults else None


def _collect_phones(households: dict[int, list[_Member]]) -> int:
    """The heads' phones the officer collected: for 55 % of the households without one."""
    taken = set(Person.objects.exclude(phone="").values_list("phone", flat=True))
    collected = []
    rng = random.Random(f"{SEED}-phones")
    for people in sorted(households.values(), key=lambda people: people[0].household_code):
        head = next((p for p in people if p.relationship == Relationship.HEAD), None)
        if head is None or _contact(people, STORY_MONTH) is not None or rng.random() >= COLLECTED_PHONE_SHARE:
            continue
        phone = f"+84{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        while phone in taken:
            phone = f"+84{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        taken.add(phone)
        head.phone = phone
        collected.append(head)
    now = timezone.now()
    persons = [Person(pk=head.pk, phone=head.phone, updated_at=now) for head in collected]
    copy_update(Person, persons, ["phone", "updated_at"])
    return len(persons)


# --- cards ---------------------------------------------------------------------------------------


def _beneficiary_cards(members: list[_Member]) -> tuple[list[_Card], list[_Card]]:
    """The allowance demo gave each beneficiary this year's BT card (returned first); the four
    before it, without gaps (returned second, to write)."""
    by_pk = {member.pk: member for member in members}
    existing, earlier = [], []
    rows = _tan_dong_cards().filter(person__date_of_death=None).order_by("pk")
    for pk, person_id, number, group, valid_from, valid_to in rows.values_list(
        "pk", "person_id", "number", "group", "valid_from", "valid_to"
    ):
        existing.append(_Card(by_pk[person_id], number, group, valid_from, valid_to, pk))
        starts = valid_from
        for _year in range(4):
            previous = _years_after(starts, -1)
            earlier.append(_Card(by_pk[person_id], number, group, previous, starts - timedelta(days=1)))
            starts = previous
    return existing, earlier


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _card_number(member: _Member, rng: random.Random) -> str:
    """The registry's number, or a new one of the same form (object code, level, province, 10 digits)."""
    if member.number:
        return member.number
    age = _age(member.born, STORY_MONTH)
    head = "TE1" if age < 6 else "HS4" if age < 18 else "BT2" if age >= 80 else "GD4"
    return f"{head}{PROVINCE_DIGITS}{rng.randrange(10**10):010d}"


def _month_index(day: date, current: date) -> int:
    return (day.year - current.year) * 12 + day.month - current.month


def _failed(recipient: str, number: str, valid_to: date) -> str:
    """The gateway's reason if the reminder of this card failed (fixed by hashes: the same every day)."""
    if zlib.crc32(recipient.encode()) % 1000 < DEAD_PHONES:
        return DEAD_PHONE_REASON
    if zlib.crc32(f"{number}:{valid_to:%Y%m%d}".encode()) % 1000 < TRANSIENT_FAILURES:
        return TRANSIENT_REASON
    return ""


def _simulated_cards(members, households, beneficiaries: set[int], current: date, today: date) -> list[_Card]:
    """Each non-beneficiary's cards, card after card, on the month grid (see the docstring). The
    draws never depend on today (cards after today are drawn, then left out), so the same seed
    gives the same history relative to this month on any day."""
    began = -REMINDERS_BEGAN_MONTHS_AGO
    rng = random.Random(f"{SEED}-households")
    phases = {}
    for people in sorted(households.values(), key=lambda people: people[0].household_code):
        phases[people[0].household_id] = (rng.randrange(12), rng.randint(4, 28))
    rng = random.Random(f"{SEED}-persons")
    no_reminder, reminded, free = (_cumulative(chances) for chances in (WITHOUT_REMINDER, AFTER_REMINDER, FREE_CARD))

    months = {
        (anchor, index): add_months(anchor, index) for anchor in (current, STORY_MONTH) for index in range(-80, 20)
    }

    def on(index: int, day: int, anchor: date = current) -> date:
        return months[anchor, index].replace(day=day)

    contacts = {household_id: _contact(people, STORY_MONTH) for household_id, people in households.items()}

    cards = []
    for member in members:
        if member.pk in beneficiaries:
            continue
        number = _card_number(member, rng)
        recipient = member.phone if member.phone else (contacts[member.household_id] or _NoPhone).phone
        month, day = phases[member.household_id]
        first = -HISTORY_MONTHS
        if rng.random() < INSURED_AT_START[bool(member.number)]:
            start = first - ((first - month) % 12)
        else:
            start, day = first + _wait(rng), rng.randint(4, 28)
        born = _month_index(member.born, STORY_MONTH) + 1
        if start < born:  # a child born since: a card from the month after the birth
            start = born
        while start <= 1:
            valid_from = on(start, day)
            end = start + 12
            valid_to = on(end, day) - timedelta(days=1)
            story_end = on(end, day, STORY_MONTH) - timedelta(days=1)
            # Cards that start after today are drawn but not written, as is a card of story time
            # that would end before a real birth.
            if valid_from <= today and valid_to >= member.born:
                card = _Card(member, number, number[:2], max(valid_from, member.born), valid_to, story_end=story_end)
                cards.append(card)
            age = _age(member.born, story_end)
            if age < FREE_UNDER or age >= FREE_FROM:
                chances = free
            elif end - 1 >= began and recipient and not _failed(recipient, number, story_end):
                chances = reminded
            else:
                chances = no_reminder
            draw = rng.random()
            outcome = 0 if draw < chances[0] else 1 if draw < chances[1] else 2 if draw < chances[2] else 3
            if outcome == 0:  # on time: from the day after the end
                start = end
            elif outcome == 1:  # within 30 days
                if day <= 24:
                    start, day = end, day + rng.randint(1, 4)
                else:
                    start, day = end + 1, rng.randint(4, day - 4)
            elif outcome == 2:  # two to five months later
                start, day = end + rng.randint(2, 5), rng.randint(4, 28)
            else:  # lapsed: buys one again after a while
                start, day = end + 1 + _wait(rng), rng.randint(4, 28)
    return cards


class _NoPhone:
    phone = ""


def _cumulative(chances: tuple[float, ...]) -> list[float]:
    bounds, total = [], 0.0
    for chance in chances:
        total += chance
        bounds.append(total)
    bounds[-1] = 1.0
    return bounds


def _wait(rng: random.Random) -> int:
    """Months an uninsured person waits before buying a card (geometric, at least 1)."""
    return 1 + min(int(math.log(1.0 - rng.random()) / math.log(1.0 - TAKE_UP)), 119)


def _write_cards(cards: list[_Card], today: date) -> int:
    """The cards (COPY); like the synthetic households, without simple-history rows."""
    now = timezone.now()
    rows = [
        {
            "person_id": card.person.pk,
            "number": card.number,
            "group": card.group,
            "valid_from": card.valid_from,
            "valid_to": card.valid_to,
        }  # fmt: skip
        for card in cards
    ]
    for row, pk in zip(rows, allocate_ids(HealthInsuranceCard, len(rows)), strict=True):
        row["id"] = pk
    copy_insert(HealthInsuranceCard, complete_rows(HealthInsuranceCard, rows, now=now), with_pk=True)
    for card, row in zip(cards, rows, strict=True):
        card.pk = row["id"]
    # The registry keeps the number of a card valid today (as ``health_card_record`` does).
    current = {
        card.person.pk: card.number
        for card in cards
        if card.valid_from <= today <= card.valid_to and card.person.number != card.number
    }
    copy_update(
        Person, [Person(pk=pk, health_insurance_number=number, updated_at=now) for pk, number in current.items()],
        ["health_insurance_number", "updated_at"],
    )  # fmt: skip
    return len(rows)


# --- the reminders sent since they began ---------------------------------------------------------------


def _write_reminders(commune: Commune, cards: list[_Card], contacts, current: date, today: date) -> int:
    """One delivered (or failed) SMS per card whose reminder day fell between the first day of M0 and
    yesterday, for a holder with a phone, dated that day at 08:00, with its events."""
    template = MessageTemplate.objects.get(code=reminders.TEMPLATE_CODE)
    began = add_months(current, -REMINDERS_BEGAN_MONTHS_AGO)
    lead = timedelta(days=reminders.reminder_days())
    price = settings.NOTIFICATION_PART_PRICES_VND.get("sms")
    zone = timezone.get_current_timezone()
    # The latest card of each person and end date is the one reminded (a card ending the same day
    # as another of the person's is never reminded twice).
    latest = {}
    for card in cards:
        key = (card.person.pk, card.valid_to)
        if key not in latest or latest[key].pk < card.pk:
            latest[key] = card
    asked_before = set(
        Message.objects.filter(dedup_key__startswith=f"{reminders.DEDUP_PREFIX}:").values_list("dedup_key", flat=True)
    )
    messages, events = [], []
    for card in sorted(latest.values(), key=lambda card: (card.valid_to, card.pk)):
        day = card.valid_to - lead
        if not began <= day < today or reminders.dedup_key(card.pk, card.valid_to) in asked_before:
            continue
        person = card.person
        contact = person if person.phone else contacts[person.household_id]
        if contact is None:
            continue
        context = {"name": person.full_name, "date": card.valid_to, "commune": commune.name}
        subject, text, formatted = render(template, context, "vi")
        asked = datetime.combine(day, SEND_TIME, tzinfo=zone)
        sent = asked + timedelta(seconds=5 + card.pk % 50)
        reason = _failed(contact.phone, card.number, card.story_end or card.valid_to)
        settled = sent + timedelta(seconds=20 + card.pk % 300)
        parts = sms_parts(text)
        messages.append(
            {
                "channel": reminders.CHANNEL,
                "recipient": contact.phone,
                "recipient_name": contact.full_name,
                "commune_id": commune.pk,
                "household_id": person.household_id,
                "person_id": person.pk,
                "template_id": template.pk,
                "language": "vi",
                "context": formatted,
                "subject": subject,
                "text": text,
                "status": Message.Status.FAILED if reason else Message.Status.DELIVERED,
                "failure_reason": reason,
                "attempts": 1,
                "next_attempt_at": asked,
                "enqueued_at": asked,
                "parts": parts,
                "cost_vnd": price * parts if price is not None else None,
                "backend": GATEWAY,
                "gateway_message_id": f"TD{day:%y%m%d}{card.pk:08d}",
                "sent_at": sent,
                "delivered_at": None if reason else settled,
                "failed_at": settled if reason else None,
                "dedup_key": reminders.dedup_key(card.pk, card.valid_to),
                "created_at": asked,
                "updated_at": settled,
            }
        )
    for row, pk in zip(messages, allocate_ids(Message, len(messages)), strict=True):
        row["id"] = pk
        queued = {"channel": row["channel"], "template": template.code}
        events.append(_event(pk, MessageEvent.Kind.QUEUED, row["created_at"], **queued))
        events.append(_event(pk, MessageEvent.Kind.SENT, row["sent_at"], gateway_message_id=row["gateway_message_id"],
                             parts=row["parts"], attempt=1))  # fmt: skip
        if row["failure_reason"]:
            events.append(_event(pk, MessageEvent.Kind.FAILED, row["failed_at"], reason=row["failure_reason"],
                                 attempt=1))  # fmt: skip
        else:
            events.append(_event(pk, MessageEvent.Kind.DELIVERED, row["delivered_at"], by="report"))
    now = timezone.now()
    copy_insert(Message, complete_rows(Message, messages, now=now), with_pk=True)
    write_events(MessageEvent, events, now=now)
    return len(messages)


def _event(message_id: int, kind: str, at: datetime, *, reason: str = "", **data) -> dict:
    return {"message_id": message_id, "kind": kind, "occurred_at": at, "actor_id": None, "reason": reason,
            "data": data}  # fmt: skip


def _pause(commune: Commune, officer, today: date) -> int:
    """Pause two reminders of the coming week, through the service as the officer would."""
    upcoming = [
        reminder
        for reminder in reminders.reminders_in_window(
            communes=[TAN_DONG], today=today, upcoming=reminders.UPCOMING_DAYS
        )
        if reminder.is_upcoming and not reminder.is_blocked
    ]
    chosen = random.Random(f"{SEED}-pauses").sample(upcoming, min(len(PAUSES), len(upcoming)))
    persons = Person.objects.in_bulk([reminder.person_id for reminder in chosen])
    for reminder, (reason, by_officer) in zip(chosen, PAUSES, strict=False):
        opt_out(commune=commune, person=persons[reminder.person_id], channel=reminders.CHANNEL, reason=reason,
                acting_user=officer if by_officer else None)  # fmt: skip
    return len(chosen)
