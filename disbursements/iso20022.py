"""ISO 20022 bank files of a payment run: the ``pain.001.001.09`` credit transfer initiation the
bank pays the run's bank lines from, and the bank's answer read back as a payer's report (§4.3):
a ``pain.002`` status report (``RJCT``: the transfer failed; ``ACSC``: paid) or a ``camt.054``
debit notification (a booked debit: paid; a booked return, ``RtrInf``: failed).

The file is written from the run's lines (the snapshot), bank lines only (cash lines go to the
post office's list), through the same door as every file for the payer (``exporting.download``:
sent to the payer, not reconciled, the commune's officer). Its debtor is the commune's
``PayingAccount`` in force for the run's month; without one the file is refused.

Field choices (README, "Monthly payment runs"): the message id is the run's (``CW-<commune>-
<YYYYMM>-R<run id>``) and does not change on a copy, so a bank that refuses duplicate messages
refuses a copy sent again; every bank is named by its NAPAS BIN as a clearing-system member id
(``ClrSysMmbId``, ``ClrSysId/Prtry`` = ``NAPAS``), accounts as ``Othr/Id``; amounts are whole đồng
(``Ccy="VND"``, no decimals); names are upper-case ASCII (``exporting.bank_text``: đ → D), as the
banks' ISO channels require.

The answer is matched by end-to-end id (the line's reference): an id that is not a line of the
run, an amount or a currency that differs refuses the whole file, each entry named; the rows then
go through ``services.run_reconcile`` like a CSV report (all or nothing, statuses final).
Statuses other than those above (accepted, pending) settle nothing: the line stays unreported.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import PaymentMethod
from disbursements import exporting
from disbursements.models import PayingAccount, Run

PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
CONTENT_TYPE = "application/xml"
CLEARING_SYSTEM = "NAPAS"
CURRENCY = "VND"
# pain.002 transaction statuses that settle a line; the others (ACCP, ACSP, PDNG…) settle nothing.
FAILED_STATUSES = {"RJCT"}
PAID_STATUSES = {"ACSC"}
_CHUNK = 2_000


# --- pain.001: the credit transfer initiation ---------------------------------------------------


def paying_account(run: Run) -> PayingAccount:
    """The account the run is paid from: the commune's own in force for the run's month, else its
    province's; ValidationError if there is none."""
    account = (
        PayingAccount.objects.filter(
            Q(commune_id=run.commune_id) | Q(commune__isnull=True, province_id=run.commune.province_id)
        )
        .filter(valid_from__lte=run.month)
        .order_by("commune_id", "-valid_from")  # NULLs last: the commune's own first
        .first()
    )
    if account is None:
        raise ValidationError(
            _("No paying account is set for %(commune)s on %(month)s: an administrator adds it (paying accounts).")
            % {"commune": run.commune.name, "month": f"{run.month:%m/%Y}"}
        )
    return account


def message_id(run: Run) -> str:
    return f"CW-{run.commune_id}-{run.month:%Y%m}-R{run.pk}"


def filename(run: Run, copy: int = 0) -> str:
    return f"pain001-{run.commune_id}-{run.month:%Y-%m}-run{run.pk}{exporting.copy_suffix(copy)}.xml"


def _sub(parent, tag: str, text=None, **attributes):
    element = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = str(text)
    return element


def _agent(parent, tag: str, bank_bin: str) -> None:
    member = _sub(_sub(_sub(parent, tag), "FinInstnId"), "ClrSysMmbId")
    _sub(_sub(member, "ClrSysId"), "Prtry", CLEARING_SYSTEM)
    _sub(member, "MmbId", bank_bin)


def _account(parent, tag: str, number: str) -> None:
    _sub(_sub(_sub(_sub(parent, tag), "Id"), "Othr"), "Id", number)


