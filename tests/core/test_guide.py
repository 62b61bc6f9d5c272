"""The user guide (docs/huong-dan/, issue 16): every page renders in the product, every picture it shows
exists and is served, every label it quotes is one the interface writes, and the menu links to it.

The guide's convention: a label of the interface (menu item, button, link, heading) is written in
**bold**, exactly as the screen shows it. The labels are compared with the catalogue
(locale/vi/LC_MESSAGES/django.po, read when the test runs) and the templates' own text, so a label
renamed in the interface fails here until the guide says the new one."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from core.formats_page import guide_html, guide_pages

GUIDE = Path(settings.BASE_DIR) / "docs" / "huong-dan"
PICTURES = GUIDE / "anh"
PAGES = guide_pages()
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
PICTURE = re.compile(r"!\[([^\]]*)\]\((anh/[^)]+)\)")
# A placeholder of a translation ("Tải về %(label)s", "Chuyển sang “%(step)s”") stands for any words.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\{[^}]*\}\}")


def page_file(name: str) -> Path:
    return GUIDE / (f"{name}.md" if name else "README.md")


def one_line(text: str) -> str:
    return " ".join(text.split())


def interface_labels() -> set[str]:
    """Every Vietnamese text of the interface: the catalogue's translations (read now, not at import)
    and the text between the templates' tags (labels written in the template itself). A translation
    with a placeholder is there as a pattern (see ``written_by_the_interface``)."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    labels = set()
    for entry in catalogue:
        labels.add(one_line(entry.msgstr))
        labels.update(one_line(text) for text in entry.msgstr_plural.values())
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        for text in re.findall(r">([^<>{}]+)<", template.read_text(encoding="utf-8")):
            labels.add(one_line(text))
    labels.discard("")
    return labels


def written_by_the_interface(label: str, labels: set[str]) -> bool:
    if label in labels:
        return True
    patterns = (text for text in labels if PLACEHOLDER.search(text))
    return any(re.fullmatch(".+".join(re.escape(part) for part in PLACEHOLDER.split(text)), label) for text in patterns)


def quoted_labels() -> list[tuple[str, str]]:
    return [
        (name or "README", one_line(label))
        for name in PAGES
        for label in BOLD.findall(page_file(name).read_text(encoding="utf-8"))
    ]


def test_the_guide_has_a_page_for_each_role_in_the_order_of_its_index():
    assert PAGES == ("", "cong-chuc", "ra-soat", "chu-tich", "tinh")


@pytest.mark.parametrize("name", PAGES)
def test_every_guide_page_renders_for_a_signed_in_officer(client_for, name):
    url = reverse("core:guide_page", args=[name]) if name else reverse("core:guide")
    response = client_for("tandong_officer").get(url)

    assert response.status_code == 200
    page = response.content.decode()
    title, _html = guide_html(name)
    assert f"<h1>{title}</h1>" in page
    # Every page of the guide is listed beside it, the current one marked.
    for other in PAGES:
        assert (reverse("core:guide_page", args=[other]) if other else reverse("core:guide")) in page
    pages_list = page.split('data-testid="guide-pages"', 1)[1].split("</nav>", 1)[0]
    assert pages_list.count('aria-current="page"') == 1
    # Links between the files became the product's addresses; the Content-Security-Policy holds.
    article = page.split('data-testid="guide"', 1)[1]
    assert ".md" not in re.sub(r"<code>.*?</code>", "", article)
    assert 'src="anh/' not in article
    assert "style=" not in article


def test_the_index_links_every_page_and_the_file_formats(client_for):
    page = client_for("tandong_committee").get(reverse("core:guide")).content.decode()

    for name in PAGES[1:]:
        assert f'href="{reverse("core:guide_page", args=[name])}"' in page
    assert f'href="{reverse("core:formats")}"' in page


@pytest.mark.parametrize("name", PAGES)
def test_every_picture_a_page_shows_exists_is_described_and_is_served(client_for, name):
    pictures = PICTURE.findall(page_file(name).read_text(encoding="utf-8"))
    client = client_for("tayninh_province")

    for alt, path in pictures:
        assert alt.strip(), f"{path}: a picture needs its description (alt text)"
        assert (GUIDE / path).is_file(), f"{path} is missing: run `make guide`"
        url = reverse("core:guide_image", args=[path.removeprefix("anh/")])
        assert f'src="{url}"' in guide_html(name)[1]
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == (GUIDE / path).read_bytes()


def test_every_picture_of_the_folder_is_shown_small_and_at_the_laptop_width():
    """No picture left over from an older guide, each under 150 KB, all under 3 MB."""
    shown = {path for name in PAGES for _alt, path in PICTURE.findall(page_file(name).read_text(encoding="utf-8"))}
    files = sorted(PICTURES.glob("*"))

    assert {f"anh/{file.name}" for file in files} == shown
    assert all(file.stat().st_size < 150_000 for file in files), [f.name for f in files if f.stat().st_size >= 150_000]
    assert sum(file.stat().st_size for file in files) < 3_000_000
    for file in files:
        header = file.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(header[16:20], "big") == 1366, file.name


@pytest.fixture(scope="module")
def labels() -> set[str]:
    return interface_labels()


@pytest.mark.parametrize(("page", "label"), quoted_labels())
def test_every_label_the_guide_quotes_is_written_by_the_interface(labels, page, label):
    assert written_by_the_interface(label, labels), f"{page}: **{label}** is not a label of the interface"


def test_a_label_the_interface_does_not_write_is_caught(labels):
    assert written_by_the_interface("Lập hồ sơ trợ cấp", labels)
    assert written_by_the_interface("Tải về PDF", labels)  # "Download %(label)s"
    assert not written_by_the_interface("Lập hồ sơ trợ cấp ngay", labels)
    assert not written_by_the_interface("Tải lên PDF", labels)


@pytest.mark.parametrize("role", ["tandong_officer", "tandong_committee", "tandong_chair", "tayninh_province", "admin"])
def test_every_signed_in_role_finds_the_guide_in_the_menu(client_for, role):
    page = client_for(role).get(reverse("core:home")).content.decode()

    more = page.split('data-testid="menu-more"', 1)[1]
    assert f'href="{reverse("core:guide")}" data-menu-entry>Hướng dẫn sử dụng</a>' in more


def test_the_guide_is_for_signed_in_users_and_names_nothing_else(client_for):
    anonymous = client_for("anonymous")
    officer = client_for("tandong_officer")

    assert anonymous.get(reverse("core:guide")).status_code == 302
    assert anonymous.get(reverse("core:guide_image", args=["cong-chuc-trang-chu.png"])).status_code == 302
    # Only the guide's own pages and pictures: not its index by file name, not another file of docs/.
    for page in ("README", "readme", "khong-co"):
        assert officer.get(reverse("core:guide_page", args=[page])).status_code == 404
    for picture in ("khong-co.png", "cong-chuc-trang-chu.jpg", "..%2Fcong-chuc.md", "cong-chuc-trang-chu"):
        assert officer.get(f"/help/guide/anh/{picture}").status_code == 404
