"""``docs/formats.md`` rendered once per process for the page ``core:formats``."""

import functools
import re

from django.conf import settings
from django.utils.safestring import mark_safe

FORMATS_FILE = "docs/formats.md"


@functools.cache
def formats_html() -> str:
    """The Markdown as HTML, tables styled as the product's tables; the link to the rules file
    (not served) stays as its name in code."""
    import markdown

    text = (settings.BASE_DIR / FORMATS_FILE).read_text(encoding="utf-8")
    html = markdown.markdown(text, extensions=["tables"], output_format="html")
    html = html.replace("<table>", '<div class="table-responsive"><table class="table table-sm table-striped">')
    html = html.replace("</table>", "</table></div>")
    html = re.sub(r'<a href="rules-and-formats\.md">(.*?)</a>', r"\1", html)
    return mark_safe(html)
