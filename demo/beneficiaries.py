"""Demo social-allowance cases (called by ``demo.accounts.load_demo`` after the households).

- **Xã Tân Đông**: 369 people receiving a monthly allowance, as in the field story: 2 orphans (5.1),
  132 elderly (mostly 5.5c, aged 80 or more; a few 5.5a in poor households) and 235 people with
  severe or extremely severe disabilities (5.6s, 5.6es), **all paid by bank**. Beside them, cases
  at each step of the procedure, filed through the services by tandong.officer and decided by
  tandong.chair: three applications, two verified and awaiting the chair, two suspended.
- **Phường Bình Minh**: 922 beneficiaries, over 96 % paid by bank (the rest in cash at the post
  office); the ward's registry has fewer disabled people than that needs, so some registered
  adults are recorded with a disability first. Its other members hold household cards too
  (``_member_cards``: 87 % of them, one-year cards back to back), so the ward's coverage is 88.10 %
  on any day the demo is loaded (Tân Đông's cards come with its reminders story, ``demo.notifications``).

In Tân Đông, tandong.officer has also imported a small supplementary list (``danh-sach-bo-sung.csv``:
two new beneficiaries, one of them owed more than ``ALLOWANCE_ARREARS_WARN_MONTHS`` months of arrears,
and a changed bank account) that awaits tandong.chair's confirmation: nothing of it is a case yet.

The 1,291 counted cases stand for the lists the communes kept before the product: they are written
set-based (bulk inserts, as an import would), each active since a decision signed in the past
(5.5c after the 80th birthday, 5.5a after the 60th), with every month up to last month already
paid. Every beneficiary holds a one-year health-insurance card (group BT); some cards end within
30 days of today. Persons come from the registry and choices from fixed seeds: every demo
database holds the same cases (dates move with today, as the review demo's do).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from beneficiaries import services
from beneficiaries.entitlement import age_in_month
from beneficiaries.exporting import export_rows
from beneficiaries.importing import COLUMNS, import_beneficiaries
from beneficiaries.models import Case, CaseCategory, CaseEvent, HealthInsuranceCard, ImportBatch, PaymentMethod
from beneficiaries.services import CategoryChoice, PaymentDetails
from core.audit import write_events, write_history
from core.bulk import allocate_ids, complete_rows, copy_insert, copy_update
from core.months import add_months, first_of_month
from core.text import fold_vietnamese
from geography.models import Commune
from households.models import DisabilityLevel, HouseholdYearStatus, Membership, Person, PovertyStatus
from households.services import household_summaries_refresh

TAN_DONG, BINH_MINH = "25522", "25480"
SEED = 369
EARLIEST_DECISION = date(2016, 1, 1)
CARD_GROUP = "BT"
EXPIRING_SHARE = 0.08  # of the beneficiaries' cards end within 30 days of today
# NAPAS BIN, account number length, weight: the banks that pay allowances in Tây Ninh.
BANKS = [("970405", 13, 6), ("970436", 10, 2), ("970415", 12, 1), ("970418", 12, 1), ("970449", 12, 2)]


@dataclass(frozen=True)
class Plan:
    """How many cases of each kind a commune gets (all active) and how many are paid in cash."""

    orphans: int  # 5.1, aged 5–13
    students: int  # 5.2, aged 16–21 (orphans still in school)
    single_parents: int  # 5.4 with 1–3 children, in a poor or near-poor household
    poor_elderly: int  # 5.5a, aged 62–78, in a poor household (fewer when the registry has fewer)
    elderly: int  # 5.5c, aged 80 or more; tops up the elderly when there are too few poor ones
    disabled: int  # 5.6s / 5.6es
    cash: int

    @property
    def total(self) -> int:
        return self.orphans + self.students + self.single_parents + self.poor_elderly + self.elderly + self.disabled


PLANS = {
    TAN_DONG: Plan(orphans=2, students=0, single_parents=0, poor_elderly=12, elderly=120, disabled=235, cash=0),
    BINH_MINH: Plan(orphans=3, students=1, single_parents=2, poor_elderly=0, elderly=262, disabled=654, cash=33),
}
OFFICERS = {TAN_DONG: "tandong.officer", BINH_MINH: "binhminh.officer"}


@dataclass
class _Candidate:
    pk: int
    national_id: str
    full_name: str
    born: date
    disability: str
    household_id: int
    poverty: str
    insurance: str
    age: int  # two months ago (see ``_choose``)


def load_demo_beneficiaries() -> dict[str, int]:
    """Commune code -> cases created; a commune that already has cases is left alone, so calling
    this again does nothing."""
    today = timezone.localdate()
    users = User.objects.in_bulk(["tandong.officer", "tandong.chair", "binhminh.officer"], field_name="username")
    created = {}
    for code, plan in PLANS.items():
        commune = Commune.objects.get(code=code)
        if Case.objects.filter(commune=commune).exists():
            created[code] = 0
            continue
        rng = random.Random(f"{SEED}-{code}")
        candidates = _candidates(commune, today)
        person_ids = _beneficiaries(commune, plan, candidates, rng, today, users[OFFICERS[code]])
        if code == TAN_DONG:
            in_progress = _cases_in_progress(commune, candidates, rng, today, users["tandong.officer"],
                                             users["tandong.chair"])  # fmt: skip
            person_ids += [case.person_id for case in in_progress]
        _health_cards(person_ids, rng, today, users[OFFICERS[code]])
        if code == BINH_MINH:
            _member_cards(commune, set(person_ids), today)
        if code == TAN_DONG:
            _batch_awaiting_the_chair(commune, candidates, today, users["tandong.officer"])
        created[code] = len(person_ids)
    return created


def _candidates(commune: Commune, today: date) -> list[_Candidate]:
    """The living current members of the commune's households, in national-ID order."""
    # The latest list in force: the review of each year decides the next year's statuses.
    latest_status = dict(
        HouseholdYearStatus.objects.filter(household__commune=commune, year__lte=today.year)
        .order_by("household_id", "year")
        .values_list("household_id", "status")
    )
    listed = {PovertyStatus.POOR: "poor", PovertyStatus.NEAR_POOR: "near_poor"}
    rows = (
        Membership.objects.filter(household__commune=commune, left_on__isnull=True, person__date_of_death__isnull=True)
        .order_by("person__national_id")
        .values_list(
            "person_id",
            "person__national_id",
            "person__full_name",
            "person__date_of_birth",
            "person__disability_level",
            "household_id",
            "person__health_insurance_number",
        )
    )
    month = add_months(first_of_month(today), -2)
    return [
        _Candidate(
            pk,
            national_id,
            name,
            born,
            disability,
            household_id,
            listed.get(latest_status.get(household_id), ""),
            insurance,
            age_in_month(born, month),
        )
        for pk, national_id, name, born, disability, household_id, insurance in rows
    ]


