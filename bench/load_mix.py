"""The locust users of `bench.load`: staff of every role signed in through the sign-in form,
each doing what that role does, with 1-3 s of thinking between actions, and an API client.

Run by `bench.load` (`locust -f bench/load_mix.py`); the samples it reads (customer ids, e-mails,
name words, phones, organisation nodes, the API token) come from the JSON file named by
BENCH_LOAD_SAMPLES. BENCH_LOAD_THINK=0 drops the thinking (the single-user baseline).
"""

from __future__ import annotations

import json
import os
import random
import re
import time

from locust import FastHttpUser, between, constant, task

SAMPLES = json.loads(open(os.environ["BENCH_LOAD_SAMPLES"]).read())  # noqa: SIM115
THINK = between(1, 3) if os.environ.get("BENCH_LOAD_THINK", "1") != "0" else constant(0)
HX = {"HX-Request": "true"}
TABS = ("addresses", "preferences", "interactions", "segment", "history")
SIGN_IN_TRIES = 3
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# FastHttpUser (geventhttpclient): the load tool runs on the cores it measures, and the
# requests-based HttpUser took 1.3-1.4 ms of CPU per request against 0.4-0.6 (bench.load, 1M).
class Staff(FastHttpUser):
    abstract = True
    wait_time = THINK
    account = ""

    def on_start(self) -> None:
        """Sign in as a person does: the form, its CSRF token, the post; after a "busy, try
        again" (503, counted as a failure) again once the Retry-After has passed."""
        for _ in range(SIGN_IN_TRIES):
            form = self.client.get("/auth/sign-in", name="sign-in form")
            token = CSRF.search(form.text).group(1)
            email, password = SAMPLES["accounts"][self.account]
            with self.client.post(
                "/auth/sign-in",
                data={"email": email, "password": password, "csrf_token": token},
                name="sign-in",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code == 303:
                    return
                response.failure(f"sign-in answered {response.status_code}")
                retry_after = int(response.headers.get("Retry-After", 0))
            if not retry_after:
                return
            time.sleep(retry_after)

    def search(self, kind: str, typed: str) -> None:
        """Search as you type: the results after each keystroke from the third on."""
        for end in range(min(3, len(typed)), len(typed) + 1):
            self.client.get(
                "/customers/",
                params={"q": typed[:end]},
                headers={**HX, "HX-Target": "customer-results"},
                name=f"search by {kind}",
            )

    @task(4)
    def search_by_name(self) -> None:
        self.search("name", random.choice(SAMPLES["words"])[:6])

    @task(2)
    def search_by_email(self) -> None:
        self.search("e-mail", random.choice(SAMPLES["emails"]).split("@")[0][:7])

    @task(1)
    def search_by_phone(self) -> None:
        self.search("phone", random.choice(SAMPLES["phones"])[-7:])

    @task(4)
    def profile_and_tabs(self) -> None:
        customer = random.choice(SAMPLES["customers"])
        self.client.get(f"/customers/{customer}", name="profile")
        for tab in random.sample(TABS, 2):
            self.client.get(
                f"/customers/{customer}",
                params={"tab": tab},
                headers={**HX, "HX-Target": "profile-tabs"},
                name="profile tab",
            )
        self.client.get(f"/segments/customers/{customer}", headers=HX, name="profile segment")


class Sales(Staff):
    weight = 4
    account = "sales"

    @task(1)
    def organisations(self) -> None:
        self.client.get("/organizations/", name="organisations")
        node = random.choice(SAMPLES["nodes"])
        self.client.get(f"/organizations/nodes/{node}", name="organisation node")
        self.client.get(f"/organizations/nodes/{node}/children", headers=HX, name="node children")


class Support(Staff):
    weight = 3
    account = "support"


class Marketing(Staff):
    weight = 1
    account = "marketing"

    @task(2)
    def segments(self) -> None:
        self.client.get("/segments/", name="segments")


class Finance(Staff):
    weight = 1
    account = "finance"

    @task(2)
    def approvals(self) -> None:
        self.client.get("/approvals/", name="approvals")
        self.client.get("/approvals/count", headers=HX, name="approvals count")


class ComplianceOfficer(Staff):
    weight = 1
    account = "compliance"

    @task(2)
    def compliance(self) -> None:
        self.client.get("/compliance/", name="compliance requests")
        customer = random.choice(SAMPLES["customers"])
        self.client.get(
            f"/compliance/customers/{customer}/consent", headers=HX, name="profile consent"
        )

    @task(1)
    def audit(self) -> None:
        self.client.get("/admin/audit", name="audit log")


class Administrator(Staff):
    weight = 1
    account = "administrator"

    @task(1)
    def audit(self) -> None:
        self.client.get("/admin/audit", name="audit log")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home")


class ApiClient(FastHttpUser):
    """Another system reading customers by id and by e-mail with a bearer token."""

    weight = 2
    wait_time = THINK
    default_headers = {"Authorization": f"Bearer {SAMPLES['token']}"}

    @task(2)
    def by_id(self) -> None:
        customer = random.choice(SAMPLES["customers"])
        self.client.get(f"/api/v1/customers/{customer}", name="API customer by id")

    @task(1)
    def by_email(self) -> None:
        email = random.choice(SAMPLES["emails"]).upper()
        self.client.get("/api/v1/customers", params={"email": email}, name="API by e-mail")
