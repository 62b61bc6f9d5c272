"""Every write of support, split by noun (issue 17): ``programmes`` (donors, programmes, their funding),
``records`` (one household's support and its evidence), ``loans`` (loan details and balances) and
``distributions`` (lists of recipients). This package re-exports the public names so that
``from support import services`` keeps working; new code imports from the module that owns the name."""

from support.services.distributions import (
    KINH,
    RecipientFilter,
    distribution_add_recipients,
    distribution_close,
    distribution_create,
    distribution_deliver,
    distribution_remove_recipient,
    eligible_households,
)
from support.services.loans import LoanDetails, loan_balance_update, loan_due_on
from support.services.programmes import (
    FundingLine,
    donor_save,
    programme_create,
    programme_funding_lines,
    programme_update,
    proportional_split,
)
from support.services.records import (
    HouseDetails,
    LivelihoodDetails,
    evidence_add,
    record_cancel,
    record_create,
    record_deliver,
    visit_record,
)

__all__ = [
    "KINH",
    "FundingLine",
    "HouseDetails",
    "LivelihoodDetails",
    "LoanDetails",
    "RecipientFilter",
    "distribution_add_recipients",
    "distribution_close",
    "distribution_create",
    "distribution_deliver",
    "distribution_remove_recipient",
    "donor_save",
    "eligible_households",
    "evidence_add",
    "loan_balance_update",
    "loan_due_on",
    "programme_create",
    "programme_funding_lines",
    "programme_update",
    "proportional_split",
    "record_cancel",
    "record_create",
    "record_deliver",
    "visit_record",
]