@dataclass
class _Chosen:
    candidate: _Candidate
    categories: list[tuple[str, int]]
    eligible_from: date  # the first day the categories are payable


def _years_after(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28)


def _choose(plan: Plan, candidates: list[_Candidate], rng: random.Random, today: date) -> tuple[list[_Chosen], list]:
    """The persons of the plan, and the adults to record with a disability first (when the
    registry has too few)."""
    used: set[int] = set()
    chosen: list[_Chosen] = []

    def age(candidate: _Candidate) -> int:
        return candidate.age

    def take(pool: list[_Candidate], count: int) -> list[_Candidate]:
        pool = [candidate for candidate in pool if candidate.pk not in used]
        picked = rng.sample(pool, min(count, len(pool)))
        used.update(candidate.pk for candidate in picked)
        return picked

    able = [c for c in candidates if c.disability in (DisabilityLevel.NONE, DisabilityLevel.MILD)]
    for person in take([c for c in able if 5 <= age(c) <= 13], plan.orphans):
        chosen.append(_Chosen(person, [("5.1", 0)], person.born + timedelta(days=1)))
    for person in take([c for c in able if 16 <= age(c) <= 21], plan.students):
        chosen.append(_Chosen(person, [("5.2", 0)], _years_after(person.born, 16)))
    for person in take([c for c in able if 25 <= age(c) <= 45 and c.poverty], plan.single_parents):
        chosen.append(_Chosen(person, [("5.4", rng.randint(1, 3))], _years_after(person.born, 18)))
    poor_elderly = take([c for c in able if 62 <= age(c) <= 78 and c.poverty == "poor"], plan.poor_elderly)
    for person in poor_elderly:
        chosen.append(_Chosen(person, [("5.5a", 0)], _years_after(person.born, 60)))
    elderly_count = plan.elderly + plan.poor_elderly - len(poor_elderly)
    for person in take([c for c in able if age(c) >= 80], elderly_count):
        chosen.append(_Chosen(person, [("5.5c", 0)], _years_after(person.born, 80)))
    # The people with disabilities make up the total, whatever the other pools fell short of.
    wanted = plan.total - len(chosen)
    disabled = take([c for c in candidates if c.disability in (DisabilityLevel.SEVERE,
                                                                DisabilityLevel.EXTREMELY_SEVERE)], wanted)  # fmt: skip
    newly_disabled = []
    for person in take([c for c in able if 18 <= age(c) <= 59], wanted - len(disabled)):
        person.disability = DisabilityLevel.EXTREMELY_SEVERE if rng.random() < 0.3 else DisabilityLevel.SEVERE
        newly_disabled.append(person)
        disabled.append(person)
    for person in disabled:
        code = "5.6es" if person.disability == DisabilityLevel.EXTREMELY_SEVERE else "5.6s"
        chosen.append(_Chosen(person, [(code, 0)], person.born + timedelta(days=1)))
    return chosen, newly_disabled


