"""Every write of social-allowance cases. Each service checks the role, the scope and the case's
status (``beneficiaries.workflow``), writes, and records a CaseEvent in the same transaction; on refusal it raises
PermissionDenied (wrong role or commune) or ValidationError naming the field, and nothing is written.

The officer files and verifies a case; the commune chair decides, refuses, suspends, resumes and
terminates (NĐ 20/2021 as decentralised by NĐ 147/2025: the commune chair decides). Whoever
prepared or verified a case cannot decide it. Once a case's months can be paid, a change of its
payment details, categories or months is a change request that another person, the chair,
approves (``beneficiaries.changes``); the writers of those changes are at the end of this module.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from beneficiaries import banks
from beneficiaries.models import (
    Case,
    CaseCategory,
    CaseEvent,
    Category,
    HealthInsuranceCard,
    PaymentMethod,
    Suspension,
    text_lines,
)
from beneficiaries.workflow import OPEN, WORKFLOW
from core.documents import check_document
from core.months import add_months, first_of_month
from core.services import refuse
from geography.scoping import require
from households.models import DisabilityLevel, HouseholdYearStatus, Membership, PovertyStatus

PAYMENT_METHODS = frozenset(PaymentMethod.values)


@dataclass(frozen=True)
class CategoryChoice:
    code: str
    dependent_children: int = 0


@dataclass(frozen=True)
class PaymentDetails:
    method: str
    bank_bin: str = ""
    account_number: str = ""
    account_name: str = ""


def _event(case: Case, kind: str, acting_user, *, reason: str = "", **data) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=acting_user, reason=reason, data=data)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("person", "commune").get(pk=case.pk)


def category_problems(choices: list[CategoryChoice]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    codes = [choice.code for choice in choices]
    known = {category.code: category for category in Category.objects.filter(code__in=codes)}
    if not choices:
        problems["categories"] = [_("choose at least one category")]
    for choice in choices:
        category = known.get(choice.code)
        if category is None:
            problems.setdefault("categories", []).append(_("unknown category %(code)s") % {"code": choice.code})
        elif category.per_child_addition and choice.dependent_children < 1:
            problems.setdefault("dependent_children", []).append(
                _("%(code)s needs the number of dependent children") % {"code": choice.code}
            )
    if len(set(codes)) != len(codes):
        problems.setdefault("categories", []).append(_("a category is chosen twice"))
    return problems


def category_choices(codes: list[str], dependent_children: int = 0) -> list[CategoryChoice]:
    """The categories asked for, each with the dependent children when it is paid per child (5.4),
    as the case form builds them: the other categories never carry children (one query)."""
    per_child = set(Category.objects.filter(code__in=codes, per_child_addition=True).values_list("code", flat=True))
    return [CategoryChoice(code, dependent_children if code in per_child else 0) for code in codes]


def payment_problems(details: PaymentDetails) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if details.method not in PAYMENT_METHODS:
        problems["payment_method"] = [_("must be bank or cash")]
    elif details.method == PaymentMethod.BANK:
        if not (details.bank_bin.isdigit() and len(details.bank_bin) == 6):
            problems["bank_bin"] = [_("must be the bank's 6-digit NAPAS BIN")]
        if not (details.account_number.isdigit() and 6 <= len(details.account_number) <= 19):
            problems["account_number"] = [_("must be 6 to 19 digits")]
        if not details.account_name.strip():
            problems["account_name"] = [_("is required for a bank account")]
    return problems


def payment_fields(details: PaymentDetails) -> dict[str, str]:
    """The case's fields for these details, as stored: a cash case keeps no account; the holder's
    name is upper-cased with single spaces (as the bank writes it)."""
    bank = details.method == PaymentMethod.BANK
    return {
        "payment_method": details.method,
        "bank_bin": details.bank_bin if bank else "",
        "account_number": details.account_number if bank else "",
        "account_name": " ".join(details.account_name.upper().split()) if bank else "",
    }


def _apply_payment(case: Case, details: PaymentDetails) -> None:
    for name, value in payment_fields(details).items():
        setattr(case, name, value)


def _set_categories(case: Case, choices: list[CategoryChoice], *, acting_user, from_month=None) -> None:
    """The case's categories from ``from_month`` on, with their history rows (who, when): the categories
    decide the amount, so a change of them is audited like any other field of the case."""
    rows = [
        CaseCategory(
            case=case, category_id=choice.code, dependent_children=choice.dependent_children, from_month=from_month
        )  # fmt: skip
        for choice in choices
    ]
    bulk_create_with_history(rows, CaseCategory, default_user=acting_user)


@transaction.atomic
def case_apply(
    *, person, commune, categories: list[CategoryChoice], applied_on: date, payment: PaymentDetails, acting_user
) -> Case:
    """File an application for a person of the registry who lives in the commune."""
    require(acting_user, "can_manage_registry", commune.pk)
    problems = category_problems(categories) | payment_problems(payment)
    if not Membership.objects.filter(person=person, left_on__isnull=True, household__commune=commune).exists():
        problems["person"] = [_("does not live in a household of %(commune)s") % {"commune": commune.name}]
    if person.date_of_death:
        problems.setdefault("person", []).append(_("is recorded as dead"))
    if Case.objects.filter(person=person, status__in=OPEN).exists():
        problems.setdefault("person", []).append(_("already has an open case"))
    if applied_on > timezone.localdate():
        problems["applied_on"] = [_("cannot be in the future")]
    refuse(problems)
    case = Case(person=person, commune=commune, applied_on=applied_on, prepared_by=acting_user)
    _apply_payment(case, payment)
    case.save()
    _set_categories(case, categories, acting_user=acting_user)
    _event(case, CaseEvent.Kind.APPLIED, acting_user, categories=[choice.code for choice in categories])
    return case


def registry_checks(case: Case, *, on: date | None = None) -> list[dict]:
    """What the registry says about each category's conditions: one row per check, with
    ``ok`` True/False (a False is a warning the officer must look at, not a refusal)."""
    from beneficiaries.entitlement import Rules, age_in_month

    on = on or timezone.localdate()
    month = first_of_month(on)
    person = case.person
    age = age_in_month(person.date_of_birth, month)
    household_id = (
        Membership.objects.filter(person=person, left_on__isnull=True).values_list("household_id", flat=True).first()
    )
    status = (
        HouseholdYearStatus.objects.filter(household_id=household_id, year=on.year)
        .values_list("status", flat=True)
        .first()
        or PovertyStatus.NONE
    )
    rules = Rules()
    checks = []
    for row in case.categories.select_related("category").filter(to_month__isnull=True):
        category = row.category
        payable = rules.coefficient(category.code, age, month) is not None
        checks.append({"category": category.code, "check": "age", "ok": payable,
                       "detail": _("age %(age)d this month") % {"age": age}})  # fmt: skip
        for condition in category.conditions:
            ok, detail = _condition(condition, person, status)
            checks.append({"category": category.code, "check": condition, "ok": ok, "detail": detail})
    return checks


def _condition(condition: str, person, status: str) -> tuple[bool, str]:
    labels = dict(PovertyStatus.choices)
    if condition == Category.Condition.POOR:
        return status == PovertyStatus.POOR, str(labels[status])
    if condition == Category.Condition.POOR_OR_NEAR_POOR:
        return status in (PovertyStatus.POOR, PovertyStatus.NEAR_POOR), str(labels[status])
    if condition == Category.Condition.SEVERE_DISABILITY:
        return person.disability_level == DisabilityLevel.SEVERE, person.get_disability_level_display()
    if condition == Category.Condition.EXTREMELY_SEVERE_DISABILITY:
        return person.disability_level == DisabilityLevel.EXTREMELY_SEVERE, person.get_disability_level_display()
    if condition == Category.Condition.ETHNIC_MINORITY:
        return person.ethnicity != "01", person.get_ethnicity_display()
    return False, ""


@transaction.atomic
def case_verify(*, case: Case, confirmed: list[str], note: str = "", acting_user) -> Case:
    """The officer's verification: the registry's checks (kept with the case, warnings included)
    and the declarations the officer confirmed (``confirmed``: every declaration of the case's
    categories must be confirmed)."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "verify")
    # A declaration is confirmed by its text in either language: the form may have been shown in
    # Vietnamese and posted after the officer switched to English (or the other way round).
    needed = []
    for row in case.categories.select_related("category").filter(to_month__isnull=True):
        category = row.category
        texts_vi = text_lines(category.declarations_vi)
        texts_en = text_lines(category.declarations_en)
        for index, shown in enumerate(category.declarations):
            same = {text for texts in (texts_vi, texts_en) if index < len(texts) for text in [texts[index]]}
            needed.append((shown, same))
    missing = [shown for shown, same in needed if not same & set(confirmed)]
    if missing:
        refuse({"confirmed": [_("not confirmed: %(items)s") % {"items": "; ".join(missing)}]})
    needed = [shown for shown, _same in needed]
    checks = registry_checks(case)
    case.checklist = {
        "checks": checks,
        "confirmed": needed,
        "note": note.strip(),
        "on": timezone.localdate().isoformat(),
    }
    case.status = Case.Status.VERIFIED
    case.verified_by = acting_user
    case.save()
    warnings = [f"{check['category']}: {check['check']}" for check in checks if not check["ok"]]
    _event(case, CaseEvent.Kind.VERIFIED, acting_user, reason=note.strip(), warnings=warnings)
    return case


