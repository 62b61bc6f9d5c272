"""Distributions: one programme's goods or money handed to a list of households at once. The list is
built from criteria in one statement; delivery and closing work on the whole list."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import refuse
from geography.scoping import require
from households.models import Household, Membership, PovertyStatus
from households.selectors import status_in_force
from support.models import Distribution, Kind, Programme, Record, SupportEvent
from support.services._common import _event
from support.services.programmes import programme_funding_lines, proportional_split
from support.services.records import _lock_record
from support.workflow import WORKFLOW

KINH = "01"  # ethnicity code of the Kinh majority; every other code is an ethnic minority


@dataclass(frozen=True)
class RecipientFilter:
    """Who a distribution is for. Empty fields do not narrow; ``statuses`` are poverty statuses on the
    list in force in ``year`` (``households.selectors.status_in_force``)."""

    year: int
    statuses: tuple[str, ...] = ()
    ethnic_minority: bool = False
    category: str = ""
    village_id: int | None = None
    extra: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "year": self.year,
            "statuses": list(self.statuses),
            "ethnic_minority": self.ethnic_minority,
            "category": self.category,
            "village_id": self.village_id,
        }


@transaction.atomic
def distribution_create(
    *, programme: Programme, name: str, planned_on: date, unit_value_vnd: int = 0, in_kind: str = "", acting_user
) -> Distribution:
    require(acting_user, "can_manage_registry", programme.commune_id)
    problems = {}
    if not name.strip():
        problems["name"] = [_("is required")]
    if unit_value_vnd < 0:
        problems["unit_value_vnd"] = [_("must not be negative")]
    if unit_value_vnd == 0 and not in_kind.strip():
        problems["unit_value_vnd"] = [_("give a value in đồng or describe what is given in kind")]
    if unit_value_vnd and not programme.fundings.exists():
        problems["programme"] = [_("the programme has no source of funding")]
    if programme.kind in (Kind.HOUSE, Kind.LOAN, Kind.LIVELIHOOD):
        problems["programme"] = [_("houses, loans and livelihood models are recorded household by household")]
    refuse(problems)
    distribution = Distribution.objects.create(
        programme=programme, commune_id=programme.commune_id, name=name.strip(), planned_on=planned_on,
        unit_value_vnd=unit_value_vnd, in_kind=in_kind.strip(), created_by=acting_user,
    )  # fmt: skip
    _event(distribution, SupportEvent.EventKind.PROGRAMME_CHANGED, acting_user, distribution_created=distribution.name)
    return distribution


def eligible_households(distribution: Distribution, criteria: RecipientFilter):
    """The households of the distribution's commune that match ``criteria`` (a queryset)."""
    from beneficiaries.models import Case

    households = Household.objects.filter(commune_id=distribution.commune_id, dissolved_on__isnull=True)
    if criteria.statuses:
        households = households.annotate(status_in_force=status_in_force(criteria.year)).filter(
            status_in_force__in=criteria.statuses
        )
    if criteria.village_id:
        households = households.filter(village_id=criteria.village_id)
    if criteria.ethnic_minority:
        households = households.filter(
            pk__in=Membership.objects.filter(left_on__isnull=True)
            .exclude(person__ethnicity=KINH)
            .values("household_id")
        )
    if criteria.category:
        cases = Case.objects.filter(
            status=Case.Status.ACTIVE,
            categories__category_id=criteria.category,
            categories__to_month__isnull=True,
        )
        households = households.filter(
            pk__in=Membership.objects.filter(left_on__isnull=True, person_id__in=cases.values("person_id")).values(
                "household_id"
            )
        )
    return households


@transaction.atomic
def distribution_add_recipients(*, distribution: Distribution, criteria: RecipientFilter, acting_user) -> dict:
    """Add every matching household as a planned recipient, in one statement. Households already
    on the list are left as they are (counted, never added twice). Returns ``{"added", "already"}``."""
    distribution = Distribution.objects.select_for_update().select_related("programme").get(pk=distribution.pk)
    WORKFLOW.check(acting_user, distribution, "add_recipients")
    problems = {}
    if criteria.statuses and not set(criteria.statuses) <= {PovertyStatus.POOR, PovertyStatus.NEAR_POOR,
                                                              PovertyStatus.MIDDLE_INCOME}:  # fmt: skip
        problems["statuses"] = [_("unknown poverty status")]
    if criteria.village_id and not distribution.commune.villages.filter(pk=criteria.village_id).exists():
        problems["village"] = [_("is not a village of the commune")]
    refuse(problems)
    candidates = eligible_households(distribution, criteria).values("pk")
    sql, params = candidates.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH candidates (id) AS ({sql}),
            added AS (
                INSERT INTO support_record (uuid, programme_id, commune_id, kind, household_id, distribution_id,
                    status, planned_on, value_vnd, in_kind, note, created_by_id, created_at, updated_at)
                SELECT gen_random_uuid(), %s, %s, %s, c.id, %s, 'planned', %s, %s, %s, '', %s, now(), now()
                FROM candidates c
                ON CONFLICT (distribution_id, household_id) WHERE distribution_id IS NOT NULL DO NOTHING
                RETURNING id
            )
            SELECT (SELECT count(*) FROM candidates), array_agg(id) FROM added
            """,
            [*params, distribution.programme_id, distribution.commune_id, distribution.programme.kind,
             distribution.pk, distribution.planned_on, distribution.unit_value_vnd, distribution.in_kind,
             acting_user.pk],
        )  # fmt: skip
        matched, added_ids = cursor.fetchone()
    added_ids = added_ids or []
    split = proportional_split(distribution.unit_value_vnd, programme_funding_lines(distribution.programme))
    if added_ids and split:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO support_recordfunding (record_id, source, donor_id, amount_vnd)
                SELECT r.id, s.source, s.donor_id, s.amount
                FROM unnest(%s::bigint[]) AS r(id)
                CROSS JOIN unnest(%s::text[], %s::bigint[], %s::bigint[]) AS s(source, donor_id, amount)
                """,
                [added_ids, [line.source for line in split], [line.donor.pk if line.donor else None for line in split],
                 [line.amount_vnd for line in split]],
            )  # fmt: skip
    result = {"added": len(added_ids), "already": matched - len(added_ids)}
    _event(distribution, SupportEvent.EventKind.RECIPIENTS_ADDED, acting_user, criteria=criteria.describe(), **result)
    return result


