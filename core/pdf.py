"""Printable documents of every app: a Django template rendered to an A4 PDF by WeasyPrint.

Official documents are Vietnamese whatever the user's interface language, so a document is
always rendered under ``vi``. Templates extend ``pdf/base.html``, which draws the two-column
official header (the unit on the left; the national motto and the place and date on the right),
the title and the "Trang X/Y" footer; give it an ``OfficialHeader`` as ``header``.

Rendering never touches the network: the URL fetcher accepts ``data:`` URLs and files under the
static directories only. Fonts are chosen by family name through fontconfig (Noto Sans, then
DejaVu Sans; both have every Vietnamese glyph) and embedded, subset, in the PDF.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

# Division types (geography.Commune.DivisionType) -> how the unit is named in an official header.
_UNIT_PREFIXES = {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}


def _static_roots() -> list[Path]:
    roots = [Path(directory) for directory in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


class LocalOnlyURLFetcher(URLFetcher):
    """Fetches ``data:`` URLs and files under the static directories; refuses everything else
    (http, https, ftp, any other file), so a document renders the same offline and a name typed
    into a record can never make the server fetch a URL."""

    def __init__(self, roots: list[Path] | None = None):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self.roots = roots if roots is not None else _static_roots()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"PDF rendering reads static files only, not {url}")
        elif scheme != "data":
            raise ValueError(f"PDF rendering never fetches from the network: {url}")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class OfficialHeader:
    """The top of an official document (Decree 30/2020 layout): issuing authority and unit on the
    left with the document number, the national name and motto on the right over the place and date."""

    authority: str  # "ỦY BAN NHÂN DÂN"
    unit: str  # "XÃ TÂN ĐÔNG"
    place: str  # "Tân Đông"
    on: date
    number: str = ""  # "15/QĐ-UBND"; empty for a list without a number of its own
    unit_kind: str = ""  # "xã", "phường", "đặc khu": how a sentence names the unit

    @property
    def place_and_date(self) -> str:
        return f"{self.place}, {vietnamese_date(self.on)}"

    @property
    def unit_in_sentence(self) -> str:
        """'xã Tân Đông', as in "Ủy ban nhân dân xã Tân Đông"."""
        return f"{self.unit_kind} {self.place}".strip()


def commune_header(commune, *, on: date, number: str = "") -> OfficialHeader:
    """The header of a document issued by a commune's People's Committee (UBND)."""
    prefix = _UNIT_PREFIXES.get(commune.division_type, "")
    place = commune.name.removeprefix(prefix).strip() if prefix else commune.name
    unit = f"{prefix} {place}" if prefix else commune.name
    return OfficialHeader(
        authority="ỦY BAN NHÂN DÂN",
        unit=unit.upper(),
        place=place,
        on=on,
        number=number,
        unit_kind=prefix.lower(),
    )


def vietnamese_date(day: date) -> str:
    """'ngày 05 tháng 01 năm 2026': days below 10 and months 1 and 2 take a leading zero
    (Decree 30/2020, appendix I)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render ``template_name`` (extending ``pdf/base.html``) to the bytes of an A4 PDF, in Vietnamese."""
    with translation.override("vi"):
        html = render_to_string(template_name, context, request=request)
        base_url = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/" if settings.STATICFILES_DIRS else None
        document = HTML(string=html, base_url=base_url, url_fetcher=LocalOnlyURLFetcher())
        return document.write_pdf()


def ascii_filename(filename: str) -> str:
    """'Danh sách công khai Tân Đông 2026.pdf' -> 'Danh-sach-cong-khai-Tan-Dong-2026.pdf'."""
    text = filename.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return text or "document.pdf"


_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def pdf_response(pdf_bytes: bytes, filename: str) -> HttpResponse:
    """Show the PDF in the browser (inline), saved as ``filename``: an ASCII ``filename`` for old
    clients and the exact UTF-8 name in ``filename*`` (RFC 5987/6266). Not cached: these lists
    carry personal data. Path separators, quotes and control characters become "-"
    ("125/QĐ-UBND" is a decision number, not a folder)."""
    filename = _UNSAFE_IN_FILENAME.sub("-", filename)
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response