def _require_other_person(case: Case, acting_user) -> None:
    if acting_user.pk in (case.prepared_by_id, case.verified_by_id):
        raise PermissionDenied(_("You prepared or verified this case; another person must decide it."))


@transaction.atomic
def case_decide(*, case: Case, decision_number: str, decision_date: date, acting_user) -> Case:
    """The chair grants the allowance: payment starts the month the decision is signed, or, for a
    case transferred in, the month after the old commune's last month (no month lost or paid twice)."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "decide")
    _require_other_person(case, acting_user)
    problems = {}
    if not decision_number.strip():
        problems["decision_number"] = [_("is required")]
    if decision_date is None or decision_date > timezone.localdate():
        problems["decision_date"] = [_("must be a date not in the future")]
    elif decision_date < case.applied_on:
        problems["decision_date"] = [_("cannot be before the application")]
    refuse(problems)
    case.decision_number = decision_number.strip()
    case.decision_date = decision_date
    case.decided_by = acting_user
    previous = case.transferred_from
    case.start_month = add_months(previous.end_month, 1) if previous else first_of_month(decision_date)
    case.status = Case.Status.ACTIVE
    case.save()
    _event(case, CaseEvent.Kind.DECIDED, acting_user, decision=case.decision_number,
           start_month=case.start_month.isoformat())  # fmt: skip
    return case


@transaction.atomic
def case_refuse(*, case: Case, reason: str, acting_user) -> Case:
    """A refusal is in writing with its reasons."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "refuse")
    _require_other_person(case, acting_user)
    if not reason.strip():
        refuse({"reason": [_("is required")]})
    case.status = Case.Status.REFUSED
    case.save()
    _event(case, CaseEvent.Kind.REFUSED, acting_user, reason=reason.strip())
    return case


