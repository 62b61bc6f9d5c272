"""Changes that move money are maker-checker (issue 14): once a case's months can be paid (its
status is one of ``entitlement.PAYABLE_STATUSES``), a change of its payment method or account, of
its categories (dependent children included), of its ``start_month`` / ``paid_through_month``,
or of its person's date of birth (the age bands set the amount) is a ``ChangeRequest``. The
officer or the chair makes it; a commune chair who is not its maker approves or rejects it; the
maker may withdraw it. Until it is approved the case is unchanged, so payment runs and the engine
keep using the current details.

Before the chair's decision (applied, verified) the officer still corrects payment details
directly (``services.payment_change``): the decision comes after and sees them.

``case_change_options`` and ``change_request_actions`` say what a user may do with a case or a
request; the pages show exactly that, and the services below refuse the rest with the same rules.

The values a request keeps (JSON):

- ``payment``: ``proposed`` and ``before`` are ``{"payment_method", "bank_bin", "account_number",
  "account_name"}`` as the case stores them (``services.payment_fields``).
- ``categories``: ``proposed`` is ``{"from_month": "YYYY-MM-01", "categories": [[code, children], …]}``;
  ``before`` is ``{"rows": [[code, children, from_month, to_month], …]}``, every category row of
  the case (months ISO or null), so any change of them meanwhile makes the request stale.
- ``months``: ``proposed`` and ``before`` are ``{"start_month": "YYYY-MM-01", "paid_through_month":
  "YYYY-MM-01" or null}``.
- ``birth_date``: ``proposed`` and ``before`` are ``{"date_of_birth": "YYYY-MM-DD", "national_id":
  "…"}``: the person's registry values. The national ID changes only with a year of birth that its
  digits 5–6 must follow (rules.md §4.0); otherwise it is the current one, kept so that a change of
  it meanwhile makes the request stale.

The registry refuses a direct change of a beneficiary's date of birth (``birth_date_guard``
below, through ``households.guards``) and sends the user here; an approved ``birth_date`` request
is written by the registry's own ``households.services.person_birth_date_correct``.

Approving re-reads the case under a lock: a status no longer payable, or values that are no
longer ``before``, refuse the approval with nothing written (the maker makes a new request).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import banks
from beneficiaries.entitlement import PAYABLE_STATUSES, compute
from beneficiaries.models import Case, CaseEvent, ChangeRequest, PaymentMethod
from beneficiaries.services import (
    CategoryChoice,
    PaymentDetails,
    _change_categories,
    _change_months,
    _change_payment,
    _event,
    _lock,
    category_change_problems,
    months_problems,
    payment_fields,
    payment_problems,
)
from beneficiaries.workflow import DIRECT_PAYMENT_STATUSES, WORKFLOW
from core.months import first_of_month
from core.services import refuse
from geography.scoping import in_scope
from households.identity import mask
from households.models import Person
from households.selectors import residence_commune_id
from households.services import birth_date_problems, person_birth_date_correct
from privacy.visibility import mask_account

Kind = ChangeRequest.Kind
DIRECT, REQUEST = "direct", "request"


def _already_pending() -> str:
    return _(
        "This case already has a request of this kind waiting for the chair: withdraw it or wait for the decision."
    )


@dataclass(frozen=True)
class CategoryChange:
    """New categories from a month (months before it keep theirs)."""

    categories: list[CategoryChoice]
    from_month: date


@dataclass(frozen=True)
class MonthsChange:
    """The first month paid, and the last month paid before this product took the case over."""

    start_month: date
    paid_through_month: date | None = None


@dataclass(frozen=True)
class BirthDateChange:
    """The person's corrected date of birth, and the national ID that goes with it when the year
    changes (None: the current one)."""

    date_of_birth: date
    national_id: str | None = None


PROPOSALS = {
    Kind.PAYMENT: PaymentDetails,
    Kind.CATEGORIES: CategoryChange,
    Kind.MONTHS: MonthsChange,
    Kind.BIRTH_DATE: BirthDateChange,
}


# --- who may do what ---------------------------------------------------------------------------------


def _status_refusal(label: str, subject: str) -> ValidationError:
    return ValidationError({"status": [subject % {"status": label}]})


def _request_refusal(case: Case, user) -> Exception | None:
    """Why the user may not propose a change of the case (None: they may). The officer or the
    chair of the case's commune, while its months can be paid."""
    if not ((user.can_manage_registry or user.can_sign_decisions) and in_scope(user, case.commune_id)):
        return PermissionDenied()
    if case.status not in PAYABLE_STATUSES:
        return _status_refusal(case.get_status_display(), _("The case is “%(status)s”; this is not possible now."))
    return None


