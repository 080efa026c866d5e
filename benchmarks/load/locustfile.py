"""Officials, enterprises, talents and the public on every page type (CountyInno load scenario).

Run with benchmarks/load/run.sh (gunicorn + PostgreSQL on 127.0.0.1, demo data): a log-in ramp of
100 users, then lists, searches, details and the role home pages. Bounded in users and time; traffic
only to the loopback address. Results per page (p50 / p95 / p99) land in var/load_stats.csv.
"""

import random
import re

from locust import HttpUser, between, task

PASSWORD = "CountyInno@2026"
COUNTIES = ["370102", "370103", "370211", "370783", "370481", "370682", "371082", "370883", "371321", "371525"]
CITIES = ["370100", "370200", "370300", "370600", "370700", "371300"]
QUERIES = ["智能制造", "储能电池", "小麦", "新材料", "检测", "生物医药"]


def log_in(user, username):
    user.client.get("/login/", name="/login/ (page)")
    user.client.post("/login/", {"username": username, "password": PASSWORD,
                                 "csrfmiddlewaretoken": user.client.cookies.get("csrftoken", "")},
                     headers={"Referer": user.host + "/login/"}, name="/login/ [POST]")


class Browsing(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def listing_detail(self):
        page = self.client.get(f"/market/?q={random.choice(QUERIES)}", name="/market/?q= (search)")
        ids = re.findall(r'href="/market/listings/(\d+)/"', page.text)
        if ids:
            self.client.get(f"/market/listings/{random.choice(ids)}/", name="/market/listings/<id>/ (detail)")


class CountyOfficial(Browsing):
    weight = 3

    def on_start(self):
        self.county = random.choice(COUNTIES)
        log_in(self, f"county-{self.county}")

    @task(3)
    def home(self):
        self.client.get("/", name="/ (role home)")

    @task(3)
    def ranking(self):
        self.client.get("/monitoring/rankings/", name="/monitoring/rankings/ (list)")

    @task(2)
    def organisations(self):
        self.client.get("/accounts/organisations/?q=科技", name="/accounts/organisations/?q= (search)")

    @task(2)
    def enterprises(self):
        self.client.get("/enterprises/?q=智能", name="/enterprises/?q= (search)")

    @task(2)
    def contracts(self):
        self.client.get("/contracts/", name="/contracts/ (list)")

    @task(1)
    def questions(self):
        self.client.get("/rural/questions/", name="/rural/questions/ (list)")

    @task(1)
    def region(self):
        self.client.get(f"/regions/{self.county}/", name="/regions/<code>/ (detail)")

    @task(1)
    def market(self):
        self.listing_detail()

    @task(1)
    def api(self):
        self.client.get("/api/monitoring/results/?page_size=20", name="/api/monitoring/results/ (list)")


class CityOfficial(Browsing):
    weight = 1

    def on_start(self):
        log_in(self, f"city-{random.choice(CITIES)}")

    @task(2)
    def home(self):
        self.client.get("/", name="/ (role home)")

    @task(2)
    def monitoring(self):
        self.client.get("/monitoring/", name="/monitoring/ (campaigns)")

    @task(1)
    def review(self):
        self.client.get("/market/review/", name="/market/review/ (queue)")

    @task(1)
    def talent(self):
        self.client.get("/talent/", name="/talent/ (page)")


class EnterpriseUser(Browsing):
    weight = 2

    def on_start(self):
        log_in(self, f"enterprise-{random.choice(COUNTIES)}")

    @task(2)
    def home(self):
        self.client.get("/", name="/ (role home)")

    @task(3)
    def my_enterprise(self):
        self.client.get("/enterprises/", name="/enterprises/ (own)")

    @task(3)
    def market(self):
        self.listing_detail()

    @task(1)
    def contracts(self):
        self.client.get("/contracts/", name="/contracts/ (list)")


class Public(Browsing):
    """Farmers and visitors without an account."""

    weight = 1

    @task(2)
    def market(self):
        self.listing_detail()

    @task(1)
    def rural(self):
        self.client.get("/rural/", name="/rural/ (public)")

    @task(1)
    def landing(self):
        self.client.get("/", name="/ (public home)")