def _record_disabilities(persons: list[_Candidate]) -> None:
    for level in (DisabilityLevel.SEVERE, DisabilityLevel.EXTREMELY_SEVERE):
        Person.objects.filter(pk__in=[p.pk for p in persons if p.disability == level]).update(
            disability_level=level, updated_at=timezone.now()
        )
    household_summaries_refresh({person.household_id for person in persons})


def _account(candidate: _Candidate, rng: random.Random) -> PaymentDetails:
    bank_bin, length, _weight = rng.choices(BANKS, weights=[weight for *_rest, weight in BANKS])[0]
    number = str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(length - 1))
    # Banks hold names in capitals without diacritics.
    return PaymentDetails(PaymentMethod.BANK, bank_bin, number, fold_vietnamese(candidate.full_name).upper())


def _beneficiaries(commune, plan: Plan, candidates, rng: random.Random, today: date, officer) -> list[int]:
    """Write the plan's active cases (COPY, as an import would); their persons' ids."""
    chosen, newly_disabled = _choose(plan, candidates, rng, today)
    _record_disabilities(newly_disabled)
    latest = today - timedelta(days=45)
    decided = []
    for choice in chosen:
        earliest = max(choice.eligible_from + timedelta(days=15), EARLIEST_DECISION)
        if earliest > latest:
            earliest = latest
        decided.append(earliest + timedelta(days=rng.randrange((latest - earliest).days + 1)))
    cash = set(rng.sample(range(len(chosen)), plan.cash))
    # Decision numbers run through each year in date order, as a commune's register does.
    numbers, per_year = {}, {}
    for index in sorted(range(len(chosen)), key=lambda i: (decided[i], chosen[i].candidate.national_id)):
        year = decided[index].year
        per_year[year] = per_year.get(year, 0) + rng.randint(1, 6)
        numbers[index] = f"{per_year[year]}/QĐ-UBND"
    paid_through = add_months(first_of_month(today), -1)
    now = timezone.now()
    cases = []
    for index, choice in enumerate(chosen):
        payment = PaymentDetails(PaymentMethod.CASH) if index in cash else _account(choice.candidate, rng)
        cases.append(
            {
                "person_id": choice.candidate.pk,
                "commune_id": commune.pk,
                "status": Case.Status.ACTIVE.value,
                "applied_on": decided[index] - timedelta(days=rng.randint(10, 40)),
                "prepared_by_id": officer.pk,
                "decision_number": numbers[index],
                "decision_date": decided[index],
                "start_month": first_of_month(decided[index]),
                "paid_through_month": paid_through,
                "payment_method": payment.method,
                "bank_bin": payment.bank_bin,
                "account_number": payment.account_number,
                "account_name": payment.account_name,
            }
        )
    for row, pk in zip(cases, allocate_ids(Case, len(cases)), strict=True):
        row["id"] = pk
    copy_insert(Case, complete_rows(Case, cases, now=now), with_pk=True)
    write_history(Case, cases, user=officer, now=now, history_type="+")
    categories = [
        {
            "case_id": case["id"],
            "category_id": code,
            "dependent_children": children,
            "from_month": None,
            "to_month": None,
        }
        for case, choice in zip(cases, chosen, strict=True)
        for code, children in choice.categories
    ]
    for row, pk in zip(categories, allocate_ids(CaseCategory, len(categories)), strict=True):
        row["id"] = pk
    copy_insert(CaseCategory, complete_rows(CaseCategory, categories, now=now), with_pk=True)
    write_history(CaseCategory, categories, user=officer, now=now, history_type="+")
    events = [
        {
            "case_id": case["id"],
            "kind": CaseEvent.Kind.IMPORTED.value,
            "actor_id": officer.pk,
            "reason": "",
            "occurred_at": timezone.make_aware(datetime.combine(case["decision_date"], time(9, 0))),
            "data": {
                "created": True,
                "decision": case["decision_number"],
                "categories": [code for code, _n in choice.categories],
            },
        }
        for case, choice in zip(cases, chosen, strict=True)
    ]
    write_events(CaseEvent, events, now=now)
    return [case["person_id"] for case in cases]


