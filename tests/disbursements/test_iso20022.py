"""ISO 20022 bank files of a run: the pain.001.001.09 transfer initiation (exact values, valid
against the official XSD, bank lines only, through the same door as every file for the payer) and
the bank's answer (pain.002, camt.054) reconciled through the same service as the CSV report."""

import io
from datetime import date, datetime
from xml.etree import ElementTree

import pytest
import xmlschema
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from disbursements import iso20022
from disbursements.importing import ReconcileReport, reconcile
from disbursements.models import PaidMonth, PayingAccount, Run, RunEvent
from tests.disbursements.test_exports import approved_run, exported_run, make_cases, prepare
from tests.disbursements.test_reconcile import references, report_csv, state
from tests.factories import ProvinceFactory

NS = {"p": iso20022.PAIN001}
SCHEMA = xmlschema.XMLSchema(str(iso20022.SCHEMAS / "pain.001.001.09.xsd"))
CAMT054_SCHEMA = xmlschema.XMLSchema(str(iso20022.SCHEMAS / "camt.054.001.08.xsd"))
NOW = timezone.make_aware(datetime(2026, 5, 18, 9, 30))


@pytest.fixture
def cases(units, users):
    return make_cases(units, users["tandong_officer"])


@pytest.fixture
def account(units):
    return PayingAccount.objects.create(
        province=units.tan_dong.province, valid_from=date(2026, 1, 1), unit_name="Phòng Văn hóa - Xã hội Tân Đông",
        bank_bin="970405", account_number="3700201001234",
    )  # fmt: skip


@pytest.fixture
def run(cases, units, users, account) -> Run:
    return exported_run(units, users)


@pytest.fixture
def officer(users):
    return users["tandong_officer"]


def values(xml: bytes, path: str) -> list[str]:
    return [element.text for element in ElementTree.fromstring(xml).findall(path, NS)]