def case_change_options(*, case: Case, user) -> dict[str, str]:
    """The changes the user may make to the case now, each ``DIRECT`` or ``REQUEST``: payment
    details directly by the officer before the decision (``services.payment_change``); any of the
    kinds as a request while the case's months can be paid. Empty out of scope."""
    if case.status in DIRECT_PAYMENT_STATUSES:
        return {Kind.PAYMENT: DIRECT} if WORKFLOW.allows(user, case, "correct_payment") else {}
    if _request_refusal(case, user) is None:
        return dict.fromkeys(Kind.values, REQUEST)
    return {}


ACTIONS = ("approve", "reject", "withdraw")


def _action_refusal(change_request: ChangeRequest, user, action: str) -> Exception | None:
    """Why the user may not ``action`` the request (None: they may). Approve and reject: a commune
    chair of the case's commune who did not make it; withdraw: its maker; only while pending."""
    if not in_scope(user, change_request.case.commune_id):
        return PermissionDenied()
    maker = user.pk == change_request.requested_by_id
    if action == "withdraw" and not maker:
        return PermissionDenied()
    if action != "withdraw":
        if not user.can_sign_decisions:
            return PermissionDenied()
        if maker:
            return PermissionDenied(_("You made this request; another person, the chair, must decide it."))
    if change_request.status != ChangeRequest.Status.PENDING:
        return _status_refusal(
            change_request.get_status_display(), _("This request is “%(status)s”; this is not possible now.")
        )
    return None


def change_request_actions(*, change_request: ChangeRequest, user) -> frozenset[str]:
    """What the user may do with the request now: a subset of ``ACTIONS``."""
    return frozenset(action for action in ACTIONS if _action_refusal(change_request, user, action) is None)


# --- the registry's guard -----------------------------------------------------------------------------


def birth_date_guard(changes: list[tuple[int, frozenset[str]]]) -> dict[int, dict[str, str]]:
    """``households.guards``: a new date of birth of a person who has a case whose months can still
    be paid changes what the case is paid (the age bands), so the registry refuses it and the user
    proposes it on the case, for the chair. One query for the whole list."""
    asked = [person_id for person_id, fields in changes if "date_of_birth" in fields]
    if not asked:
        return {}
    held = Case.objects.filter(person_id__in=asked, status__in=PAYABLE_STATUSES).values_list("person_id", flat=True)
    message = _(
        "This person has a social-allowance case: a new date of birth changes the allowance, so it must be "
        "proposed on the case (“Propose a correction of the date of birth”) and approved by the commune chair."
    )
    return {person_id: {"date_of_birth": message} for person_id in set(held)}


# --- the values a request keeps ----------------------------------------------------------------------


def _iso(month: date | None) -> str | None:
    return month.isoformat() if month else None


