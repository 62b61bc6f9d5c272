"""Loans: the details a loan record carries, its due day and its balance over time."""

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.months import add_months
from core.services import refuse
from geography.scoping import require
from support.models import Loan, Record, SupportEvent
from support.services._common import _event


@dataclass(frozen=True)
class LoanDetails:
    contract_number: str
    loan_programme: str
    disbursed_on: date
    term_months: int
    outstanding_vnd: int
    balance_on: date
    bank: str = "NHCSXH"
    repayment: str = Loan.Repayment.CURRENT


def loan_details_problems(details: LoanDetails, value_vnd: int) -> dict[str, list[str]]:
    """What is wrong with a new loan's details (``record_create`` of a loan programme)."""
    problems: dict[str, list[str]] = {}
    if not details.contract_number.strip():
        problems["contract_number"] = [_("is required")]
    if details.term_months <= 0:
        problems["term_months"] = [_("must be at least 1 month")]
    if details.outstanding_vnd < 0:
        problems["outstanding_vnd"] = [_("must not be negative")]
    elif details.outstanding_vnd > value_vnd:
        problems["outstanding_vnd"] = [_("is more than the amount lent")]
    if details.repayment not in Loan.Repayment.values:
        problems["repayment"] = [_("unknown repayment status")]
    elif details.repayment == Loan.Repayment.REPAID and details.outstanding_vnd:
        problems["repayment"] = [_("a repaid loan has no outstanding balance")]
    if value_vnd <= 0:
        problems["value_vnd"] = [_("a loan's amount must be more than 0 đồng")]
    if Loan.objects.filter(bank=details.bank, contract_number=details.contract_number.strip()).exists():
        problems["contract_number"] = [_("this bank's contract is already recorded")]
    return problems


def loan_due_on(disbursed_on: date, term_months: int) -> date:
    """The same day ``term_months`` later; the month's last day when that month is shorter
    (31 January + 1 month is 28 or 29 February, never 3 March)."""
    month = add_months(disbursed_on.replace(day=1), term_months)
    return month.replace(day=min(disbursed_on.day, calendar.monthrange(month.year, month.month)[1]))


def write_loan(record: Record, details: LoanDetails) -> Loan:
    return Loan.objects.create(
        record=record,
        bank=details.bank,
        contract_number=details.contract_number.strip(),
        loan_programme=details.loan_programme.strip(),
        disbursed_on=details.disbursed_on,
        term_months=details.term_months,
        due_on=loan_due_on(details.disbursed_on, details.term_months),
        outstanding_vnd=details.outstanding_vnd,
        balance_on=details.balance_on,
        repayment=details.repayment,
    )


@transaction.atomic
def loan_balance_update(
    *, record: Record, outstanding_vnd: int, balance_on: date, repayment: str, acting_user, imported: bool = False
) -> Loan:
    require(acting_user, "can_manage_registry", record.commune_id)
    loan = Loan.objects.select_for_update().filter(record=record).first()
    if loan is None:
        refuse({"record": [_("only a loan has a balance")]})
    problems = {}
    if outstanding_vnd < 0 or outstanding_vnd > record.value_vnd:
        problems["outstanding_vnd"] = [_("must be between 0 and the amount lent")]
    if repayment not in Loan.Repayment.values:
        problems["repayment"] = [_("unknown repayment status")]
    elif repayment == Loan.Repayment.REPAID and outstanding_vnd:
        problems["repayment"] = [_("a repaid loan has no outstanding balance")]
    if balance_on > timezone.localdate():
        # A balance dated in the future would also refuse every real balance until that day.
        problems["balance_on"] = [_("must not be in the future")]
    elif balance_on < loan.balance_on:
        problems["balance_on"] = [_("is older than the balance on record (%(day)s)") % {
            "day": f"{loan.balance_on:%d/%m/%Y}"}]  # fmt: skip
    refuse(problems)
    before = {"outstanding_vnd": loan.outstanding_vnd, "repayment": loan.repayment, "balance_on": str(loan.balance_on)}
    loan.outstanding_vnd, loan.balance_on, loan.repayment = outstanding_vnd, balance_on, repayment
    loan.save()
    _event(
        record,
        SupportEvent.EventKind.LOAN_BALANCE,
        acting_user,
        before=before,
        outstanding_vnd=outstanding_vnd,
        repayment=repayment,
        balance_on=str(balance_on),
        imported=imported,
    )
    return loan
