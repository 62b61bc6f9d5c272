from django.urls import reverse


def test_officer_home_shows_the_empty_work_list_and_own_commune(client_for, units):
    page = client_for("tandong_officer").get(reverse("core:home")).content.decode()

    assert "Không có việc nào đang chờ." in page
    assert "Xã Tân Đông" in page
    assert "Phường Bình Minh" not in page


def test_provincial_viewer_home_lists_the_communes_in_scope_and_no_work_list(client_for, units):
    page = client_for("tayninh_province").get(reverse("core:home")).content.decode()

    assert "Các xã/phường trong phạm vi theo dõi" in page
    assert "Xã Tân Đông" in page and "Phường Bình Minh" in page
    assert "Phường Bến Thành" not in page
    assert "Việc cần làm hôm nay" not in page


def test_work_items_from_registered_providers_appear(client_for, units, monkeypatch):
    from core import worklists

    monkeypatch.setattr(worklists, "_providers", [])
    worklists.register_worklist_provider(
        lambda user: [worklists.WorkItem(title=f"Hồ sơ của {user.username}", url="/x/", count=3)]
    )

    page = client_for("tandong_officer").get(reverse("core:home")).content.decode()

    assert "Hồ sơ của tandong.officer" in page
    assert '<span class="badge text-bg-primary">3</span>' in page


def test_home_query_count_is_fixed(client_for, units, django_assert_num_queries):
    client = client_for("tayninh_province")
    # session, user, communes with their village counts, then the session save that slides its
    # expiry (SESSION_SAVE_EVERY_REQUEST) inside a savepoint: 6, whatever the number of communes.
    with django_assert_num_queries(6):
        client.get(reverse("core:home"))
