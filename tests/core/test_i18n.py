from django.urls import reverse


def test_vietnamese_is_the_default_even_for_an_english_browser(client_for):
    response = client_for("tandong_officer").get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert "Việc cần làm hôm nay" in page
    assert "Không có việc nào đang chờ." in page


def test_the_switch_changes_the_language_and_it_sticks(client_for):
    client = client_for("tandong_officer")

    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("core:home")).content.decode()

    assert switched.status_code == 302
    assert '<html lang="en">' in page
    assert "Today's work" in page
    assert "Nothing is waiting for you." in page


def test_404_page_is_in_vietnamese(client_for):
    response = client_for("tandong_officer").get("/communes/25480/")

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_every_vietnamese_translation_is_complete():
    from pathlib import Path

    import polib

    po = polib.pofile(str(Path(__file__).resolve().parents[2] / "locale/vi/LC_MESSAGES/django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
