"""Vietnamese banks by their NAPAS BIN, so that people read "Agribank", not "970405".

The BIN stays what the product stores and what the machine files carry (the bank files of a payment
run, the beneficiaries' import and export): a bank is named by it. Pages, PDFs and reports for people
show the bank's short name, with its full name where there is room; a BIN missing from this list
shows as itself with "(ngân hàng không rõ)", and is still accepted where it was before (an import
may name a bank this list does not know yet).

The list is the banks of the VietQR bank list (the NAPAS 247 participants, api.vietqr.io/v2/banks)
that hold accounts of individuals in Vietnam: the state-owned and joint-stock commercial banks, the
Bank for Social Policies and the Co-operative Bank, and the foreign-owned banks. E-wallets and
finance companies are left out: allowances are not paid into them. A bank that renames keeps its BIN
(LienVietPostBank is now LPBank; its BIN 970449 did not change): edit the names here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    full_name: str


BANKS: tuple[Bank, ...] = (
    # State-owned and policy banks first: most allowances are paid through them.
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    Bank("999888", "NHCSXH", "Ngân hàng Chính sách xã hội"),
    Bank("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
    # Joint-stock commercial banks, by short name.
    Bank("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    Bank("970409", "BacABank", "Ngân hàng TMCP Bắc Á"),
    Bank("970438", "BaoVietBank", "Ngân hàng TMCP Bảo Việt"),
    Bank("970454", "BVBank", "Ngân hàng TMCP Bản Việt"),
    Bank("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh"),
    Bank("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long"),
    Bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    Bank("970422", "MB", "Ngân hàng TMCP Quân đội"),
    Bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    Bank("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á"),
    Bank("970419", "NCB", "Ngân hàng TMCP Quốc Dân"),
    Bank("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    Bank("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển"),
    Bank("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    Bank("970400", "Saigonbank", "Ngân hàng TMCP Sài Gòn Công Thương"),
    Bank("970429", "SCB", "Ngân hàng TMCP Sài Gòn"),
    Bank("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    Bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội"),
    Bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ Thương Việt Nam"),
    Bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    Bank("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    Bank("970427", "VietABank", "Ngân hàng TMCP Việt Á"),
    Bank("970433", "Vietbank", "Ngân hàng TMCP Việt Nam Thương Tín"),
    Bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    # Commercial banks of one member and joint ventures.
    Bank("970444", "CBBank", "Ngân hàng Thương mại TNHH MTV Xây dựng Việt Nam"),
    Bank("970408", "GPBank", "Ngân hàng Thương mại TNHH MTV Dầu khí Toàn cầu"),
    Bank("970414", "MBV", "Ngân hàng TNHH MTV Việt Nam Hiện Đại"),
    Bank("970421", "VRB", "Ngân hàng Liên doanh Việt – Nga"),
    Bank("970434", "Indovina", "Ngân hàng TNHH Indovina"),
    # Foreign-owned banks.
    Bank("422589", "CIMB", "Ngân hàng TNHH MTV CIMB Việt Nam"),
    Bank("970442", "Hong Leong", "Ngân hàng TNHH MTV Hong Leong Việt Nam"),
    Bank("458761", "HSBC", "Ngân hàng TNHH MTV HSBC (Việt Nam)"),
    Bank("970439", "Public Bank", "Ngân hàng TNHH MTV Public Việt Nam"),
    Bank("970424", "Shinhan Bank", "Ngân hàng TNHH MTV Shinhan Việt Nam"),
    Bank("970410", "Standard Chartered", "Ngân hàng TNHH MTV Standard Chartered Bank Việt Nam"),
    Bank("970458", "UOB", "Ngân hàng United Overseas Bank (Việt Nam)"),
    Bank("970457", "Woori", "Ngân hàng TNHH MTV Woori Việt Nam"),
)

BY_BIN: dict[str, Bank] = {bank.bin: bank for bank in BANKS}
UNKNOWN = _("unknown bank")


def bank_name(bin_code: str) -> str:
    """'Agribank' for 970405; '970499 (ngân hàng không rõ)' for a BIN this list does not know."""
    bank = BY_BIN.get(bin_code)
    if bank:
        return bank.short_name
    return f"{bin_code} ({UNKNOWN})" if bin_code else ""


def bank_full_name(bin_code: str) -> str:
    """'Agribank – Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam', for a choice or a tooltip."""
    bank = BY_BIN.get(bin_code)
    return f"{bank.short_name} – {bank.full_name}" if bank else bank_name(bin_code)


def account_text(bin_code: str, account: str) -> str:
    """How a bank account reads on a page: 'Agribank – ••••3456' (``account`` already masked or not,
    as the reader may see it)."""
    return f"{bank_name(bin_code)} – {account}" if account else bank_name(bin_code)


def choices(current: str = "") -> list[tuple[str, str]]:
    """The banks as a select offers them, by name (the value stored is the BIN); ``current``, a BIN
    the list does not know (a case imported with it), is offered too so that editing keeps it."""
    offered = [(bank.bin, bank_full_name(bank.bin)) for bank in BANKS]
    if current and current not in BY_BIN:
        offered.insert(0, (current, bank_name(current)))
    return [("", "—"), *offered]