@transaction.atomic
def case_suspend(*, case: Case, from_month: date, reason: str, acting_user) -> Suspension:
    """Suspend payment from a month (not collected for 3 months, re-assessment not followed,
    detention of a month or more: TT 02/2021 Art. 2(3))."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "suspend")
    from_month = first_of_month(from_month)
    problems = {}
    if not reason.strip():
        problems["reason"] = [_("is required")]
    if from_month < case.start_month:
        problems["from_month"] = [_("cannot be before the first month paid")]
    refuse(problems)
    suspension = Suspension.objects.create(case=case, from_month=from_month, reason=reason.strip())
    case.status = Case.Status.SUSPENDED
    case.save()
    _event(case, CaseEvent.Kind.SUSPENDED, acting_user, reason=reason.strip(), from_month=from_month.isoformat())
    return suspension


@transaction.atomic
def case_resume(*, case: Case, from_month: date, pay_arrears: bool, acting_user) -> Case:
    """Resume payment from a month; with ``pay_arrears`` the suspended months are owed too."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "resume")
    suspension = case.suspensions.filter(to_month__isnull=True).order_by("-from_month").first()
    if suspension is None:  # a suspended status always has its open suspension; say so if not
        refuse({"status": [_("The case has no open suspension to end.")]})
    from_month = first_of_month(from_month)
    if from_month <= suspension.from_month:
        refuse({"from_month": [_("must be after the month the suspension began")]})
    suspension.to_month = add_months(from_month, -1)
    suspension.arrears_on_resume = pay_arrears
    suspension.save()
    case.status = Case.Status.ACTIVE
    case.save()
    _event(case, CaseEvent.Kind.RESUMED, acting_user, from_month=from_month.isoformat(), arrears=pay_arrears)
    return case


