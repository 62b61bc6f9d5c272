"""Shared reads of import batches (issue 14): the user's batches, a batch's lines as its page shows
them (what each line would do, field by field, with what the case would be owed), who must confirm
it, and the home page's work items. Every read narrows itself to the user's communes."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from beneficiaries import banks, category_labels
from beneficiaries.importing import ACCOUNT_FIELDS, CASE_FIELDS
from beneficiaries.models import Case, ImportBatch, ImportBatchLine, PaymentMethod
from core.worklists import WorkItem
from geography.scoping import scope_to_user
from households.identity import display_phone, mask

PAGE_SIZE = 50
LINES_PAGE_SIZE = 50
MONTH_FIELDS = ("start_month", "paid_through_month", "end_month")
# Which lines the batch page lists: every line, or one kind (the counts come with the batch).
LINE_FILTERS = {
    "": gettext_lazy("All lines"),
    "flagged": gettext_lazy("Arrears beyond the warning"),
    "account": gettext_lazy("Accounts that change"),
    "create": gettext_lazy("New cases"),
    "update": gettext_lazy("Cases changed"),
    "unchanged": gettext_lazy("Unchanged"),
}


def import_batch_list_for_user(user, *, status: str = "") -> QuerySet[ImportBatch]:
    """The batches of the user's communes, newest first, with what a row shows (one query)."""
    batches = scope_to_user(ImportBatch.objects.all(), user).select_related("commune", "imported_by", "decided_by")
    if status:
        batches = batches.filter(status=status)
    return batches.order_by("-created_at", "-id")


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None for a new case's value
    new: str
    account: bool = False  # changes where the money goes: highlighted


@dataclass
class LineRow:
    line: ImportBatchLine
    changes: list[Change] = field(default_factory=list)

    @property
    def case_uuid(self):
        return self.line.case.uuid if self.line.case_id else None


def _labels() -> dict[str, str]:
    labels = {name: str(Case._meta.get_field(name).verbose_name) for name in CASE_FIELDS}
    return {
        **labels,
        "categories": _("categories"),
        "phone": _("phone"),
        "date_of_death": _("date of death (recorded in the registry on confirmation)"),
    }


def _categories_text(rows: list) -> str:
    """[[code, children], …] (the file's) or [[code, children, from, to], …] (a case's rows)."""
    parts = []
    for code, children, *period in rows:
        text = category_labels.short_label(code) + (f" ×{children}" if children else "")
        start, end = (period + [None, None])[:2]
        if start or end:
            text += " (" + (_month_text(start) if start else "") + "–" + (_month_text(end) if end else "") + ")"
        parts.append(text)
    return "; ".join(parts)


def _month_text(value: str) -> str:
    return f"{date.fromisoformat(value):%m/%Y}"


def _value_text(name: str, value, *, full: bool) -> str:
    if value in (None, "", []):
        return "—"
    if name in MONTH_FIELDS:
        return _month_text(value)
    if name in ("decision_date", "date_of_death"):
        return f"{date.fromisoformat(value):%d/%m/%Y}"
    if name == "payment_method":
        return str(PaymentMethod(value).label)
    if name == "account_number":
        return value if full else "••••" + value[-4:]
    if name == "categories":
        return _categories_text(value)
    if name == "bank_bin":
        return banks.bank_name(value)
    if name == "phone":
        return display_phone(value) if full else mask(value)
    return str(value)


def _changes(line: ImportBatchLine, labels: dict[str, str], *, full: bool) -> list[Change]:
    proposed, old = line.proposed, line.old
    # A date of death shows only when the list records it (the registry had none: ``old`` says so).
    names = [*CASE_FIELDS, "categories", "phone", "date_of_death"]
    if line.action == ImportBatchLine.Action.CREATE:
        shown = [
            name
            for name in names
            if proposed.get(name) not in (None, "", []) and (name != "date_of_death" or name in old)
        ]
        return [
            Change(labels[name], old=None if name not in old else _value_text(name, old[name], full=full),
                   new=_value_text(name, proposed[name], full=full))
            for name in shown
        ]  # fmt: skip
    return [
        Change(
            labels[name],
            old=_value_text(name, old[name], full=full),
            new=_value_text(name, proposed[name], full=full),
            account=name in ACCOUNT_FIELDS,
        )
        for name in names
        if name in old
    ]


def import_batch_lines(batch: ImportBatch, *, show: str = "", page: int = 1, full_identifiers: bool) -> tuple:
    """One page of a batch's lines in file order (``show``: one of LINE_FILTERS), each with its
    changes as text, accounts masked unless ``full_identifiers``: (rows, has_next), one query."""
    lines = batch.lines.select_related("person", "case")
    if show == "flagged":
        lines = lines.filter(flagged=True)
    elif show == "account":
        lines = lines.filter(account_changed=True)
    elif show in ImportBatchLine.Action.values:
        lines = lines.filter(action=show)
    found = list(lines.order_by("line")[(page - 1) * LINES_PAGE_SIZE : page * LINES_PAGE_SIZE + 1])
    labels = _labels()
    rows = [LineRow(line, _changes(line, labels, full=full_identifiers)) for line in found[:LINES_PAGE_SIZE]]
    return rows, len(found) > LINES_PAGE_SIZE


def commune_chairs(commune) -> list[str]:
    """The names of the chairs assigned to the commune: who must confirm its imported lists."""
    chairs = User.objects.filter(role=Role.COMMUNE_CHAIR, is_active=True, assignments__commune=commune)
    return [user.display_name for user in chairs.order_by("last_name", "first_name")]


def import_batch_worklist(user) -> list[WorkItem]:
    """Home-page item: for the chair, the lists of their communes awaiting their confirmation (not
    those they imported themselves); for the officer, the lists awaiting the chair (one query)."""
    if not (user.can_manage_registry or user.can_sign_decisions):
        return []
    awaiting = scope_to_user(ImportBatch.objects.filter(status=ImportBatch.Status.AWAITING), user)
    counts = awaiting.aggregate(all=Count("pk"), others=Count("pk", filter=~Q(imported_by=user)))
    url = reverse("beneficiaries:import_batches") + "?status=awaiting"
    if user.can_sign_decisions:
        title, count = _("Imported allowance lists awaiting your confirmation"), counts["others"]
    else:
        title, count = _("Imported allowance lists awaiting the chair's confirmation"), counts["all"]
    return [WorkItem(title=title, url=url, count=count)] if count else []
