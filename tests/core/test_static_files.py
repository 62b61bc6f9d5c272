"""Issue 16: a favicon, and static files as production serves them in `make run` too (DEBUG off):
hashed names, gzip and Brotli copies, cached for a year by WhiteNoise. The suite itself keeps plain
storage (casework/settings/test.py: no collectstatic before a test); the choice is the base settings'."""

from django.conf import settings
from django.urls import reverse

from casework.settings import base


def test_base_settings_serve_hashed_compressed_static_files_when_debug_is_off():
    assert base.DEBUG is False
    assert base.STORAGES["staticfiles"] == {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in base.MIDDLEWARE


def test_every_page_links_the_favicon(client_for):
    page = client_for("tandong_officer").get(reverse("core:home")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert (
        (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    )