@transaction.atomic
def case_terminate(*, case: Case, last_month: date, reason: str, acting_user) -> Case:
    """Stop payment after ``last_month`` (the month of death or of losing eligibility: Art. 8(2)
    stops from the month after). Months up to it not yet paid are still owed."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "terminate")
    last_month = first_of_month(last_month)
    problems = {}
    if not reason.strip():
        problems["reason"] = [_("is required")]
    if last_month < case.start_month:
        problems["last_month"] = [_("cannot be before the first month paid")]
    refuse(problems)
    # An open suspension ends with the case; one that began after ``last_month`` (a death found
    # late) ends in its own first month: its months are after the end anyway, and to_month must
    # not come before from_month.
    case.suspensions.filter(to_month__isnull=True).update(to_month=Greatest("from_month", Value(last_month)))
    case.end_month = last_month
    case.status = Case.Status.TERMINATED
    case.save()
    _event(case, CaseEvent.Kind.TERMINATED, acting_user, reason=reason.strip(), last_month=last_month.isoformat())
    return case


@transaction.atomic
def case_transfer(*, case: Case, to_commune, last_month: date, reason: str, acting_user) -> Case:
    """The person moved: this commune pays through ``last_month`` and the new commune receives a
    case to verify and decide, which starts the month after (no month lost, none paid twice).

    Only to the commune the person lives in now: their transfer there must have been accepted
    (households.services: a transfer is a request the receiving commune accepts), so no commune
    pushes a case into another's registry."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "transfer")
    last_month = first_of_month(last_month)
    problems = {}
    if to_commune.pk == case.commune_id:
        problems["to_commune"] = [_("is the same commune")]
    elif not Membership.objects.filter(
        person_id=case.person_id, left_on__isnull=True, household__commune_id=to_commune.pk
    ).exists():
        problems["to_commune"] = [
            _("%(name)s does not live in %(commune)s: that commune must first accept the person's transfer")
            % {"name": case.person.full_name, "commune": to_commune.name}
        ]
    if not reason.strip():
        problems["reason"] = [_("is required")]
    if last_month < case.start_month:
        problems["last_month"] = [_("cannot be before the first month paid")]
    refuse(problems)
    case.status = Case.Status.TRANSFERRED
    case.end_month = last_month
    case.save()
    arriving = Case.objects.create(
        person=case.person, commune=to_commune, applied_on=timezone.localdate(), prepared_by=acting_user,
        transferred_from=case, payment_method=case.payment_method, bank_bin=case.bank_bin,
        account_number=case.account_number, account_name=case.account_name,
    )  # fmt: skip
    _set_categories(
        arriving,
        [
            CategoryChoice(code, children)
            for code, children in case.categories.filter(to_month__isnull=True).values_list(
                "category_id", "dependent_children"
            )
        ],
        acting_user=acting_user,
    )
    _event(case, CaseEvent.Kind.TRANSFERRED_OUT, acting_user, reason=reason.strip(), to_commune=to_commune.name,
           last_month=last_month.isoformat())  # fmt: skip
    _event(arriving, CaseEvent.Kind.TRANSFERRED_IN, acting_user, reason=reason.strip(),
           from_commune=case.commune.name)  # fmt: skip
    return arriving