# --- cases at each step, through the services --------------------------------------------------


def _dated(case: Case, day: date) -> None:
    """Date the events a service just wrote to the day they stand for, 09:00."""
    moment = timezone.make_aware(datetime.combine(day, time(9, 0)))
    CaseEvent.objects.filter(case=case, occurred_at__gt=moment).update(occurred_at=moment)


def _confirmed(case: Case) -> list[str]:
    return [d for row in case.categories.select_related("category") for d in row.category.declarations]


def _cases_in_progress(commune, candidates, rng: random.Random, today: date, officer, chair) -> list[Case]:
    """Three applications, two verified and awaiting the chair, two suspended: 7 persons of the
    registry who have no case yet."""
    taken = set(Case.objects.filter(commune=commune).values_list("person_id", flat=True))
    free = [c for c in candidates if c.pk not in taken]
    elders = [c for c in free if c.age >= 80 and c.disability in ("none", "mild")]
    severe = [c for c in free if c.disability in (DisabilityLevel.SEVERE, DisabilityLevel.EXTREMELY_SEVERE)]
    elder, disabled = rng.sample(elders, 3), rng.sample(severe, 4)
    persons = Person.objects.in_bulk([c.pk for c in [*elder, *disabled]])

    def category(candidate: _Candidate) -> CategoryChoice:
        if candidate.disability == DisabilityLevel.EXTREMELY_SEVERE:
            return CategoryChoice("5.6es")
        return CategoryChoice("5.6s") if candidate.disability == DisabilityLevel.SEVERE else CategoryChoice("5.5c")

    def apply(candidate: _Candidate, applied_on: date) -> Case:
        case = services.case_apply(
            person=persons[candidate.pk],
            commune=commune,
            categories=[category(candidate)],
            applied_on=applied_on,
            payment=_account(candidate, rng),
            acting_user=officer,
        )
        _dated(case, applied_on)
        return case

    cases = []
    for candidate, days_ago in zip((elder[0], elder[1], disabled[0]), (2, 5, 9), strict=True):
        cases.append(apply(candidate, today - timedelta(days=days_ago)))
    for candidate, days_ago in zip((elder[2], disabled[1]), (12, 20), strict=True):
        case = apply(candidate, today - timedelta(days=days_ago))
        case = services.case_verify(case=case, confirmed=_confirmed(case), note="Đã xác minh tại nhà.",
                                    acting_user=officer)  # fmt: skip
        _dated(case, today - timedelta(days=days_ago - 3))
        cases.append(case)
    reasons = ["Không tham gia xác định lại mức độ khuyết tật theo yêu cầu.", "Bị tạm giam từ một tháng trở lên."]
    for candidate, reason in zip(disabled[2:], reasons, strict=True):
        applied_on = today - timedelta(days=rng.randint(300, 600))
        case = apply(candidate, applied_on)
        case = services.case_verify(case=case, confirmed=_confirmed(case), acting_user=officer)
        _dated(case, applied_on + timedelta(days=4))
        decided_on = applied_on + timedelta(days=12)
        case = services.case_decide(case=case, decision_number=f"{rng.randint(300, 900)}/QĐ-UBND",
                                    decision_date=decided_on, acting_user=chair)  # fmt: skip
        _dated(case, decided_on)
        suspended_from = add_months(first_of_month(today), -1)
        services.case_suspend(case=case, from_month=suspended_from, reason=reason, acting_user=chair)
        # Paid by the old list up to the suspension.
        Case.objects.filter(pk=case.pk).update(paid_through_month=add_months(suspended_from, -1))
        _dated(case, suspended_from + timedelta(days=4))
        cases.append(case)
    return cases


