"""Every write of support: donors and programmes, records, loans, distributions (issue 17: split by noun)."""

from support.services.records import *  # noqa: F401,F403
from support.services.records import _require  # noqa: F401
