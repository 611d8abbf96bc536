"""Crash safety (SECURITY.md G-DATA-2): kill -9 every app process in the middle of concurrent submissions.

8 simulated patients save pages and send visits through gunicorn; after a random 1-5 s every process of the
server (master and workers) gets SIGKILL; the server is started again and the patients carry on (retrying
what failed, exactly as a phone would). Repeated ROUNDS times. Then: every acknowledged answer is stored as
acknowledged, the database passes its integrity check and the audit hash chain verifies.

    python bench/crashtest.py --rounds 10 [--postgres URL]
"""
import argparse
import http.client
import http.cookiejar
import json
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadtest import PAGES, make_app, prepare, scratch_database, verify  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Submitter(threading.Thread):
    """One patient after another: open the link, save every page, send; retry whatever fails."""

    def __init__(self, base: str, tokens: list[str], acks: list, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.tokens, self.acks, self.stop = base, tokens, acks, stop
        self.errors = 0

    def _open(self, opener, url, data=None):
        request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def run(self):
        no_redirect = type("NoRedirect", (urllib.request.HTTPRedirectHandler,),
                           {"redirect_request": lambda *args, **kwargs: None})
        while not self.stop.is_set() and self.tokens:
            token = self.tokens.pop()
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), no_redirect)
            steps = [("open", None)] + list(PAGES.items()) + [("send", None)]
            index = 0
            while index < len(steps) and not self.stop.is_set():
                key, form = steps[index]
                try:
                    if key == "open":
                        status, _ = self._open(opener, f"{self.base}/s/{token}")
                        ok = status == 302
                    else:
                        page_url = f"{self.base}/s/check" if key == "send" else f"{self.base}/s/{key}"
                        status, html = self._open(opener, page_url)
                        match = CSRF.search(html)
                        if status != 200 or not match:
                            raise ConnectionError(f"page {status}")
                        target = f"{self.base}/s/send" if key == "send" else page_url
                        status, _ = self._open(opener, target, {"csrf_token": match.group(1), **(form or {})})
                        ok = status == 302
                        if ok:  # the server acknowledged: it must be stored
                            self.acks.append({"token": token, "page": key, "form": form})
                    if not ok:
                        raise ConnectionError(f"status {status}")
                    index += 1
                except (OSError, ConnectionError, http.client.HTTPException):  # incl. a reply cut off by kill -9
                    self.errors += 1
                    time.sleep(0.2)  # the server is down or restarting: try the same step again


def run(uri: str, rounds: int, submitters: int = 8, workers: int = 3, seed: int = 1) -> dict:
    from tests.server import Gunicorn

    rng = random.Random(seed)
    tokens = prepare(uri, submitters * (rounds + 2))
    remaining = list(tokens)
    acks: list = []
    stop = threading.Event()
    server = Gunicorn(uri, workers=workers)
    server.start()
    threads = [Submitter(server.url, remaining, acks, stop) for _ in range(submitters)]
    for thread in threads:
        thread.start()
    kills = []
    for _ in range(rounds):
        delay = rng.uniform(1, 5)
        time.sleep(delay)
        before = len(acks)
        server.kill()
        kills.append({"after_s": round(delay, 2), "acks_so_far": before})
        server = Gunicorn(uri, workers=workers, port=server.port)
        server.start()
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    server.stop()

    ack_dir = Path(make_scratch_dir())
    (ack_dir / "acks.jsonl").write_text("".join(json.dumps(a) + "\n" for a in acks))
    result = verify(uri, tokens, ack_dir)
    app = make_app(uri)
    with app.app_context():
        from pro_app import audit
        from pro_app.extensions import db

        rows, problems = audit.verify_chain()
        db.session.remove()  # give the connection back before the pool goes, or it is dropped open
        db.engine.dispose()
    result.update(rounds=rounds, kills=kills, connection_errors=sum(t.errors for t in threads),
                  audit_rows=rows, audit_problems=problems)
    return result


def make_scratch_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="sscore-crash-")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    uri, drop = scratch_database(args.postgres)
    try:
        result = run(uri, args.rounds)
    finally:
        drop()
    print(json.dumps({k: v for k, v in result.items() if k != "kills"}, indent=2, default=str))
    ok = result["acknowledged_but_missing"] == 0 and result["integrity"] in ("ok", "n/a") and not result["audit_problems"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
