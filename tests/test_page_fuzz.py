"""Every HTML page, as every role, with random and hostile parameters: never a server error.

The crawler logs in as each role (and as an anonymous visitor), follows the links it is shown from the
home page, and fetches every page it finds once plainly and then with hostile values for every
parameter the page's forms name plus the ones pages commonly read (year, month, page, …). Any 5xx fails.
"""

import random
import re
from collections import deque
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from countyinno.accounts.models import User

# One person of every role and organisation kind, found in the demo data.
ROLE_FILTERS = [{"role": "province_admin"}, {"role": "city_admin"}, {"role": "county_admin"},
                {"role": "org_member", "organisation__kind": "enterprise"},
                {"role": "org_member", "organisation__kind": "university"},
                {"role": "org_member", "organisation__kind": "agency"},
                {"role": "org_member", "organisation__kind": "park"}, {"role": "talent"}]
SKIP = ("/logout", "/static/", "/admin/", "/i18n/", "/api/docs", "/api/schema", "/media/")
COMMON_PARAMS = ["year", "month", "page", "run", "metric", "city", "county", "status", "q", "kind", "field",
                 "since", "until", "sort", "page_size", "type", "level", "campaign", "node", "format"]
HOSTILE = ["abc", "-1", "0", "13", "99999999999999999999999", "2026-13-45", "1e309", "NaN", "<script>alert(1)</script>",
           "' OR 1=1 --", "\x00", "%", "../../etc/passwd", "３７", "", "[]", "{\"a\":1}", "9" * 400]
PAGES_PER_ROLE = 140
HREF = re.compile(r'href="(/[^"#]*)"')
FORM_FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def crawl(client: Client, start: str = "/"):
    seen, queue, pages = set(), deque([start]), []
    while queue and len(pages) < PAGES_PER_ROLE:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or path.startswith(SKIP) or path.endswith((".pdf", ".xlsx", ".zip", ".atom")):
            continue
        seen.add(url)
        response = client.get(url)
        pages.append((url, response.status_code))
        if response.status_code >= 500:
            continue
        if response.get("Content-Type", "").startswith("text/html"):
            for link in HREF.findall(response.content.decode("utf-8", "replace")):
                link = link.replace("&amp;", "&")
                if link not in seen:
                    queue.append(link)
    return pages


@pytest.mark.django_db(transaction=True)
def test_no_page_answers_5xx_to_any_role_or_parameter(shandong, settings):
    settings.DEBUG = False
    call_command("demo", scale=0.03, stdout=open("/dev/null", "w"))
    rng = random.Random(2026)
    failures = []
    people = [User.objects.filter(is_active=True, **f).order_by("username").first() for f in ROLE_FILTERS]
    for person in [p for p in people if p is not None] + [None]:
        username = getattr(person, "username", "anonymous")
        client = Client(raise_request_exception=False)
        if person is not None:
            client.force_login(person)
        pages = crawl(client)
        failures += [f"{username}: GET {url} → {status}" for url, status in pages if status >= 500]
        paths = sorted({urlsplit(url).path for url, status in pages if status < 500})
        for path in paths:
            fields = set(FORM_FIELD.findall(client.get(path).content.decode("utf-8", "replace")))
            params = COMMON_PARAMS + sorted(fields - {"csrfmiddlewaretoken"})
            for _ in range(3):
                query = {name: rng.choice(HOSTILE) for name in rng.sample(params, min(len(params), 6))}
                url = f"{path}?{urlencode(query)}"
                status = client.get(url).status_code
                if status >= 500:
                    failures.append(f"{username}: GET {url} → {status}")
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:80])
