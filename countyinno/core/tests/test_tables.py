import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from countyinno.core.models import Job
from countyinno.core.tables import BaseTable, configure


class JobTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = Job
        fields = ("title", "status")


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?sort=title", "?sort=-status", "?sort=nonsense", "?page=999", "?page=abc",
                                   "?page=-1"])
def test_tables_sort_and_page_without_failing(query):
    user = get_user_model().objects.create(username="tables", role="talent")
    for i in range(60):
        Job.objects.create(kind="core.selfcheck", title=f"任务{i:02d}", created_by=user)
    request = RequestFactory().get(f"/jobs/{query}")
    request.user = user
    table = configure(request, JobTable(Job.objects.all()))
    html = table.as_html(request)
    assert 'class="list"' in html and "任务" in html
