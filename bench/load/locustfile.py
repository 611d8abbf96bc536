"""Locust: simulated patients answering and submitting their visit (SECURITY.md G-DATA-1).

Each simulated patient takes an unused survey link, opens it, and for every page GETs it (for the CSRF
token), thinks ~1 s and POSTs its answers; a 302 is the server's acknowledgement, which the user records in
ACK_DIR. After the last page it sends the visit. Then it takes the next link. Redirects are not followed, so
every request is measured on its own.
"""
import json
import os
import re
import uuid

from locust import FastHttpUser, between, task
from locust.exception import StopUser

TOKENS = json.loads(open(os.environ["LOAD_TOKENS"]).read())
PAGES = json.loads(open(os.environ["LOAD_PAGES"]).read())
ACK_DIR = os.environ["LOAD_ACK_DIR"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Patient(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.acks = open(os.path.join(ACK_DIR, f"{uuid.uuid4().hex}.jsonl"), "a")

    def on_stop(self):
        self.acks.close()

    def _ack(self, **record):
        self.acks.write(json.dumps(record) + "\n")
        self.acks.flush()

    @task
    def visit(self):
        if not TOKENS:
            raise StopUser()
        token = TOKENS.pop()
        with self.client.get(f"/s/{token}", name="/s/[token]", allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"link refused: {r.status_code}")
                return
        for key, form in PAGES.items():
            page = self.client.get(f"/s/{key}", name="/s/[page] GET")
            match = CSRF.search(page.text or "")
            if page.status_code != 200 or not match:
                return
            self.wait()
            data = {"csrf_token": match.group(1), **form}
            with self.client.post(f"/s/{key}", data=data, name="/s/[page] POST", allow_redirects=False,
                                  catch_response=True) as response:
                if response.status_code == 302:
                    self._ack(token=token, page=key, form=form)
                else:
                    response.failure(f"save refused: {response.status_code}")
                    return
        check = self.client.get("/s/check", name="/s/check")
        match = CSRF.search(check.text or "")
        if not match:
            return
        with self.client.post("/s/send", data={"csrf_token": match.group(1)}, name="/s/send", allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code == 302:
                self._ack(token=token, page="send")
            else:
                response.failure(f"send refused: {response.status_code}")
