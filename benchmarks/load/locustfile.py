"""Officials and enterprises browsing, searching and submitting (CountyInno load scenario).

Run with benchmarks/load/run.sh (gunicorn + PostgreSQL on 127.0.0.1, demo data); bounded in users
and time, traffic only to the loopback address.
"""

import random

from locust import HttpUser, between, task

PASSWORD = "CountyInno@2026"
COUNTIES = ["370102", "370103", "370211", "370783", "370481", "370682", "371082", "370883", "371321", "371525"]


class Official(HttpUser):
    wait_time = between(0.5, 2)
    weight = 3

    def on_start(self):
        self.county = random.choice(COUNTIES)
        self.client.get("/login/")
        self.client.post("/login/", {"username": f"county-{self.county}", "password": PASSWORD,
                                     "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                         headers={"Referer": self.host + "/login/"}, name="/login/ [POST]")

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
    def region(self):
        self.client.get(f"/regions/{self.county}/", name="/regions/<code>/ (detail)")

    @task(1)
    def api(self):
        self.client.get("/api/monitoring/results/?page_size=20", name="/api/monitoring/results/ (list)")


class EnterpriseUser(HttpUser):
    wait_time = between(0.5, 2)
    weight = 1

    def on_start(self):
        self.county = random.choice(COUNTIES)
        self.client.get("/login/")
        self.client.post("/login/", {"username": f"enterprise-{self.county}", "password": PASSWORD,
                                     "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                         headers={"Referer": self.host + "/login/"}, name="/login/ [POST]")

    @task(3)
    def my_enterprise(self):
        self.client.get("/enterprises/", name="/enterprises/ (detail + gap report)")

    @task(1)
    def file_demand(self):
        self.client.get("/talent/", name="/talent/ (page)")
        self.client.post("/talent/demands/new/", {
            "problem": "生产线自动化改造与质量检测技术指导", "fields": "先进制造与自动化", "keywords": "检测",
            "days_needed": "20", "year": "2026", "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            headers={"Referer": self.host + "/talent/"}, name="/talent/demands/new/ (submit)")