def _health_cards(person_ids: list[int], rng: random.Random, today: date, officer) -> None:
    """A one-year BT card for each beneficiary, still valid; some end within 30 days (the reminders)."""
    persons = sorted(Person.objects.filter(pk__in=person_ids), key=lambda person: person.national_id)
    now = timezone.now()
    cards = []
    for person in persons:
        # The card keeps the person's social-insurance number (its last 10 digits).
        own = person.health_insurance_number
        tail = own[3:] if len(own) == 15 else f"80{rng.randrange(10**10):010d}"
        number = f"{CARD_GROUP}2{tail}"
        ends = today + timedelta(days=rng.randint(3, 28) if rng.random() < EXPIRING_SHARE else rng.randint(45, 330))
        cards.append({"person_id": person.pk, "number": number, "group": CARD_GROUP,
                      "valid_from": _years_after(ends, -1) + timedelta(days=1), "valid_to": ends})  # fmt: skip
        person.health_insurance_number, person.updated_at = number, now
    for row, pk in zip(cards, allocate_ids(HealthInsuranceCard, len(cards)), strict=True):
        row["id"] = pk
    copy_insert(HealthInsuranceCard, complete_rows(HealthInsuranceCard, cards, now=now), with_pk=True)
    write_history(HealthInsuranceCard, cards, user=officer, now=now, history_type="+")
    copy_update(Person, persons, ["health_insurance_number", "updated_at"])


# Share of Bình Minh's other living members holding a card: about 88 % of all its members are
# covered (with the beneficiaries, all covered), near Tân Đông's 87.5 % after its reminders.
MEMBER_COVERED_SHARE = 0.87
MEMBER_CARDS_BACK = 3  # one-year cards, back to back, the current one and the two before it


