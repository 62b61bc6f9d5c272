"""The run's printable document: the cash list (danh sách chi trả bằng tiền mặt) the post office
pays from. Cash lines only, numbered across the list and grouped by the village the person's
household is in, with the full national ID (the paying clerk checks identity against it), the
months and amount paid, an empty "Ký nhận" column the beneficiary signs on receipt, the totals,
and the signatures of the person who prepared the list and of the chair who approved the run.
"""

from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from beneficiaries.models import PaymentMethod
from core.pdf import commune_header, render_pdf
from core.text import fold_vietnamese
from disbursements.models import Run
from households.models import Membership

NO_VILLAGE = "Chưa rõ thôn, ấp"


@dataclass(frozen=True)
class CashRow:
    number: int
    full_name: str
    national_id: str
    months: str  # "03/2026; 04/2026"
    amount: int

    @property
    def amount_text(self) -> str:
        return vnd(self.amount)


@dataclass
class VillageGroup:
    village: str
    rows: list[CashRow] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return sum(row.amount for row in self.rows)

    @property
    def amount_text(self) -> str:
        return vnd(self.amount)


def vnd(amount: int) -> str:
    """1500000 -> '1.500.000' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def _months(months: list[str]) -> str:
    return "; ".join(f"{month[5:7]}/{month[:4]}" for month in months)


def _person_name(user) -> str:
    """Vietnamese order, family name first ("Lê Minh Hùng"); empty for no user."""
    if user is None:
        return ""
    return " ".join(part for part in (user.last_name, user.first_name) if part) or user.username


def cash_groups(run: Run) -> list[VillageGroup]:
    """The run's cash lines by village (then name; lines without a village last), numbered across
    villages. One query: the village is that of the household the person lives in now."""
    home = Membership.objects.filter(person=OuterRef("case__person"), left_on__isnull=True).order_by("-id")
    lines = (
        run.lines.filter(payment_method=PaymentMethod.CASH)
        .annotate(village_name=Subquery(home.values("household__village__name")[:1]))
        .order_by("case_id")
        .values_list("village_name", "full_name", "national_id", "months", "amount")
    )
    # Sorted here, not by the database's collation: "Ấp Đông Hà" before "Ấp Tây Hòa", as in Vietnamese.
    ordered = sorted(
        ((village or NO_VILLAGE, *rest) for village, *rest in lines),
        key=lambda line: (line[0] == NO_VILLAGE, fold_vietnamese(line[0]), fold_vietnamese(line[1])),
    )
    groups: list[VillageGroup] = []
    for number, (village, name, national_id, months, amount) in enumerate(ordered, start=1):
        if not groups or groups[-1].village != village:
            groups.append(VillageGroup(village))
        groups[-1].rows.append(CashRow(number, name, national_id, _months(months), amount))
    return groups


def cash_list_pdf(run: Run, *, copy: int = 0) -> bytes:
    """The cash list of a run sent to the payer (the caller checks: ``exporting.download``); a
    copy (``copy`` ≥ 1) carries a visible "BẢN SAO" mark on every page, with its number."""
    groups = cash_groups(run)
    approved_on = timezone.localdate(run.approved_at) if run.approved_at else timezone.localdate()
    context = {
        "run": run,
        "header": commune_header(run.commune, on=approved_on),
        "document_title": "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI BẰNG TIỀN MẶT",
        "month_text": f"tháng {run.month.month:02d} năm {run.month.year}",
        "groups": groups,
        "count": sum(len(group.rows) for group in groups),
        "total": vnd(sum(group.amount for group in groups)),
        "preparer_name": _person_name(run.prepared_by),
        "chair_name": _person_name(run.approved_by),
        "copy": copy,
    }
    return render_pdf("disbursements/pdf/cash_list.html", context)


def cash_list_filename(run: Run, copy: int = 0) -> str:
    suffix = f" - BẢN SAO {copy}" if copy else ""
    return f"Danh sách chi trả tiền mặt {run.commune.name} {run.month:%Y-%m}{suffix}.pdf"
