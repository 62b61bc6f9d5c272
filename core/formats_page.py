"""The product's documentation pages, rendered from the Markdown in ``docs/`` once per process:
``docs/formats.md`` for ``core:formats`` and the user guide ``docs/huong-dan/`` for ``core:guide``.

The Markdown stays readable in the repository (links between files, pictures beside them); the
rendering turns those relative links into the product's addresses."""

import functools
import re

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

FORMATS_FILE = "docs/formats.md"
GUIDE_DIR = "docs/huong-dan"
GUIDE_INDEX = "README.md"
GUIDE_IMAGES = "anh"
# A guide page or picture is named by lower-case letters, digits and hyphens: nothing else of the
# repository can be reached through these addresses.
GUIDE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def render_markdown(text: str) -> str:
    """Markdown as HTML, tables styled as the product's tables."""
    import markdown

    html = markdown.markdown(text, extensions=["tables"], output_format="html")
    html = html.replace("<table>", '<div class="table-responsive"><table class="table table-sm table-striped">')
    return html.replace("</table>", "</table></div>")


@functools.cache
def formats_html() -> str:
    """docs/formats.md as HTML; the link to the rules file (not served) stays as its name in code."""
    html = render_markdown((settings.BASE_DIR / FORMATS_FILE).read_text(encoding="utf-8"))
    html = re.sub(r'<a href="rules-and-formats\.md">(.*?)</a>', r"\1", html)
    return mark_safe(html)


# --- the user guide ------------------------------------------------------------------------------


def guide_dir():
    return settings.BASE_DIR / GUIDE_DIR


@functools.cache
def guide_pages() -> tuple[str, ...]:
    """The guide's pages by name ("" is the index), in the order of the index's links."""
    names = sorted(path.stem for path in guide_dir().glob("*.md") if path.name != GUIDE_INDEX)
    index = (guide_dir() / GUIDE_INDEX).read_text(encoding="utf-8")
    linked = [name for name in re.findall(r"\]\(([a-z0-9-]+)\.md\)", index) if name in names]
    ordered = list(dict.fromkeys(linked)) + [name for name in names if name not in linked]
    return ("", *ordered)


def guide_page_file(name: str):
    """The Markdown file of a page name, or None for a name that is not a page of the guide."""
    if name == "":
        return guide_dir() / GUIDE_INDEX
    if not GUIDE_NAME.fullmatch(name) or name not in guide_pages():
        return None
    return guide_dir() / f"{name}.md"


def guide_image_file(filename: str):
    """The picture of a name such as ``can-bo-ho.png``, or None."""
    stem, dot, extension = filename.rpartition(".")
    if not dot or extension != "png" or not GUIDE_NAME.fullmatch(stem):
        return None
    path = guide_dir() / GUIDE_IMAGES / filename
    return path if path.is_file() else None


def _guide_link(match: re.Match) -> str:
    attribute, target = match.group(1), match.group(2)
    path, _, anchor = target.partition("#")
    anchor = f"#{anchor}" if anchor else ""
    if path.startswith(f"{GUIDE_IMAGES}/"):
        return f'{attribute}="{reverse("core:guide_image", args=[path.removeprefix(GUIDE_IMAGES + "/")])}"'
    if path == GUIDE_INDEX:
        return f'{attribute}="{reverse("core:guide")}{anchor}"'
    if path == "../formats.md":
        return f'{attribute}="{reverse("core:formats")}{anchor}"'
    if path.endswith(".md") and GUIDE_NAME.fullmatch(path.removesuffix(".md")):
        return f'{attribute}="{reverse("core:guide_page", args=[path.removesuffix(".md")])}{anchor}"'
    if path == "" and anchor:
        return f'{attribute}="{anchor}"'
    return match.group(0)


@functools.cache
def guide_html(name: str) -> tuple[str, str]:
    """A guide page as (title, HTML): its first heading is the title, its relative links and
    pictures point at the product's own addresses."""
    text = guide_page_file(name).read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    html = render_markdown(text)
    html = re.sub(r'(href|src)="([^":]*)"', _guide_link, html)
    html = html.replace("<img ", '<img class="guide-picture" loading="lazy" ')
    return title, mark_safe(html)
