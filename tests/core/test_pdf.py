"""The shared PDF helper: official header, Vietnamese dates, offline rendering, the response."""

import io
import socket
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import override_settings
from pypdf import PdfReader

from core.pdf import LocalOnlyURLFetcher, ascii_filename, commune_header, pdf_response, render_pdf, vietnamese_date

TAN_DONG = SimpleNamespace(name="Xã Tân Đông", division_type="xa")
BINH_MINH = SimpleNamespace(name="Phường Bình Minh", division_type="phuong")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 29), "ngày 29 tháng 11 năm 2026"),
        (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),  # months 1 and 2 and days below 10: a leading zero
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
    ],
)
def test_vietnamese_date(day, expected):
    assert vietnamese_date(day) == expected


def test_commune_header_names_the_unit_and_the_place():
    xa = commune_header(TAN_DONG, on=date(2026, 11, 29))
    phuong = commune_header(BINH_MINH, on=date(2026, 11, 29), number="7/QĐ-UBND")

    assert (xa.authority, xa.unit, xa.place_and_date) == (
        "ỦY BAN NHÂN DÂN",
        "XÃ TÂN ĐÔNG",
        "Tân Đông, ngày 29 tháng 11 năm 2026",
    )
    assert xa.unit_in_sentence == "xã Tân Đông"
    assert (phuong.unit, phuong.place, phuong.number) == ("PHƯỜNG BÌNH MINH", "Bình Minh", "7/QĐ-UBND")


def test_base_template_renders_an_a4_vietnamese_document_with_page_numbers():
    # The test suite runs under "en"; the document is Vietnamese whatever the interface language.
    pdf = render_pdf(
        "pdf/base.html", {"header": commune_header(TAN_DONG, on=date(2026, 11, 29)), "document_title": "BÁO CÁO"}
    )

    reader = PdfReader(io.BytesIO(pdf))
    text = text_of(pdf)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in mm
    assert "ỦY BAN NHÂN DÂN XÃ TÂN ĐÔNG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc" in text
    assert "Tân Đông, ngày 29 tháng 11 năm 2026" in text
    assert "BÁO CÁO" in text
    assert "Trang 1/1" in text


def test_the_fetcher_refuses_the_network_and_files_outside_static():
    fetcher = LocalOnlyURLFetcher()
    static_file = Path(settings.STATICFILES_DIRS[0]).resolve() / "css" / "casework.css"

    for url in ("https://example.com/logo.png", "http://127.0.0.1:8000/", "ftp://example.com/x", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(static_file.as_uri()).read().startswith(static_file.read_bytes()[:20])
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


LOCMEM_TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [settings.BASE_DIR / "templates"],
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "remote.html": '{% extends "pdf/base.html" %}{% block content %}'
                        '<link rel="stylesheet" href="https://example.com/x.css">'
                        '<img src="http://example.com/x.png"><p>Nội dung</p>{% endblock %}'
                    },
                ),
                "django.template.loaders.filesystem.Loader",
            ]
        },
    }
]


@override_settings(TEMPLATES=LOCMEM_TEMPLATES)
def test_rendering_never_opens_a_connection(monkeypatch):
    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))

    pdf = render_pdf("remote.html", {"header": commune_header(TAN_DONG, on=date(2026, 11, 29)), "document_title": "X"})

    assert "Nội dung" in text_of(pdf)
    assert connections == []


def test_pdf_response_is_inline_with_an_ascii_and_a_utf8_filename():
    response = pdf_response(b"%PDF-1.7", "Danh sách công khai Xã Tân Đông 2026.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "inline; filename=\"Danh-sach-cong-khai-Xa-Tan-Dong-2026.pdf\"; filename*=UTF-8''"
        + quote("Danh sách công khai Xã Tân Đông 2026.pdf", safe="")
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == b"%PDF-1.7"


def test_ascii_filename_keeps_nothing_a_header_could_trip_on():
    assert ascii_filename('Quyết định 125/QĐ-UBND "x";\r\n.pdf') == "Quyet-dinh-125-QD-UBND-x-.pdf"
    assert ascii_filename("Đặc khu Côn Đảo.pdf") == "Dac-khu-Con-Dao.pdf"
    assert ascii_filename("///") == "document.pdf"


def test_pdf_response_turns_a_slash_of_the_utf8_name_into_a_dash():
    response = pdf_response(b"%PDF-1.7", "Quyết định 125/QĐ-UBND.pdf")

    assert response["Content-Disposition"].endswith("filename*=UTF-8''" + quote("Quyết định 125-QĐ-UBND.pdf", safe=""))
