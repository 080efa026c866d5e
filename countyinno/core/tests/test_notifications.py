import pytest
from django.contrib.auth import get_user_model

from countyinno.core.models import Notification
from countyinno.core.notifications import notify, unread_count


@pytest.mark.django_db
def test_notices_reach_each_user_once_and_can_be_read(client):
    User = get_user_model()
    a = User.objects.create(username="notice-a", role="talent")
    b = User.objects.create(username="notice-b", role="talent", is_active=False)
    assert notify([a, a, b, None], kind="test", title="新的意向", url="/market/") == 1
    assert unread_count(a) == 1
    client.force_login(a)
    page = client.get("/notifications/")
    assert "新的意向" in page.content.decode() and 'class="badge">1<' in page.content.decode()
    client.post("/notifications/")
    assert unread_count(a) == 0 and Notification.objects.get(user=a).read_at is not None
    other = User.objects.create(username="notice-c", role="talent")
    client.force_login(other)
    assert "新的意向" not in client.get("/notifications/").content.decode()