def _month(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def current_values(case: Case, kind: str) -> dict:
    """The case's values of ``kind``, in the shape of a request's ``before``."""
    if kind == Kind.PAYMENT:
        return {name: getattr(case, name) for name in ("payment_method", "bank_bin", "account_number", "account_name")}
    if kind == Kind.CATEGORIES:
        rows = case.categories.order_by("pk").values_list("category_id", "dependent_children", "from_month", "to_month")
        return {"rows": [[code, children, _iso(start), _iso(end)] for code, children, start, end in rows]}
    if kind == Kind.BIRTH_DATE:
        person = case.person
        return {"date_of_birth": person.date_of_birth.isoformat(), "national_id": person.national_id}
    return {"start_month": _iso(case.start_month), "paid_through_month": _iso(case.paid_through_month)}


def _proposed_values(kind: str, proposal) -> dict:
    if kind == Kind.PAYMENT:
        return payment_fields(proposal)
    if kind == Kind.CATEGORIES:
        return {
            "from_month": _iso(proposal.from_month),
            "categories": [[choice.code, choice.dependent_children] for choice in proposal.categories],
        }
    if kind == Kind.BIRTH_DATE:
        return {"date_of_birth": proposal.date_of_birth.isoformat(), "national_id": proposal.national_id}
    return {"start_month": _iso(proposal.start_month), "paid_through_month": _iso(proposal.paid_through_month)}


def _proposal(change_request: ChangeRequest):
    """A request's proposed values as the writers take them."""
    values = change_request.proposed
    if change_request.kind == Kind.PAYMENT:
        return PaymentDetails(
            method=values["payment_method"], bank_bin=values["bank_bin"], account_number=values["account_number"],
            account_name=values["account_name"],
        )  # fmt: skip
    if change_request.kind == Kind.CATEGORIES:
        return CategoryChange(
            categories=[CategoryChoice(code, children) for code, children in values["categories"]],
            from_month=_month(values["from_month"]),
        )
    if change_request.kind == Kind.BIRTH_DATE:
        return BirthDateChange(date.fromisoformat(values["date_of_birth"]), values["national_id"])
    return MonthsChange(_month(values["start_month"]), _month(values["paid_through_month"]))


def _normalised(case: Case, kind: str, proposal):
    """Months as their first day (as every service takes them); a date of birth with the national
    ID that goes with it (the person's current one unless another is given)."""
    if kind == Kind.BIRTH_DATE:
        return BirthDateChange(proposal.date_of_birth, (proposal.national_id or "").strip() or case.person.national_id)
    if kind == Kind.CATEGORIES:
        return CategoryChange(list(proposal.categories), first_of_month(proposal.from_month))
    if kind == Kind.MONTHS:
        return MonthsChange(
            proposal.start_month and first_of_month(proposal.start_month),
            proposal.paid_through_month and first_of_month(proposal.paid_through_month),
        )
    return proposal


def _problems(case: Case, kind: str, proposal) -> dict[str, list[str]]:
    if kind == Kind.PAYMENT:
        return payment_problems(proposal)
    if kind == Kind.CATEGORIES:
        return category_change_problems(case, proposal.categories, proposal.from_month)
    if kind == Kind.BIRTH_DATE:
        return birth_date_request_problems(case, proposal)
    return months_problems(case, start_month=proposal.start_month, paid_through_month=proposal.paid_through_month)


def birth_date_request_problems(case: Case, proposal: BirthDateChange) -> dict[str, list[str]]:
    """The registry's own checks of a date of birth (``households.services.birth_date_problems``:
    a possible date, agreeing with the national ID's century and year digits), and the person
    living in the case's commune: writes follow where a person lives now, so the chair who
    approves must be the chair of that commune."""
    person = case.person
    if residence_commune_id(person) != case.commune_id:
        return {
            "date_of_birth": [
                _("%(name)s now lives in another commune: the change is proposed there, on their case.")
                % {"name": person.full_name}
            ]
        }
    problems = birth_date_problems(person, date_of_birth=proposal.date_of_birth, national_id=proposal.national_id)
    if problems.get("national_id") and proposal.national_id == person.national_id:
        problems["national_id"].append(
            _("A new year of birth needs the national ID that goes with it: give it here, as on the person's card.")
        )
    return problems


def change_request_problems(change_request: ChangeRequest) -> dict[str, list[str]]:
    """Why the request could not be approved now (empty: it could): the case's status, values
    changed since the request was made, or proposed values no longer valid for the case. The
    approval refuses with these; the request's page shows them to the chair beforehand."""
    case = change_request.case
    if case.status not in PAYABLE_STATUSES:
        return _status_refusal(
            case.get_status_display(), _("The case is “%(status)s”; this is not possible now.")
        ).message_dict
    if current_values(case, change_request.kind) != change_request.before:
        return {
            NON_FIELD_ERRORS: [
                _("The case has changed since this request was made; reject it and make a new request if still needed.")
            ]
        }
    return _problems(case, change_request.kind, _proposal(change_request))


# --- the services ------------------------------------------------------------------------------------


def _raise(refusal: Exception | None) -> None:
    if refusal is not None:
        raise refusal


def _lock_request(change_request: ChangeRequest) -> tuple[Case, ChangeRequest]:
    """The case, then the request (always in this order), locked for the transaction."""
    case = _lock(change_request.case)
    locked = (
        ChangeRequest.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=change_request.pk)
    )
    locked.case = case
    return case, locked