@transaction.atomic
def distribution_remove_recipient(*, distribution: Distribution, record: Record, reason: str = "", acting_user):
    """Take a planned recipient off the list (the row goes; the event keeps who and why)."""
    distribution = Distribution.objects.select_for_update().select_related("programme").get(pk=distribution.pk)
    WORKFLOW.check(acting_user, distribution, "remove_recipient")
    record = _lock_record(record)
    if record.distribution_id != distribution.pk:
        raise PermissionDenied
    if record.status == Record.Status.DELIVERED:
        refuse({"record": [_("%(household)s has already received it; a delivery cannot be taken back.") % {
            "household": record.household.code}]})  # fmt: skip
    if record.status != Record.Status.PLANNED:
        refuse({"record": [_("%(household)s is not a planned recipient") % {"household": record.household.code}]})
    household_code = record.household.code
    record.delete()
    _event(distribution, SupportEvent.EventKind.RECIPIENT_REMOVED, acting_user, reason=reason.strip(),
           household=household_code)  # fmt: skip


@transaction.atomic
def distribution_deliver(
    *, distribution: Distribution, record_ids: list[int] | None, delivered_on: date, acting_user
) -> int:
    """Mark recipients delivered in one statement: the listed ones, or every planned one when
    ``record_ids`` is None. A listed recipient who already received it refuses the whole request
    (naming the household), so nobody is marked twice."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    WORKFLOW.check(acting_user, distribution, "deliver")
    if delivered_on > timezone.localdate():
        refuse({"delivered_on": [_("must not be in the future")]})
    records = Record.objects.filter(distribution=distribution)
    if record_ids is not None:
        chosen = records.filter(pk__in=record_ids)
        found = {pk: (code, status, day) for pk, code, status, day in
                 chosen.values_list("pk", "household__code", "status", "delivered_on")}  # fmt: skip
        problems = []
        for pk in record_ids:
            if pk not in found:
                problems.append(_("recipient %(id)s is not on this distribution's list") % {"id": pk})
            elif found[pk][1] == Record.Status.DELIVERED:
                problems.append(_("%(household)s already received it on %(day)s") % {
                    "household": found[pk][0], "day": f"{found[pk][2]:%d/%m/%Y}"})  # fmt: skip
            elif found[pk][1] != Record.Status.PLANNED:
                problems.append(_("%(household)s is not a planned recipient") % {"household": found[pk][0]})
        if not record_ids:
            problems.append(_("choose at least one recipient"))
        refuse({"recipients": problems} if problems else {})
        records = chosen
    delivered = records.filter(status=Record.Status.PLANNED).update(
        status=Record.Status.DELIVERED, delivered_on=delivered_on
    )
    if record_ids is None and delivered == 0:
        refuse({"recipients": [_("Nobody on the list is waiting for delivery.")]})
    _event(distribution, SupportEvent.EventKind.DISTRIBUTION_DELIVERED, acting_user, delivered=delivered,
           delivered_on=str(delivered_on))  # fmt: skip
    return delivered


@transaction.atomic
def distribution_close(*, distribution: Distribution, acting_user) -> Distribution:
    """Close the distribution: planned recipients who never came are cancelled."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    WORKFLOW.check(acting_user, distribution, "close")
    cancelled = Record.objects.filter(distribution=distribution, status=Record.Status.PLANNED).update(
        status=Record.Status.CANCELLED
    )
    distribution.status = Distribution.Status.CLOSED
    distribution.save(update_fields=["status", "updated_at"])
    _event(distribution, SupportEvent.EventKind.DISTRIBUTION_CLOSED, acting_user, not_collected=cancelled)
    return distribution
