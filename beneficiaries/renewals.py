"""Health-insurance card renewal: the allowances app's rules of who needs a renewal reminder, when,
and through which phone; of a card renewed in time; and of coverage on a day. The notifications app
only renders and sends (``notifications/reminders.py``): it reads these rules, never rebuilds them.

**Who needs a reminder.** A health-insurance card (``HealthInsuranceCard``) when

- it ends between today and today + ``NOTIFICATION_REMINDER_DAYS`` (default 30), both days included:
  a card ending in 30 days is in, in 31 days is out, one that ended yesterday is out;
- it is the person's latest card (no card ending later, so a renewed card is out);
- the person is alive and a current member of a household of a commune in scope;
- there is a phone to send it to: the person's own, or else the household's contact, the first
  living adult current member with a phone (the head first, then the oldest). The reminder names
  the card's holder, so a parent gets the reminder for a child's card and a son for his mother's.

**When.** On the card's end − ``NOTIFICATION_REMINDER_DAYS`` (``goes_on``).

**Renewed in time.** The person has a later card (ending after the reminded one) that starts no
later than ``RENEWAL_DAYS`` (30) days after the reminded card ended: uncovered for at most 30 days.
A renewal recorded before the card ended counts too.

**Coverage.** On a day, the living members of a commune's households and those of them holding a
card valid that day.

The reads are set-based (one query whatever the number of communes); the renewal rule and the due
list are also given as SQL a reader may embed (``renewals_due_sql``, ``renewed_in_time_sql``), so the
reminders page stays one query with its own tables joined.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from beneficiaries import sql as cards
from core.months import add_months, first_of_month
from households import sql as registry

RENEWAL_DAYS = 30  # "renewed in time": a later card starting at most this long after the end
ADULT_AGE = 18  # the household's contact for a reminder is an adult


def reminder_days() -> int:
    """How long before a card ends its reminder goes (``NOTIFICATION_REMINDER_DAYS``)."""
    return settings.NOTIFICATION_REMINDER_DAYS


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class RenewalDue:
    """One card in the reminder window: whose it is, where they live, and who holds the phone."""

    card_id: int
    card_number: str
    valid_to: date
    person_id: int
    person_uuid: object
    full_name: str
    date_of_birth: date
    household_id: int
    household_uuid: object
    household_code: str
    village_name: str
    commune_id: str
    commune_name: str
    recipient: str  # the phone, as recorded
    recipient_name: str  # who holds the phone: the person, or the household's contact


RENEWAL_DUE_COLUMNS = [f.name for f in fields(RenewalDue)]

_RENEWALS_DUE_SQL = f"""
SELECT card.id AS card_id, card.number AS card_number, card.valid_to,
       person.person_id, person.person_uuid, person.full_name, person.date_of_birth,
       person.household_id, person.household_uuid, person.household_code,
       person.village_name, person.commune_id, person.commune_name,
       CASE WHEN person.phone <> '' THEN person.phone ELSE contact.phone END AS recipient,
       CASE WHEN person.phone <> '' THEN person.full_name ELSE contact.full_name END AS recipient_name
FROM beneficiaries_healthinsurancecard card
JOIN ({registry.residents()}) person ON person.person_id = card.person_id
LEFT JOIN LATERAL ({registry.household_contact("person.household_id", "%(renewal_adult_born_by)s")}) contact
  ON person.phone = ''
WHERE card.valid_to BETWEEN %(renewal_first)s AND %(renewal_last)s
  AND NOT EXISTS (
      SELECT 1 FROM beneficiaries_healthinsurancecard later
      WHERE later.person_id = card.person_id
        AND (later.valid_to > card.valid_to OR (later.valid_to = card.valid_to AND later.id > card.id))
  )
  AND (%(renewal_every_commune)s OR person.commune_id = ANY(%(renewal_communes)s))
  AND (person.phone <> '' OR contact.phone IS NOT NULL)
"""


def renewals_due_sql(*, communes: list[str] | None, today: date, days: int) -> tuple[str, dict]:
    """The cards of ``communes`` (codes; None: every commune) ending from ``today`` to ``today +
    days``, as a SELECT with the columns of ``RenewalDue`` and its parameters (named ``renewal_*``),
    for a reader to embed in its own query."""
    return _RENEWALS_DUE_SQL, {
        "renewal_first": today,
        "renewal_last": today + timedelta(days=days),
        "renewal_adult_born_by": _years_before(today, ADULT_AGE),
        "renewal_every_commune": communes is None,
        "renewal_communes": list(communes or []),
    }


def reminder_goes_on(valid_to: date, days: int | None = None) -> date:
    """The day a card's renewal reminder is due: its end − ``NOTIFICATION_REMINDER_DAYS``."""
    return valid_to - timedelta(days=reminder_days() if days is None else days)


def renewals_due(
    *, communes: list[str] | None, today: date | None = None, days: int | None = None, upcoming: int = 0
) -> list[RenewalDue]:
    """Who needs a renewal reminder: every card in the window of ``communes`` (``days``, the setting
    by default, plus ``upcoming`` days ahead), soonest end first, with the phone it goes to. The day
    each goes is ``reminder_goes_on(card.valid_to, days)``. One query."""
    today = today or timezone.localdate()
    days = reminder_days() if days is None else days
    if communes is not None and not communes:
        return []
    sql, params = renewals_due_sql(communes=communes, today=today, days=days + upcoming)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) due ORDER BY valid_to, full_name, card_id", params)
        return [RenewalDue(*row) for row in cursor.fetchall()]


def renewed_in_time_sql(person: str, ended_on: str) -> str:
    """An SQL condition: the person (column ``person``) has a card ending after ``ended_on`` (a date
    expression) that starts at most ``RENEWAL_DAYS`` days after it."""
    return (
        f"EXISTS (SELECT 1 FROM beneficiaries_healthinsurancecard renewal WHERE renewal.person_id = {person} "
        f"AND renewal.valid_to > {ended_on} AND renewal.valid_from <= {ended_on} + {RENEWAL_DAYS:d})"
    )


# --- coverage ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    month: date
    members: int  # living members of the commune's households on the month's last day
    covered: int  # of them, holding a card valid that day

    @property
    def share(self) -> float:
        return round(100 * self.covered / self.members, 1) if self.members else 0.0


_COVERAGE_SQL = f"""
SELECT month_end, count(DISTINCT member.person_id),
       count(DISTINCT member.person_id) FILTER (WHERE {cards.holds_card_on("member.person_id", "month_end")})
FROM unnest(%(ends)s::date[]) AS month_end
CROSS JOIN LATERAL ({registry.living_members_in("%(commune)s", "month_end")}) member
GROUP BY month_end
"""


def month_end(month: date) -> date:
    return add_months(first_of_month(month), 1) - timedelta(days=1)


def coverage(commune_code: str, months: list[date]) -> list[Coverage]:
    """Health-insurance coverage of a commune on the last day of each month, or today for a month
    whose last day is still to come (as ``reports.figures`` counts it: a day to come would count the
    cards ending before it as gone). One query."""
    today = timezone.localdate()
    ends = [min(month_end(month), today) for month in months]
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL, {"ends": ends, "commune": commune_code})
        found = {end: (members, covered) for end, members, covered in cursor.fetchall()}
    return [Coverage(first_of_month(month), *found.get(end, (0, 0))) for month, end in zip(months, ends, strict=True)]