@transaction.atomic
def payment_change(*, case: Case, payment: PaymentDetails, reason: str, acting_user) -> Case:
    """Change how the allowance of a case not yet decided is paid (the chair's decision comes
    after and sees the details). Once its months can be paid, a change is a request the chair
    approves (``beneficiaries.changes``)."""
    case = _lock(case)
    WORKFLOW.check(acting_user, case, "correct_payment")
    problems = payment_problems(payment)
    if not reason.strip():
        problems["reason"] = [_("is required")]
    refuse(problems)
    _change_payment(case, payment, reason=reason.strip(), acting_user=acting_user)
    return case


def _masked(case: Case) -> str:
    if case.payment_method == PaymentMethod.CASH:
        return str(PaymentMethod.CASH.label)
    return banks.account_text(case.bank_bin, f"••••{case.account_number[-4:]}")


# --- changes that move money -----------------------------------------------------------------------
# The writers below are the one code path of each change. ``payment_change`` (a case not yet
# decided) and ``beneficiaries.changes.change_request_approve`` (a payable case, on the chair's
# approval) call them with the case locked, its role, scope and status checked and the values
# validated; ``data`` (the request, its maker and its approver) goes into the event.


def category_change_problems(case: Case, categories: list[CategoryChoice], from_month: date) -> dict[str, list[str]]:
    problems = category_problems(categories)
    if case.start_month is None or from_month <= case.start_month:
        problems["from_month"] = [_("must be after the first month paid")]
    elif case.end_month and from_month > case.end_month:
        problems["from_month"] = [_("cannot be after the last month paid")]
    return problems


def months_problems(case: Case, *, start_month: date | None, paid_through_month: date | None) -> dict[str, list[str]]:
    """``start_month`` (required) not after the case's last month nor the month of death, and for a
    case transferred in, after the old commune's last month (that month was paid there);
    ``paid_through_month`` (optional: months paid before the product) not after this month."""
    problems: dict[str, list[str]] = {}
    if start_month is None:
        problems["start_month"] = [_("is required")]
    else:
        died = case.person.date_of_death
        previous = case.transferred_from
        if case.end_month and start_month > case.end_month:
            problems["start_month"] = [_("cannot be after the last month paid")]
        elif died and start_month > first_of_month(died):
            problems["start_month"] = [_("cannot be after the month of death")]
        if previous and previous.end_month and start_month <= previous.end_month:
            problems.setdefault("start_month", []).append(
                _("must be after %(month)s, the last month paid by %(commune)s")
                % {"month": f"{previous.end_month:%m/%Y}", "commune": previous.commune.name}
            )
    if paid_through_month and paid_through_month > first_of_month(timezone.localdate()):
        problems["paid_through_month"] = [_("cannot be in the future")]
    return problems


def _change_payment(case: Case, payment: PaymentDetails, *, reason: str, acting_user, **data) -> None:
    """New payment details; the event keeps only the last 4 digits of accounts."""
    before = _masked(case)
    _apply_payment(case, payment)
    case.save(update_fields=["payment_method", "bank_bin", "account_number", "account_name", "updated_at"])
    _event(case, CaseEvent.Kind.PAYMENT_CHANGED, acting_user, reason=reason, before=before, after=_masked(case),
           **data)  # fmt: skip