@transaction.atomic
def change_request_create(*, case: Case, kind: str, proposal, reason: str, acting_user) -> ChangeRequest:
    """Propose a change of a payable case: ``proposal`` is a ``PaymentDetails`` (kind ``payment``),
    a ``CategoryChange`` (``categories``), a ``MonthsChange`` (``months``) or a ``BirthDateChange``
    (``birth_date``), validated as the change itself would be. The case is not changed; the chair
    approves or rejects."""
    case = _lock(case)
    if kind not in PROPOSALS or not isinstance(proposal, PROPOSALS[kind]):
        raise ValueError(f"a {kind} change request takes a {PROPOSALS.get(kind)}")
    _raise(_request_refusal(case, acting_user))
    proposal = _normalised(case, kind, proposal)
    problems = _problems(case, kind, proposal)
    if not reason.strip():
        problems["reason"] = [_("is required")]
    before, proposed = current_values(case, kind), _proposed_values(kind, proposal)
    if kind != Kind.CATEGORIES and before == proposed:
        problems.setdefault(NON_FIELD_ERRORS, []).append(_("Nothing would change: these are the case's values."))
    if case.change_requests.filter(kind=kind, status=ChangeRequest.Status.PENDING).exists():
        problems.setdefault(NON_FIELD_ERRORS, []).append(_already_pending())
    refuse(problems)
    try:
        with transaction.atomic():
            change = ChangeRequest.objects.create(
                case=case, kind=kind, proposed=proposed, before=before, reason=reason.strip(), requested_by=acting_user
            )
    except IntegrityError:  # made by someone else in the meantime (the lock makes this rare)
        refuse({NON_FIELD_ERRORS: [_already_pending()]})
    _event(case, CaseEvent.Kind.CHANGE_REQUESTED, acting_user, reason=change.reason, request=str(change.uuid),
           change=kind, **_masked_summary(kind, before, proposed))  # fmt: skip
    return change


@transaction.atomic
def change_request_approve(*, change_request: ChangeRequest, acting_user, note: str = "") -> ChangeRequest:
    """The chair of the case's commune, not the request's maker, applies it: through the same
    writers as any change (the event names the maker and the approver). Refused with nothing
    written when the case is no longer payable or no longer has the values the maker saw."""
    case, change = _lock_request(change_request)
    _raise(_action_refusal(change, acting_user, "approve"))
    refuse(change_request_problems(change))
    _apply(case, change, acting_user, request=str(change.uuid), requested_by=change.requested_by.username,
           approved_by=acting_user.username)  # fmt: skip
    return _decide(change, ChangeRequest.Status.APPROVED, acting_user, note)


def _apply(case: Case, change: ChangeRequest, acting_user, **trace) -> None:
    """Write the request's change through the writer of its kind (the one every change uses)."""
    proposal = _proposal(change)
    if change.kind == Kind.PAYMENT:
        _change_payment(case, proposal, reason=change.reason, acting_user=acting_user, **trace)
    elif change.kind == Kind.CATEGORIES:
        _change_categories(case, proposal.categories, proposal.from_month, reason=change.reason,
                           acting_user=acting_user, **trace)  # fmt: skip
    elif change.kind == Kind.BIRTH_DATE:
        _change_birth_date(case, change, proposal, acting_user=acting_user, **trace)
    else:
        _change_months(case, start_month=proposal.start_month, paid_through_month=proposal.paid_through_month,
                       reason=change.reason, acting_user=acting_user, **trace)  # fmt: skip


def _change_birth_date(case: Case, change: ChangeRequest, proposal: BirthDateChange, *, acting_user, **trace) -> None:
    """The registry writes the person's new date of birth (its own service: the chair of the
    commune where they live, not the maker, and still the date the maker saw), then the case keeps
    an event of it."""
    person = person_birth_date_correct(
        person=case.person, date_of_birth=proposal.date_of_birth, national_id=proposal.national_id,
        date_of_birth_before=date.fromisoformat(change.before["date_of_birth"]), requested_by=change.requested_by,
        reason=change.reason, acting_user=acting_user, request=trace["request"],
    )  # fmt: skip
    case.person = person
    _event(case, CaseEvent.Kind.BIRTH_DATE_CORRECTED, acting_user, reason=change.reason,
           **_masked_summary(Kind.BIRTH_DATE, change.before, change.proposed), **trace)  # fmt: skip