def test_pain001_has_the_runs_bank_lines_exactly(run, cases):
    # Given an exported run of five people, three paid into bank accounts (Hoa with April's arrears)
    a, b, _c, _d, e = references(run)

    # When its pain.001 is written
    xml = iso20022.pain001(run, now=NOW)

    # Then the group header counts and sums the bank lines only, from the commune's paying unit
    r = run.pk
    assert values(xml, "p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId") == [f"CW-{run.commune_id}-202605-R{r}"]
    assert values(xml, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm") == ["2026-05-18T09:30:00+07:00"]
    lines = dict(run.lines.values_list("reference", "amount"))
    total = lines[a] + lines[b] + lines[e]
    assert values(xml, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == ["3"]
    assert values(xml, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum") == [str(total)]
    assert values(xml, "p:CstmrCdtTrfInitn/p:GrpHdr/p:InitgPty/p:Nm") == ["PHONG VAN HOA XA HOI TAN DONG"]
    # one payment block: the paying account, by the bank's BIN
    block = "p:CstmrCdtTrfInitn/p:PmtInf/"
    assert values(xml, block + "p:NbOfTxs") == ["3"] and values(xml, block + "p:CtrlSum") == [str(total)]
    assert values(xml, block + "p:DbtrAcct/p:Id/p:Othr/p:Id") == ["3700201001234"]
    assert values(xml, block + "p:DbtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["970405"]
    # and one transfer per bank line, in case order: reference, whole đồng, BIN, account, ASCII name
    transfer = block + "p:CdtTrfTxInf/"
    assert values(xml, transfer + "p:PmtId/p:EndToEndId") == [a, b, e]
    assert values(xml, transfer + "p:Amt/p:InstdAmt") == [str(lines[a]), str(lines[b]), str(lines[e])]
    assert lines[a] == 2 * lines[e]  # April and May
    assert all("." not in amount for amount in values(xml, transfer + "p:Amt/p:InstdAmt"))
    root = ElementTree.fromstring(xml)
    assert {el.get("Ccy") for el in root.iterfind(transfer + "p:Amt/p:InstdAmt", NS)} == {"VND"}
    assert values(xml, transfer + "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:ClrSysId/p:Prtry") == ["NAPAS"] * 3
    assert values(xml, transfer + "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["970436", "970415", "970436"]
    assert values(xml, transfer + "p:CdtrAcct/p:Id/p:Othr/p:Id") == ["0011001234567", "101867000123", "0011009876543"]
    assert values(xml, transfer + "p:Cdtr/p:Nm") == ["NGUYEN THI HOA", "TRAN VAN DUC", "VO THI EN"]
    assert values(xml, transfer + "p:RmtInf/p:Ustrd") == [f"TCXH 2026-05 {a}", f"TCXH 2026-05 {b}", f"TCXH 2026-05 {e}"]
    assert xml.decode("ascii")  # every byte is ASCII


def test_pain001_validates_against_the_official_xsd(run):
    SCHEMA.validate(io.BytesIO(iso20022.pain001(run)))


def test_the_communes_own_account_wins_and_the_one_in_force_is_used(run, units, account):
    PayingAccount.objects.create(
        province=units.tan_dong.province, commune=units.tan_dong, valid_from=date(2026, 5, 1), unit_name="UBND Tân Đông",
        bank_bin="970418", account_number="111",
    )  # fmt: skip
    PayingAccount.objects.create(
        province=units.tan_dong.province, commune=units.tan_dong, valid_from=date(2026, 6, 1), unit_name="Later",
        bank_bin="970418", account_number="222",
    )  # fmt: skip
    xml = iso20022.pain001(run)
    assert values(xml, "p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAcct/p:Id/p:Othr/p:Id") == ["111"]
    assert values(xml, "p:CstmrCdtTrfInitn/p:PmtInf/p:Dbtr/p:Nm") == ["UBND TAN DONG"]


def test_without_a_paying_account_the_file_is_refused_and_no_download_recorded(run, officer, client_for):
    PayingAccount.objects.all().delete()
    response = client_for("tandong_officer").get(reverse("disbursements:pain001", args=[run.pk]))
    assert response.status_code == 409
    assert "Chưa có tài khoản chi trả" in response.content.decode()
    assert not RunEvent.objects.filter(run=run, kind=RunEvent.Kind.DOWNLOADED).exists()


def test_the_page_downloads_it_and_later_ones_are_copies(run, officer, client_for):
    client = client_for("tandong_officer")
    page = client.get(reverse("disbursements:detail", args=[run.pk])).content.decode()
    assert reverse("disbursements:pain001", args=[run.pk]) in page
    first = client.get(reverse("disbursements:pain001", args=[run.pk]))
    second = client.get(reverse("disbursements:pain001", args=[run.pk]))
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/xml"
    assert f'filename="pain001-{run.commune_id}-2026-05-run{run.pk}.xml"' in first["Content-Disposition"]
    assert f'filename="pain001-{run.commune_id}-2026-05-run{run.pk}-copy1.xml"' in second["Content-Disposition"]
    SCHEMA.validate(io.BytesIO(first.content))


@pytest.mark.parametrize("role", ["tandong_chair", "binhminh_officer"])
def test_only_the_communes_officer_downloads_it(run, users, client_for, role):
    response = client_for(role).get(reverse("disbursements:pain001", args=[run.pk]))
    assert response.status_code in (403, 404)
    assert not RunEvent.objects.filter(run=run, kind=RunEvent.Kind.DOWNLOADED).exists()


def test_an_approved_run_not_yet_sent_is_refused_and_nothing_written(cases, units, users, account, tmp_path):
    run = approved_run(units, users)
    output = tmp_path / "run.xml"
    with pytest.raises(CommandError, match="not yet sent"):
        call_command("disbursement", "export", str(run.pk), "--format", "pain001", "-o", str(output),
                     "--as", "tandong.officer")  # fmt: skip
    assert not output.exists()
    assert not RunEvent.objects.filter(run=run, kind=RunEvent.Kind.DOWNLOADED).exists()


def test_the_command_writes_it(run, tmp_path):
    output = tmp_path / "run.xml"
    call_command("disbursement", "export", str(run.pk), "--format", "pain001", "-o", str(output),
                 "--as", "tandong.officer", stdout=io.StringIO())  # fmt: skip
    SCHEMA.validate(str(output))
    assert values(output.read_bytes(), "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == ["3"]


# --- the bank's answer --------------------------------------------------------------------------


def pain002(run: Run, statuses: dict[str, tuple[str, str]]) -> bytes:
    """A bank's status report: {reference: (TxSts, reason code)}."""
    transactions = "".join(
        f"""<TxInfAndSts><OrgnlEndToEndId>{ref}</OrgnlEndToEndId><TxSts>{status}</TxSts>"""
        + (
            f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn><AddtlInf>Tai khoan bi khoa</AddtlInf></StsRsnInf>"
            if reason
            else ""
        )
        + f"""<OrgnlTxRef><Amt><InstdAmt Ccy="VND">{run.lines.get(reference=ref).amount if ref in set(references(run)) else 1}</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>"""
        for ref, (status, reason) in statuses.items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>ANS-1</MsgId><CreDtTm>2026-05-20T16:00:00+07:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{iso20022.message_id(run)}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>{iso20022.message_id(run)}-1</OrgnlPmtInfId>{transactions}</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>""".encode()


def camt054(run: Run, entries: list[tuple[str, str, int | None, str]]) -> bytes:
    """A bank's debit notification: [(reference, CRDT/DBIT, amount or None for the line's, return reason)]."""
    amounts = dict(run.lines.values_list("reference", "amount"))
    body = ""
    for ref, direction, amount, reason in entries:
        amount = amounts.get(ref, 1) if amount is None else amount
        returned = (
            f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn><AddtlInf>Tai khoan bi khoa</AddtlInf></RtrInf>" if reason else ""
        )
        body += f"""<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-05-20</Dt></BookgDt><BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>{ref}</EndToEndId></Refs>
<Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{returned}</TxDtls></NtryDtls></Ntry>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2026-05-20T18:00:00+07:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><Othr><Id>3700201001234</Id></Othr></Id></Acct>{body}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()


def csv_for_the_cash_lines(run: Run):
    _a, _b, c, d, _e = references(run)
    return report_csv([f"{c},paid,2026-05-20,", f"{d},paid,2026-05-20,"])


@pytest.mark.parametrize("answer", ["camt054", "pain002"])
def test_a_failed_transfer_reconciles_as_the_csv_would_and_is_paid_as_arrears_next_month(
    run, cases, units, officer, answer
):
    # Given the bank's answer to the run's three transfers, the first (Hoa's) failed
    a, b, _c, _d, e = references(run)
    if answer == "camt054":
        file = camt054(run, [(a, "DBIT", None, ""), (b, "DBIT", None, ""), (e, "DBIT", None, ""),
                             (a, "CRDT", None, "AC06")])  # fmt: skip
        note = "RTRN AC06 Tai khoan bi khoa"
    else:
        file = pain002(run, {a: ("RJCT", "AC06"), b: ("ACSC", ""), e: ("ACSC", "")})
        note = "RJCT AC06 Tai khoan bi khoa"

    # When the officer uploads it, then the post office's report of the cash lines
    report = reconcile(run, io.BytesIO(file), f"{answer}.xml", acting_user=officer)
    assert report == ReconcileReport(errors=[], paid=2, failed=1, pending=2, reconciled=False)
    report = reconcile(run, csv_for_the_cash_lines(run), "post.csv", acting_user=officer)

    # Then the lines are settled as by the CSV report, the run reconciled, the failed months owed again
    assert report.reconciled
    run.refresh_from_db()
    assert run.status == Run.Status.RECONCILED
    assert list(run.lines.order_by("case_id").values_list("status", "paid_on", "note")) == [
        ("failed", None, note),
        ("paid", date(2026, 5, 20), ""),
        ("paid", date(2026, 5, 20), ""),
        ("paid", date(2026, 5, 20), ""),
        ("paid", date(2026, 5, 20), ""),
    ]
    assert not PaidMonth.objects.filter(case=cases[0]).exists()
    assert run.reports.get(file_name=f"{answer}.xml").sha256
    # and the next month's run pays them as arrears with June
    june = prepare(units.tan_dong, officer, date(2026, 6, 1))
    assert june.lines.get(case=cases[0]).months == ["2026-04", "2026-05", "2026-06"]
    assert june.lines.get(case=cases[1]).months == ["2026-06"]


def test_the_camt054_fixture_is_a_valid_message(run):
    a, b, _c, _d, e = references(run)
    CAMT054_SCHEMA.validate(io.BytesIO(camt054(run, [(a, "DBIT", None, ""), (a, "CRDT", None, "AC06")])))


def test_accepted_but_not_settled_transfers_stay_unreported(run, officer):
    a, b, _c, _d, e = references(run)
    file = pain002(run, {a: ("ACSP", ""), b: ("ACSC", ""), e: ("PDNG", "")})
    report = reconcile(run, io.BytesIO(file), "status.xml", acting_user=officer)
    assert report == ReconcileReport(errors=[], paid=1, failed=0, pending=4, reconciled=False)


def test_an_unknown_id_or_another_amount_refuses_the_whole_file_and_nothing_changes(run, officer):
    a, b, _c, _d, e = references(run)
    before = state(run)
    c = references(run)[2]  # a cash line: not a transfer of the bank file
    file = camt054(
        run, [(a, "DBIT", None, ""), ("NOT-A-LINE", "DBIT", None, ""), (e, "DBIT", 5, ""), (c, "DBIT", None, "")]
    )

    report = reconcile(run, io.BytesIO(file), "camt.xml", acting_user=officer)

    messages = [error.message for error in report.errors]
    assert messages == [
        "entry 2 (NOT-A-LINE): the end-to-end id is not a bank transfer of this run",
        f"entry 3 ({e}): amount 5 VND, the line pays {run.lines.get(reference=e).amount} VND",
        f"entry 4 ({c}): the end-to-end id is not a bank transfer of this run",
    ]
    assert state(run) == before


def test_the_command_reconciles_an_xml_answer_and_refuses_a_bad_one(run, officer, tmp_path):
    a, b, _c, _d, e = references(run)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(pain002(run, {"NOT-A-LINE": ("RJCT", "AC01")}))
    before = state(run)
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was reconciled"):
        call_command("disbursement", "reconcile", str(run.pk), str(bad), "--as", "tandong.officer", stderr=errors)
    assert "entry 1 (NOT-A-LINE): the end-to-end id is not a bank transfer of this run" in errors.getvalue()
    assert state(run) == before
    good = tmp_path / "good.xml"
    good.write_bytes(pain002(run, {a: ("ACSC", ""), b: ("ACSC", ""), e: ("RJCT", "AC04")}))
    out = io.StringIO()
    call_command("disbursement", "reconcile", str(run.pk), str(good), "--as", "tandong.officer", stdout=out)
    assert "2 paid, 1 failed" in out.getvalue()


def test_the_page_takes_an_xml_answer(run, officer, client_for):
    a, b, _c, _d, e = references(run)
    upload = SimpleUploadedFile("camt.xml", camt054(run, [(a, "DBIT", None, ""), (b, "DBIT", None, "")]))
    response = client_for("tandong_officer").post(reverse("disbursements:reconcile", args=[run.pk]), {"file": upload})
    assert response.status_code == 200
    assert list(run.lines.filter(reference__in=[a, b]).values_list("status", flat=True)) == ["paid", "paid"]


def test_not_an_iso_message_is_refused(run, officer):
    report = reconcile(run, io.BytesIO(b"<html><body/></html>"), "x.xml", acting_user=officer)
    assert [error.message for error in report.errors] == [
        "The XML file is not a pain.002 or camt.054 message of ISO 20022."
    ]
    report = reconcile(run, io.BytesIO(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"), "x.xml",
                       acting_user=officer)  # fmt: skip
    assert [error.message for error in report.errors] == ["The file is not a readable XML file."]


def test_a_whole_file_rejected_without_transfers_says_so(run):
    answer = pain002(run, {}).replace(b"</OrgnlMsgNmId>", b"</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>")
    with pytest.raises(ValidationError, match="group status RJCT"):
        iso20022.report_rows(run, answer)


def test_an_amount_with_decimals_equal_to_the_line_is_the_same_amount(run):
    a, *_ = references(run)
    amount = run.lines.get(reference=a).amount
    answer = camt054(run, [(a, "DBIT", None, "")]).replace(f">{amount}<".encode(), f">{amount}.00<".encode())
    assert iso20022.report_rows(run, answer)[0]["status"] == "paid"


def test_report_rows_are_plain_rows_for_the_service(run):
    a, b, _c, _d, e = references(run)
    rows = iso20022.report_rows(run, pain002(run, {a: ("RJCT", "AC04"), b: ("ACSC", "")}))
    assert rows == [
        {"status": "failed", "paid_on": "", "note": "RJCT AC04 Tai khoan bi khoa", "reference": a},
        {"status": "paid", "paid_on": "2026-05-20", "note": "", "reference": b},
    ]
    with pytest.raises(ValidationError):
        iso20022.report_rows(run, b"<not xml")


def test_a_paying_account_of_a_commune_outside_its_province_is_refused(units, account):
    elsewhere = ProvinceFactory(code="01", name="Hà Nội")
    other = PayingAccount(province=elsewhere, commune=units.tan_dong, valid_from=date(2026, 1, 1), unit_name="X",
                          bank_bin="970405", account_number="1")  # fmt: skip
    with pytest.raises(ValidationError, match="not in this province"):
        other.full_clean()