def _change_categories(
    case: Case, categories: list[CategoryChoice], from_month: date, *, reason: str, acting_user, **data
) -> None:
    """A change of category or of the number of children from a month: months before it keep
    their categories (arrears are computed with them)."""
    before = list(case.categories.filter(to_month__isnull=True).values_list("category_id", "dependent_children"))
    # Every row still running in ``from_month`` ends the month before, including one closed by a
    # later change (a change dated before an earlier one): no month is left with both.
    # Row by row (a case has one to three), so that each change leaves its history row with its author.
    for row in case.categories.filter(Q(to_month__isnull=True) | Q(to_month__gte=from_month)).filter(
        Q(from_month__isnull=True) | Q(from_month__lt=from_month)
    ):
        row.to_month, row._history_user = add_months(from_month, -1), acting_user
        row.save(update_fields=["to_month"])
    for row in case.categories.filter(from_month__gte=from_month):
        row._history_user = acting_user
        row.delete()
    _set_categories(case, categories, acting_user=acting_user, from_month=from_month)
    _event(case, CaseEvent.Kind.CATEGORY_CHANGED, acting_user, reason=reason, from_month=from_month.isoformat(),
           before=before, after=[(choice.code, choice.dependent_children) for choice in categories], **data)  # fmt: skip


def _change_months(
    case: Case, *, start_month: date, paid_through_month: date | None, reason: str, acting_user, **data
) -> None:
    def iso(month):
        return month.isoformat() if month else None

    before = {"start_month": iso(case.start_month), "paid_through_month": iso(case.paid_through_month)}
    case.start_month, case.paid_through_month = start_month, paid_through_month
    case.save(update_fields=["start_month", "paid_through_month", "updated_at"])
    _event(case, CaseEvent.Kind.MONTHS_CHANGED, acting_user, reason=reason, before=before,
           after={"start_month": iso(start_month), "paid_through_month": iso(paid_through_month)}, **data)  # fmt: skip


@transaction.atomic
def health_card_record(*, person, number: str, group: str, valid_from: date, valid_to: date, acting_user):
    """Record a health-insurance card and keep the person's current card number in the registry."""
    commune_ids = Membership.objects.filter(person=person, left_on__isnull=True).values_list(
        "household__commune_id", flat=True
    )
    commune_id = next(iter(commune_ids), None)
    if commune_id is None:
        raise PermissionDenied
    require(acting_user, "can_manage_registry", commune_id)
    number = number.strip().upper()
    problems = {}
    if not (len(number) in (10, 15) and number.isalnum()):
        problems["number"] = [_("must be the card's 10 or 15 characters")]
    if valid_to < valid_from:
        problems["valid_to"] = [_("must not be before the start")]
    if HealthInsuranceCard.objects.filter(number=number, valid_from=valid_from).exclude(person=person).exists():
        problems.setdefault("number", []).append(_("this card is recorded for another person"))
    refuse(problems)
    card, _created = HealthInsuranceCard.objects.update_or_create(
        number=number, valid_from=valid_from, defaults={"person": person, "group": group.strip(), "valid_to": valid_to}
    )
    # The registry keeps the current card: a valid one, unless a card valid longer is on record.
    later = HealthInsuranceCard.objects.filter(person=person, valid_to__gt=valid_to).exclude(pk=card.pk)
    if valid_to >= timezone.localdate() and not later.exists():
        person.health_insurance_number = number
        person.save(update_fields=["health_insurance_number", "updated_at"])
    return card


@transaction.atomic
def document_add(*, case: Case, title: str, file, acting_user):
    """Attach a file to the case (application form, certificate, decision scan)."""
    from beneficiaries.models import Document

    require(acting_user, "can_manage_registry", case.commune_id)
    check_document(file, "file")
    document = Document.objects.create(case=case, title=title.strip() or file.name, file=file, uploaded_by=acting_user)
    _event(case, CaseEvent.Kind.DOCUMENT_ADDED, acting_user, title=document.title)
    return document