def change_request_effect(change_request: ChangeRequest, month: date) -> tuple[int, int] | None:
    """What the case is owed for ``month``, arrears included, as it is and as it would be once
    the request is applied (the engine's amounts): the chair sees what a change of months or
    categories costs before approving it. A read: the change is written inside a savepoint that
    is always rolled back. None for a payment request (the amount does not change) and for a
    request that could not be approved now."""
    if change_request.kind == Kind.PAYMENT or change_request_problems(change_request):
        return None
    case = change_request.case
    now = compute([case.pk], month)[case.pk].amount
    with transaction.atomic():
        if change_request.kind == Kind.BIRTH_DATE:  # the engine reads the age from the registry
            proposal = _proposal(change_request)
            Person.objects.filter(pk=case.person_id).update(date_of_birth=proposal.date_of_birth)
        else:
            _apply(case, change_request, None)
        then = compute([case.pk], month)[case.pk].amount
        transaction.set_rollback(True)
    case.refresh_from_db()
    return now, then


@transaction.atomic
def change_request_reject(*, change_request: ChangeRequest, reason: str, acting_user) -> ChangeRequest:
    """The chair (not the maker) refuses the change, in writing; the case stays as it is."""
    case, change = _lock_request(change_request)
    _raise(_action_refusal(change, acting_user, "reject"))
    if not reason.strip():
        refuse({"reason": [_("is required")]})
    _event(case, CaseEvent.Kind.CHANGE_REJECTED, acting_user, reason=reason.strip(), request=str(change.uuid),
           change=change.kind, requested_by=change.requested_by.username)  # fmt: skip
    return _decide(change, ChangeRequest.Status.REJECTED, acting_user, reason)


@transaction.atomic
def change_request_withdraw(*, change_request: ChangeRequest, acting_user, reason: str = "") -> ChangeRequest:
    """The maker takes the request back before it is decided (``decided_by`` is then the maker)."""
    case, change = _lock_request(change_request)
    _raise(_action_refusal(change, acting_user, "withdraw"))
    _event(case, CaseEvent.Kind.CHANGE_WITHDRAWN, acting_user, reason=reason.strip(), request=str(change.uuid),
           change=change.kind)  # fmt: skip
    return _decide(change, ChangeRequest.Status.WITHDRAWN, acting_user, reason)


def _decide(change: ChangeRequest, status: str, acting_user, note: str) -> ChangeRequest:
    change.status = status
    change.decided_by = acting_user
    change.decided_at = timezone.now()
    change.decision_note = note.strip()
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return change


def _masked_summary(kind: str, before: dict, proposed: dict) -> dict:
    """What the CHANGE_REQUESTED event keeps: accounts and national IDs only by their last digits
    (events show on the household timeline to every reader)."""
    if kind == Kind.PAYMENT:
        return {"before": masked_payment(before), "after": masked_payment(proposed)}
    if kind == Kind.CATEGORIES:
        return {"from_month": proposed["from_month"], "after": proposed["categories"]}
    if kind == Kind.BIRTH_DATE:
        summary = {"before": before["date_of_birth"], "after": proposed["date_of_birth"]}
        if before["national_id"] != proposed["national_id"]:
            summary["national_id"] = f"{mask(before['national_id'])} → {mask(proposed['national_id'])}"
        return summary
    return {"before": before, "after": proposed}


def masked_payment(values: dict, *, full: bool = False) -> str:
    """Payment values (a request's ``before`` or ``proposed``) as "970436 ••••6789" (the whole
    number with ``full``) or "Cash (post office)"."""
    if values.get("payment_method") != PaymentMethod.BANK:
        return str(PaymentMethod.CASH.label)
    number = values.get("account_number", "")
    return banks.account_text(values.get("bank_bin", ""), number if full else mask_account(number))
