"""Every performance figure of issue 10 in one run: `make bench` (= `python bench/run.py`).

1. Builds two SQLite databases from the migrations with scaled-up demo data (bench/scale_data.py): 1,000 and
   10,000 patients (10,000 and 100,000 visits), a clinician of the bench site and a survey link.
2. Serves the 10,000-patient database with gunicorn (several workers, loopback) and measures with `wrk`:
   a bare `/healthz`, a survey page GET and a survey page-save POST (same server, same run: ratios), with p99
   latency at 50 concurrent connections.
3. Times the clinician's patient list, search, patient page and comparison page (sequential requests, p50
   and p95) at 1,000 and at 10,000 patients, and prints the growth.
4. Runs Lighthouse (npm `lighthouse`, /usr/bin/chromium, mobile form factor) on four survey pages.
5. Runs the other benchmarks and picks their figures: bench_survey_flow.py (page loads, taps per answer,
   compressed bytes per page), bench_pdf.py (summary vs minimal WeasyPrint document), bench_scoring.py and
   bench_dispatch.py (reminders to a loopback SMTP server, duplicates with two dispatchers).

Prints each part as it goes and a table at the end. Figures only: nothing here fails on a missed target.

    python bench/run.py [--seconds 10] [--patients 10000] [--skip lighthouse,pdf,...]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.scale_data import seed  # noqa: E402
from tests.server import Gunicorn  # noqa: E402

OUT = ROOT / "bench" / "out"
PASSWORD = "bench password for the clinician"
CLINICIAN = "clinician@bench.example"
WORKERS = 4
PARTS = ("survey", "clinic", "lighthouse", "flow", "pdf", "scoring", "dispatch")
rows: list[tuple[str, str, str, str]] = []  # figure, measured, target, verdict


def say(text: str = "") -> None:
    print(text, flush=True)


def row(figure: str, measured: str, target: str = "", met: bool | None = None) -> None:
    rows.append((figure, measured, target, "" if met is None else ("yes" if met else "NO")))


# --- data ---------------------------------------------------------------------------------------------------

def build_database(path: Path, patients: int) -> dict:
    """Migrate a fresh SQLite file, seed it, add a clinician and a survey link; return what the bench needs."""
    import flask_migrate

    from pro_app import create_app
    from pro_app.auth.passwords import hash_password
    from pro_app.extensions import db
    from pro_app.models import Patient, Site, User, Visit
    from pro_app.surveys import links

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    uri = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "TESTING": True,
                      "SESSION_COOKIE_SECURE": False})
    started = time.perf_counter()
    with app.app_context():
        flask_migrate.upgrade()
        counts = seed(patients)
        site = db.session.scalar(select(Site).where(Site.code == "BENCH"))
        db.session.add(User(email=CLINICIAN, name="Bench Clinician", role="clinician", site=site,
                            password_hash=hash_password(PASSWORD)))
        today = date.today()
        visit = db.session.scalars(
            select(Visit).join(Patient).where(Patient.site_id == site.id, Visit.submitted_at.is_(None),
                                              Visit.window_open <= today, Visit.window_close >= today)
            .order_by(Visit.id).limit(1)).one()
        _, token = links.invite(visit)
        patient = db.session.scalar(
            select(Patient).where(Patient.site_id == site.id).order_by(Patient.id).offset(patients // 2).limit(1))
        db.session.commit()
        visit_id = db.session.scalar(select(Visit.id).where(Visit.patient_id == patient.id,
                                                            Visit.submitted_at.isnot(None))
                                     .order_by(Visit.target_date.desc()).limit(1))
        result = {"uri": uri, "token": token, "patient_id": patient.id, "study_id": patient.study_id,
                  "visit_id": visit_id,
                  "counts": counts, "app": app}
        db.session.remove()
        db.engine.dispose()
    say(f"  {path.name}: {counts['patients']:,} patients, {counts['visits']:,} visits, "
        f"{counts['answers']:,} answers in {time.perf_counter() - started:.0f} s")
    return result


# --- HTTP helpers -------------------------------------------------------------------------------------------

def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields


def patient_session(base: str, token: str) -> requests.Session:
    session = requests.Session()
    response = session.get(f"{base}/s/{token}", timeout=10)
    response.raise_for_status()
    return session


def staff_session(base: str) -> requests.Session:
    session = requests.Session()
    form = hidden_fields(session.get(f"{base}/login", timeout=10).text)
    response = session.post(f"{base}/login", data={**form, "email": CLINICIAN, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    if "/login" in response.url:
        raise RuntimeError("bench clinician could not sign in")
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, seconds: int, connections: int, cookie: str, script: Path | None = None) -> dict:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-H", f"Cookie: {cookie}"]
    if script:
        args += ["-s", str(script)]
    output = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)], "bad": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else "", "raw": output}


# --- 2. survey throughput -----------------------------------------------------------------------------------

def bench_survey(data: dict, seconds: int) -> None:
    say(f"\n== Survey throughput: gunicorn {WORKERS} workers, wrk 2 threads x 50 connections, {seconds} s each "
        f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    with Gunicorn(data["uri"], workers=WORKERS).start() as server:
        base = server.url
        patient = patient_session(base, data["token"])
        page = patient.get(f"{base}/s/pt_global/1", timeout=10)
        page.raise_for_status()
        cookie = cookie_header(patient)
        body = "&".join(f"{k}={requests.utils.quote(v, safe='')}" for k, v in
                        {**hidden_fields(page.text), "pt_global": "6"}.items())
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(f'wrk.method = "POST"\nwrk.body = "{body}"\n'
                         'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        check = requests.post(f"{base}/s/pt_global/1", data=body, allow_redirects=False, timeout=10,
                              headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        if check.status_code != 302:
            raise RuntimeError(f"page-save POST answered {check.status_code}")
        wrk(f"{base}/healthz", 2, 10, cookie)  # warm every worker
        results = {
            "healthz": wrk(f"{base}/healthz", seconds, 50, cookie),
            "GET": wrk(f"{base}/s/pt_global/1", seconds, 50, cookie),
            "POST": wrk(f"{base}/s/pt_global/1", seconds, 50, cookie, Path(script.name)),
        }
        os.unlink(script.name)
    healthz = results["healthz"]["rps"]
    for name, r in results.items():
        say(f"  {name:8} {r['rps']:8.1f} req/s  ratio {r['rps'] / healthz:4.2f}  p99 {r['p99_ms']:7.1f} ms  "
            f"non-2xx/3xx {r['bad']}  {r['socket_errors']}")
    get, post = results["GET"], results["POST"]
    row("survey GET / healthz throughput", f"{get['rps'] / healthz:.2f} ({get['rps']:.0f}/{healthz:.0f} req/s)",
        ">= 0.6", get["rps"] / healthz >= 0.6)
    row("survey POST / healthz throughput", f"{post['rps'] / healthz:.2f} ({post['rps']:.0f}/{healthz:.0f} req/s)",
        ">= 0.3", post["rps"] / healthz >= 0.3)
    worst = max(get["p99_ms"], post["p99_ms"])
    row("survey p99 at 50 connections (GET, POST)", f"{get['p99_ms']:.0f} ms, {post['p99_ms']:.0f} ms", "< 100 ms",
        worst < 100)
    row("survey non-2xx/3xx answers under load", str(get["bad"] + post["bad"]), "0", get["bad"] + post["bad"] == 0)


# --- 3. clinician pages -------------------------------------------------------------------------------------

def clinic_paths(data: dict) -> dict[str, str]:
    app = data["app"]
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        from flask import url_for
        paths = {"patient list": url_for("clinic.patients"),
                 "list, search": url_for("clinic.patients", q=data["study_id"][:-2])}
        for name, endpoint in (("patient page", "clinic.patient_detail"), ("comparison", "clinic.compare")):
            paths[name] = url_for(endpoint, patient_id=data["patient_id"])
        paths["visit page"] = url_for("clinic.visit_detail", visit_id=data["visit_id"])
    return paths


def time_pages(data: dict, requests_per_page: int) -> dict[str, list[float]]:
    with Gunicorn(data["uri"], workers=2).start() as server:
        session = staff_session(server.url)
        timings = {}
        for name, path in clinic_paths(data).items():
            url = server.url + path
            for _ in range(3):
                session.get(url, timeout=30).raise_for_status()
            samples = []
            for _ in range(requests_per_page):
                started = time.perf_counter()
                session.get(url, timeout=30).raise_for_status()
                samples.append((time.perf_counter() - started) * 1000)
            timings[name] = samples
    return timings


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def bench_clinic(small: dict, large: dict, requests_per_page: int) -> None:
    say(f"\n== Clinician pages: {requests_per_page} sequential requests each after 3 warm-ups, "
        f"{small['counts']['patients']:,} vs {large['counts']['patients']:,} patients")
    at_small, at_large = time_pages(small, requests_per_page), time_pages(large, requests_per_page)
    for name in at_large:
        a, b = at_small[name], at_large[name]
        growth = p95(b) / p95(a)
        say(f"  {name:14} p50 {statistics.median(a):6.1f} -> {statistics.median(b):6.1f} ms   "
            f"p95 {p95(a):6.1f} -> {p95(b):6.1f} ms   growth x{growth:.2f}")
        row(f"clinic {name} p95 at 10k (growth from 1k)", f"{p95(b):.0f} ms (x{growth:.2f})", "< 150 ms, flat",
            p95(b) < 150 and growth < 1.5)


# --- 4. Lighthouse ------------------------------------------------------------------------------------------

LIGHTHOUSE_PAGES = ("start", "pt_global/1", "haq/1", "shaq/1", "check")


def bench_lighthouse(data: dict) -> None:
    cli = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists() or not shutil.which("node"):
        say("\n== Lighthouse: node_modules/lighthouse missing (run `npm ci`); skipped")
        return
    say("\n== Lighthouse (mobile form factor, simulated slow 4G, /usr/bin/chromium)")
    with Gunicorn(data["uri"], workers=2).start() as server:
        cookie = cookie_header(patient_session(server.url, data["token"]))
        scores = {}
        for page in LIGHTHOUSE_PAGES:
            with tempfile.TemporaryDirectory() as profile:
                run = subprocess.run(
                    ["node", str(cli), f"{server.url}/s/{page}", "--quiet", "--output=json",
                     "--output-path=stdout", "--only-categories=performance,accessibility",
                     "--form-factor=mobile", f"--extra-headers={json.dumps({'Cookie': cookie})}",
                     f"--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir={profile}"],
                    capture_output=True, text=True, timeout=180,
                    env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"})
            try:
                report = json.loads(run.stdout)
            except json.JSONDecodeError:
                say(f"  {page}: lighthouse failed: {run.stderr.strip()[-300:]}")
                continue
            perf = round(100 * (report["categories"]["performance"]["score"] or 0))
            a11y = round(100 * (report["categories"]["accessibility"]["score"] or 0))
            lcp = report["audits"]["largest-contentful-paint"]["numericValue"]
            scores[page] = (perf, a11y)
            say(f"  /s/{page:12} performance {perf:3}  accessibility {a11y:3}  LCP {lcp / 1000:.1f} s")
    if scores:
        perf, a11y = min(s[0] for s in scores.values()), min(s[1] for s in scores.values())
        row(f"Lighthouse mobile, worst of {len(scores)} survey pages", f"performance {perf}, accessibility {a11y}",
            "100, 100", perf == 100 and a11y == 100)


# --- 5. the other benchmarks --------------------------------------------------------------------------------

def run_script(name: str, *args: str, timeout: int = 300) -> str:
    script = ROOT / "bench" / name
    if not script.exists():
        say(f"\n== {name}: not present; skipped")
        return ""
    say(f"\n== {name} {' '.join(args)}")
    started = time.perf_counter()
    run = subprocess.run([sys.executable, str(script), *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    output = run.stdout + (f"\n(exit {run.returncode}) {run.stderr[-1500:]}" if run.returncode else "")
    say("\n".join(f"  {line}" for line in output.rstrip().splitlines()))
    say(f"  ({time.perf_counter() - started:.0f} s)")
    return output


def bench_flow() -> None:
    output = run_script("bench_survey_flow.py")
    loads, taps = re.search(r"page loads: (\d+)", output), re.search(r"taps per answer: ([\d.]+)", output)
    if loads:
        row("page loads for a full visit", loads.group(1), "<= 18", int(loads.group(1)) <= 18)
    if taps:
        row("taps per answer", taps.group(1), "<= 1.3", float(taps.group(1)) <= 1.3)
    totals = [int(n) for n in re.findall(r"total\s+(\d+)", output)]
    if totals:
        row("largest survey page, HTML + CSS + JS gzip", f"{max(totals):,} bytes", "<= 10,240", max(totals) <= 10240)


def bench_pdf() -> None:
    output = run_script("bench_pdf.py", "--runs", "5")
    ratio = re.search(r"CPU: ratio summary/minimal isolated\s+([\d.]+)", output)
    wall = re.search(r"wall: ratio summary/minimal isolated\s+([\d.]+)", output)
    if ratio:
        row("PDF summary / minimal WeasyPrint document (CPU)", f"{float(ratio.group(1)):.1f} "
            f"(wall {float(wall.group(1)):.1f})", "<= 4", float(ratio.group(1)) <= 4)


def bench_scoring() -> None:
    output = run_script("bench_scoring.py")
    for name in ("ACR-CRISS", "rCRISS", "HAQ-DI"):
        found = re.search(rf"{re.escape(name)}\s.*?([\d.]+) us per \w+,\s+([\d,]+) \w+s per second", output)
        if found:
            row(f"scoring {name}", f"{found.group(1)} us ({found.group(2)}/s)")


def bench_dispatch() -> None:
    output = run_script("bench_dispatch.py", "--messages", "10000")
    rounds = re.findall(r"^\s*(one dispatcher|two dispatchers at once)\s+\d+ received in\s+[\d.]+ s =\s+(\d+) msg/s"
                        r"\s+duplicates (\d+)", output, re.M)
    for name, rate, duplicates in rounds:
        row(f"reminder dispatch to loopback SMTP, {name}", f"{rate} messages/s, {duplicates} duplicates",
            ">= 200/s, 0 duplicates", int(rate) >= 200 and duplicates == "0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--requests", type=int, default=40, help="requests per clinician page and size")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {','.join(PARTS)}")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if not shutil.which("wrk"):
        skip |= {"survey"}
        say("wrk not installed (Debian package `wrk`): survey throughput skipped")
    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    say(f"SScore PRO benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}")
    large = small = None
    if skip & {"survey", "clinic", "lighthouse"} != {"survey", "clinic", "lighthouse"}:
        say("== Data")
        large = build_database(OUT / f"bench-{args.patients}.sqlite3", args.patients)
    if "survey" not in skip:
        bench_survey(large, args.seconds)
    if "clinic" not in skip:
        small = build_database(OUT / f"bench-{args.patients // 10}.sqlite3", args.patients // 10)
        bench_clinic(small, large, args.requests)
    if "lighthouse" not in skip:
        bench_lighthouse(large)
    for part, function in (("flow", bench_flow), ("pdf", bench_pdf), ("scoring", bench_scoring),
                           ("dispatch", bench_dispatch)):
        if part not in skip:
            function()

    say(f"\n== Summary ({time.perf_counter() - started:.0f} s; machine: {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f})")
    width = max(len(r[0]) for r in rows) if rows else 10
    say(f"| {'figure':<{width}} | measured | target | met |")
    say(f"|{'-' * (width + 2)}|---|---|---|")
    for figure, measured, target, met in rows:
        say(f"| {figure:<{width}} | {measured} | {target} | {met} |")


if __name__ == "__main__":
    main()