def pain001(run: Run, *, now: datetime | None = None) -> bytes:
    """The run's bank lines as one ``pain.001.001.09`` message (UTF-8 bytes): one payment
    information block (the commune's paying account), one transfer per bank line in case order.
    ValidationError without a paying account or without a bank line."""
    now = timezone.localtime(now or timezone.now())
    debtor = paying_account(run)
    bank_lines = run.lines.filter(payment_method=PaymentMethod.BANK)
    totals = bank_lines.aggregate(count=Count("pk"), amount=Sum("amount"))
    if not totals["count"]:
        raise ValidationError(_("The run has no line paid into a bank account."))
    count, amount = str(totals["count"]), str(totals["amount"])
    document = ElementTree.Element("Document", {"xmlns": PAIN001})
    initiation = _sub(document, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id(run))
    _sub(header, "CreDtTm", now.isoformat(timespec="seconds"))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", amount)
    _sub(_sub(header, "InitgPty"), "Nm", exporting.bank_text(debtor.unit_name)[:140])
    block = _sub(initiation, "PmtInf")
    _sub(block, "PmtInfId", f"{message_id(run)}-1")
    _sub(block, "PmtMtd", "TRF")
    _sub(block, "NbOfTxs", count)
    _sub(block, "CtrlSum", amount)
    _sub(_sub(block, "ReqdExctnDt"), "Dt", now.date().isoformat())
    _sub(_sub(block, "Dbtr"), "Nm", exporting.bank_text(debtor.unit_name)[:140])
    _account(block, "DbtrAcct", debtor.account_number)
    _agent(block, "DbtrAgt", debtor.bank_bin)
    _sub(block, "ChrgBr", "SLEV")
    rows = (
        bank_lines.order_by("case_id")
        .values_list("reference", "amount", "bank_bin", "account_number", "account_name")
        .iterator(chunk_size=_CHUNK)
    )
    for reference, line_amount, bank_bin, number, holder in rows:
        transfer = _sub(block, "CdtTrfTxInf")
        _sub(_sub(transfer, "PmtId"), "EndToEndId", reference)
        _sub(_sub(transfer, "Amt"), "InstdAmt", line_amount, Ccy=CURRENCY)
        _agent(transfer, "CdtrAgt", bank_bin)
        _sub(_sub(transfer, "Cdtr"), "Nm", exporting.bank_text(holder)[:140])
        _account(transfer, "CdtrAcct", number)
        _sub(_sub(transfer, "RmtInf"), "Ustrd", exporting.transfer_description(run, reference)[:140])
    ElementTree.indent(document)
    return ElementTree.tostring(document, encoding="UTF-8", xml_declaration=True)


# --- the bank's answer: pain.002 and camt.054 ------------------------------------------------------


