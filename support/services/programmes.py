"""Donors and programmes, and the funding lines they carry. Each service checks the role (the commune
officer: ``can_manage_registry``) and the scope, validates everything before it writes, writes atomically
and records a SupportEvent; on refusal it raises PermissionDenied or a ValidationError naming the field.

Funding: a record's funding lines sum to its value. When the officer gives no split, the record takes the
programme's split in proportion (largest remainders, so the đồng add up exactly): ``proportional_split``.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.services import refuse
from geography.models import Commune
from geography.scoping import commune_codes_for_user, require
from support.models import Donor, Funding, Kind, Programme, Source, SupportEvent
from support.services._common import _event


@dataclass(frozen=True)
class FundingLine:
    source: str
    amount_vnd: int
    donor: Donor | None = None


def _funding_problems(lines: list[FundingLine], province_id: str | None = None) -> list[str]:
    problems = []
    seen = set()
    for line in lines:
        if line.source not in Source.values:
            problems.append(_("unknown source “%(source)s”") % {"source": line.source})
        if (line.source == Source.DONOR) != (line.donor is not None):
            problems.append(_("a donor is named when, and only when, the source is a donor"))
        if line.donor is not None and province_id and line.donor.province_id != province_id:
            problems.append(_("the donor “%(donor)s” is registered in another province") % {"donor": line.donor})
        if line.amount_vnd is None or line.amount_vnd <= 0:
            problems.append(_("every amount must be more than 0 đồng"))
        key = (line.source, line.donor.pk if line.donor else None)
        if key in seen:
            problems.append(_("the same source is listed twice"))
        seen.add(key)
    return problems


# --- Donors -------------------------------------------------------------------------------------


@transaction.atomic
def donor_save(*, province, name: str, kind: str, contact: str = "", note: str = "", donor=None, acting_user) -> Donor:
    """Register a donor for the province, or change one. An officer registers donors of their own
    province (any of their communes)."""
    if not acting_user.can_manage_registry:
        raise PermissionDenied
    if (
        not acting_user.has_national_scope
        and not Commune.objects.filter(province=province, code__in=commune_codes_for_user(acting_user)).exists()
    ):
        raise PermissionDenied
    name = " ".join(name.split())
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("is required")]
    elif Donor.objects.filter(province=province, name__iexact=name).exclude(pk=getattr(donor, "pk", None)).exists():
        problems["name"] = [_("a donor of this name is already registered in the province")]
    if kind not in Donor.DonorKind.values:
        problems["kind"] = [_("unknown kind")]
    refuse(problems)
    donor = donor or Donor(province=province)
    donor.name, donor.kind, donor.contact, donor.note = name, kind, contact.strip(), note.strip()
    donor.save()
    return donor


# --- Programmes ---------------------------------------------------------------------------------


def _programme_problems(*, kind, name, year, attendees) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if kind not in Kind.values:
        problems["kind"] = [_("unknown kind")]
    if not name.strip():
        problems["name"] = [_("is required")]
    if not 2000 <= int(year) <= 2100:
        problems["year"] = [_("must be a year between 2000 and 2100")]
    if attendees is not None and kind != Kind.CHECKUP:
        problems["attendees"] = [_("only a medical check-up counts attendees")]
    return problems


def _write_fundings(programme: Programme, lines: list[FundingLine]) -> None:
    programme.fundings.all().delete()
    Funding.objects.bulk_create(
        Funding(programme=programme, source=line.source, donor=line.donor, amount_vnd=line.amount_vnd) for line in lines
    )


@transaction.atomic
def programme_create(
    *,
    commune,
    kind: str,
    name: str,
    year: int,
    fundings: list[FundingLine],
    organiser: str = "",
    target_group: str = "",
    description: str = "",
    attendees: int | None = None,
    acting_user,
) -> Programme:
    require(acting_user, "can_manage_registry", commune.code)
    problems = _programme_problems(kind=kind, name=name, year=year, attendees=attendees)
    if not fundings:
        problems["fundings"] = [_("name at least one source of funding")]
    elif funding_problems := _funding_problems(fundings, commune.province_id):
        problems["fundings"] = funding_problems
    if Programme.objects.filter(commune=commune, year=year, name=name.strip()).exists():
        problems.setdefault("name", []).append(_("the commune already has a programme of this name this year"))
    refuse(problems)
    programme = Programme.objects.create(
        commune=commune,
        kind=kind,
        name=name.strip(),
        year=year,
        organiser=organiser.strip(),
        target_group=target_group.strip(),
        description=description.strip(),
        attendees=attendees,
        created_by=acting_user,
    )
    _write_fundings(programme, fundings)
    _event(programme, SupportEvent.EventKind.PROGRAMME_CREATED, acting_user)
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    name: str,
    fundings: list[FundingLine],
    organiser: str = "",
    target_group: str = "",
    description: str = "",
    attendees: int | None = None,
    reason: str = "",
    acting_user,
) -> Programme:
    """Change a programme's name, organiser, target group, attendees and funding (its kind, commune
    and year stay: records already hang on them)."""
    require(acting_user, "can_manage_registry", programme.commune_id)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    problems = _programme_problems(kind=programme.kind, name=name, year=programme.year, attendees=attendees)
    if not fundings:
        problems["fundings"] = [_("name at least one source of funding")]
    elif funding_problems := _funding_problems(fundings, programme.commune.province_id):
        problems["fundings"] = funding_problems
    clash = Programme.objects.filter(commune_id=programme.commune_id, year=programme.year, name=name.strip())
    if clash.exclude(pk=programme.pk).exists():
        problems.setdefault("name", []).append(_("the commune already has a programme of this name this year"))
    refuse(problems)
    programme.name, programme.organiser = name.strip(), organiser.strip()
    programme.target_group, programme.description, programme.attendees = (
        target_group.strip(),
        description.strip(),
        attendees,
    )
    programme.save()
    _write_fundings(programme, fundings)
    _event(programme, SupportEvent.EventKind.PROGRAMME_CHANGED, acting_user, reason=reason)
    return programme


def proportional_split(value_vnd: int, fundings: list[FundingLine]) -> list[FundingLine]:
    """``value_vnd`` shared among the programme's sources in proportion to their amounts; the
    remainders go to the largest fractions first, so the lines sum to the value exactly."""
    total = sum(line.amount_vnd for line in fundings)
    if value_vnd == 0 or total == 0:
        return []
    shares = [(value_vnd * line.amount_vnd // total, value_vnd * line.amount_vnd % total, i) for i, line in
              enumerate(fundings)]  # fmt: skip
    missing = value_vnd - sum(share for share, _rest, _i in shares)
    bonus = {i for _share, _rest, i in sorted(shares, key=lambda s: (-s[1], s[2]))[:missing]}
    split = [
        FundingLine(source=line.source, donor=line.donor, amount_vnd=shares[i][0] + (1 if i in bonus else 0))
        for i, line in enumerate(fundings)
    ]
    return [line for line in split if line.amount_vnd > 0]


def programme_funding_lines(programme: Programme) -> list[FundingLine]:
    return [
        FundingLine(source=f.source, donor=f.donor, amount_vnd=f.amount_vnd)
        for f in programme.fundings.select_related("donor").order_by("id")
    ]