def _member_cards(commune, beneficiaries: set[int], today: date) -> int:
    """Cards of the ward's other living members (Tân Đông's come with its reminders story,
    ``demo.notifications``): a share of them hold one-year household cards renewed on time, each
    person on their own anniversary (a month and a day from the 3rd to the 28th, drawn from a fixed
    seed), so coverage is the same on every month's last day and on any day the demo is loaded.
    Without simple-history rows, like the synthetic households. Returns the cards written."""
    rng = random.Random(f"{SEED}-{commune.code}-members")
    members = (
        Membership.objects.filter(household__commune=commune, left_on__isnull=True, person__date_of_death=None)
        .exclude(person_id__in=beneficiaries)
        .select_related("person")
        .order_by("person__national_id")
    )
    this_month = first_of_month(today)
    now = timezone.now()
    cards, persons = [], []
    for membership in members:
        person = membership.person
        covered = rng.random() < MEMBER_COVERED_SHARE
        months_ago, day = rng.randrange(12), rng.randint(3, 28)
        serial = rng.randrange(10**10)
        if not covered:
            continue
        head = "TE1" if _years_after(person.date_of_birth, 6) > today else "GD4"
        number = person.health_insurance_number or f"{head}80{serial:010d}"
        current = ""
        for back in range(MEMBER_CARDS_BACK):
            starts = add_months(this_month, -months_ago - 12 * back).replace(day=day)
            ends = _years_after(starts, 1) - timedelta(days=1)
            if starts > today or ends < person.date_of_birth:
                continue  # a card of later this month is not bought yet; none before a birth
            cards.append({"person_id": person.pk, "number": number, "group": number[:2],
                          "valid_from": max(starts, person.date_of_birth), "valid_to": ends})  # fmt: skip
            if starts <= today <= ends:
                current = number
        if current and person.health_insurance_number != current:
            person.health_insurance_number, person.updated_at = current, now
            persons.append(person)
    for row, pk in zip(cards, allocate_ids(HealthInsuranceCard, len(cards)), strict=True):
        row["id"] = pk
    copy_insert(HealthInsuranceCard, complete_rows(HealthInsuranceCard, cards, now=now), with_pk=True)
    if persons:
        copy_update(Person, persons, ["health_insurance_number", "updated_at"])
    return len(cards)


# --- an imported list awaiting the chair ---------------------------------------------------------


def _batch_awaiting_the_chair(commune, candidates, today: date, officer) -> None:
    """Three lines imported by the officer, through the import itself, left for the chair: an elder of
    80 or more paid from six months ago (arrears beyond the warning), a person with a severe
    disability paid from last month, and a beneficiary whose bank account changes. Its own seed, so
    the counted cases above are the same with or without it."""
    rng = random.Random(f"{SEED}-batch")
    taken = set(Case.objects.filter(person__in=[c.pk for c in candidates]).values_list("person_id", flat=True))
    free = [c for c in candidates if c.pk not in taken]
    elder = rng.choice([c for c in free if c.age >= 81 and c.disability in ("none", "mild")])
    disabled = rng.choice([c for c in free if c.disability == DisabilityLevel.SEVERE])
    persons = Person.objects.in_bulk([elder.pk, disabled.pk])
    household_codes = dict(
        Membership.objects.filter(person__in=list(persons), left_on__isnull=True).values_list(
            "person_id", "household__code"
        )
    )

    def new_line(candidate: _Candidate, category: str, start: date, number: str) -> dict:
        person = persons[candidate.pk]
        payment = _account(candidate, rng)
        return dict.fromkeys(COLUMNS, "") | {
            "national_id": person.national_id, "full_name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat(), "sex": person.sex, "commune_code": commune.pk,
            "household_code": household_codes[person.pk], "categories": category, "decision_number": number,
            "decision_date": (start + timedelta(days=9)).isoformat(), "start_month": f"{start:%Y-%m}",
            "payment_method": payment.method, "bank_bin": payment.bank_bin, "account_number": payment.account_number,
            "account_name": payment.account_name,
        }  # fmt: skip

    this_month = first_of_month(today)
    rows = [
        new_line(elder, "5.5c", add_months(this_month, -6), f"{rng.randint(900, 950)}/QĐ-UBND"),
        new_line(disabled, "5.6s", add_months(this_month, -1), f"{rng.randint(951, 999)}/QĐ-UBND"),
    ]
    # The third line is an active case exported as it stands, with a new account number.
    active = Case.objects.filter(commune=commune, status=Case.Status.ACTIVE, payment_method=PaymentMethod.BANK)
    changed = active.order_by("person__national_id")[rng.randrange(active.count())]
    header, values = list(export_rows(Case.objects.filter(pk=changed.pk)))
    moved = dict(zip(header, values, strict=True))
    moved["account_number"] = str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(11))
    rows.append(moved)
    report = import_beneficiaries(rows, acting_user=officer, filename="danh-sach-bo-sung.csv")
    if not report.ok:  # the demo's own data: a refusal is a bug here
        raise RuntimeError(f"demo batch refused: {report.errors}")
    moment = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(15, 30)))
    ImportBatch.objects.filter(pk=report.batch.pk).update(created_at=moment, updated_at=moment)