def is_xml(content: bytes, name: str = "") -> bool:
    """Whether an uploaded report is an ISO 20022 XML file (by its name or its first bytes)."""
    return name.lower().endswith(".xml") or content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _find(element, *path: str):
    """The first element down ``path`` of local names (namespaces ignored), or None."""
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element, *path: str) -> str:
    found = _find(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _iter(element, name: str):
    return (child for child in element.iter() if _local(child.tag) == name)


def _reason(element) -> str:
    """'AC04 Closed account' from a StsRsnInf or RtrInf block."""
    code = _text(element, "Rsn", "Cd") or _text(element, "Rsn", "Prtry")
    extra = " ".join(_text(info) for info in _children(element, "AddtlInf") if _text(info))
    return " ".join(part for part in (code, extra) if part)


def _day(text: str) -> str:
    """The date part of an ISO date or date-time ('2026-05-20T10:00:00+07:00' -> '2026-05-20')."""
    return text[:10]


def _pain002_entries(root) -> list[dict]:
    header = next(_iter(root, "GrpHdr"), None)
    created = _day(_text(header, "CreDtTm")) if header is not None else ""
    entries = []
    for transaction in _iter(root, "TxInfAndSts"):
        status = _text(transaction, "TxSts")
        amount = _find(transaction, "OrgnlTxRef", "Amt", "InstdAmt")
        reasons = "; ".join(filter(None, (_reason(info) for info in _children(transaction, "StsRsnInf"))))
        entries.append({
            "id": _text(transaction, "OrgnlEndToEndId"),
            "amount": amount,
            "status": "failed" if status in FAILED_STATUSES else "paid" if status in PAID_STATUSES else "",
            "paid_on": created if status in PAID_STATUSES else "",
            "note": (f"{status} {reasons}".strip() if status in FAILED_STATUSES else ""),
        })  # fmt: skip
    return entries


def _camt054_entries(root) -> list[dict]:
    entries = []
    for entry in _iter(root, "Ntry"):
        booked = (_text(entry, "Sts", "Cd") or _text(entry, "Sts")) == "BOOK"
        booked_on = _day(_text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"))
        for details in _iter(entry, "TxDtls"):
            amount = _find(details, "Amt")
            if amount is None:
                amount = _find(details, "AmtDtls", "InstdAmt", "Amt")
            returned = _find(details, "RtrInf")
            status = ""
            if booked:
                status = "failed" if returned is not None else "paid"
            entries.append({
                "id": _text(details, "Refs", "EndToEndId"),
                "amount": amount,
                "status": status,
                "paid_on": booked_on if status == "paid" else "",
                "note": (f"RTRN {_reason(returned)}".strip() if status == "failed" else ""),
            })  # fmt: skip
    return entries


def report_rows(run: Run, content: bytes) -> list[dict]:
    """The bank's answer as the payer's report rows (reference, status, paid_on, note), one per
    line it settles. ValidationError under ``file`` naming every entry whose end-to-end id is not a
    line of the run or whose amount or currency differs (nothing is applied then), or if the file
    is not a pain.002 / camt.054 message."""
    try:
        root = SafeElementTree.fromstring(content)
    except Exception as error:
        raise ValidationError({"file": [_("The file is not a readable XML file.")]}) from error
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    message = namespace.rpartition(":")[2]
    if message.startswith("pain.002."):
        entries = _pain002_entries(root)
    elif message.startswith("camt.054."):
        entries = _camt054_entries(root)
    else:
        raise ValidationError({"file": [_("The XML file is not a pain.002 or camt.054 message of ISO 20022.")]})
    # Only the file's transfers: a cash line's reference in the bank's answer is refused like an unknown one.
    amounts = dict(run.lines.filter(payment_method=PaymentMethod.BANK).values_list("reference", "amount"))
    errors, rows = [], {}
    for number, entry in enumerate(entries, start=1):
        reference, amount = entry["id"], entry["amount"]
        where = _("entry %(number)d (%(ref)s)") % {"number": number, "ref": reference or "—"}
        if reference not in amounts:
            errors.append(_("%(where)s: the end-to-end id is not a bank transfer of this run") % {"where": where})
            continue
        if amount is not None:
            currency = amount.get("Ccy", "")
            try:
                value = Decimal((amount.text or "").strip())
            except InvalidOperation:
                value = None
            if currency != CURRENCY or value != amounts[reference]:
                errors.append(
                    _("%(where)s: amount %(amount)s %(currency)s, the line pays %(line)s VND")
                    % {
                        "where": where,
                        "amount": (amount.text or "").strip(),
                        "currency": currency,
                        "line": amounts[reference],
                    }  # fmt: skip
                )
                continue
        if not entry["status"]:
            continue
        earlier = rows.get(reference)
        if earlier is None or entry["status"] == "failed":  # a return booked after the debit wins
            rows[reference] = {key: entry[key] for key in ("status", "paid_on", "note")} | {"reference": reference}
    if (
        not entries
        and message.startswith("pain.002.")
        and _text(next(_iter(root, "OrgnlGrpInfAndSts"), root), "GrpSts") == "RJCT"
    ):
        errors.append(
            _("The bank rejected the whole file (group status RJCT) without a status per transfer: report the lines "
              "in a CSV report.")
        )  # fmt: skip
    elif not entries:
        errors.append(_("The file has no transaction."))
    if errors:
        raise ValidationError({"file": errors})
    return list(rows.values())
