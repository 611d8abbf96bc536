"""Time the clinical summary PDF: a 12-visit summary against a minimal one-paragraph WeasyPrint document.

Run from the repository root: ``python bench/bench_pdf.py [--runs 7]``. Builds a throw-away SQLite database
with one patient seen 12 times (every value entered, the last visit signed), renders the summary's HTML once,
then times, interleaved so that machine noise hits both alike (median of --runs after one warm-up each):

* isolated: `html_to_pdf`, as the app does it (a child forked from the PDF fork server, with its time and
  memory limits), for the summary and for a one-paragraph document;
* in-process: the same WeasyPrint call without the child (`render.render_pdf`), for both;
* plain WeasyPrint: `HTML(string="<p>…</p>").write_pdf()` with its defaults (system fonts, default fetcher);
* end to end: `service.patient_summary` (load, score, template, isolated render), as a download does.

Wall-clock times on a busy machine mostly measure the queue for a CPU; the CPU column (this process plus, for
the isolated cases, the render child's own CPU as it reports it) is steadier. The in-process cases run in this
process's unfrozen heap (as a web worker would without isolation); the render children start from the fork
server's frozen heap, which saves them the garbage collector's walks over it.

Prints the medians, the summary/minimal ratios and what the isolation adds. Asserts nothing about time.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from flask import render_template  # noqa: E402
from weasyprint import HTML  # noqa: E402

from pro_app import create_app  # noqa: E402
from pro_app.extensions import db  # noqa: E402
from pro_app.models import Site, User  # noqa: E402
from pro_app.reports import service  # noqa: E402
from pro_app.reports.pdf import html_to_pdf  # noqa: E402
from pro_app.reports.render import count_pages, render_pdf, warm  # noqa: E402
from pro_app.reports.summary import summary_context  # noqa: E402
from tests.reports_helpers import make_long_patient  # noqa: E402

MINIMAL = ('<html lang="en"><p>SScore PRO: one paragraph, the smallest document WeasyPrint can be asked to '
           'render.</p></html>')


def timed(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process plus, for an isolated render, of its render child)."""
    stats: dict = {}
    started, cpu = time.perf_counter(), time.process_time()
    function(stats)
    return time.perf_counter() - started, time.process_time() - cpu + stats.get("cpu", 0.0)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    folder = tempfile.mkdtemp(prefix="sscore-bench-")
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.db",
                      "REQUIRE_DURABLE_DB": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8,
                      "ARGON2_PARALLELISM": 1})
    with app.app_context():
        flask_migrate.upgrade()
        site = Site(code="BENCH", name="Benchmark clinic", timezone="Europe/London")
        clinician = User(email="bench@example.org", name="Dr Bench", role="clinician", site=site, password_hash="x")
        db.session.add_all([site, clinician])
        patient = make_long_patient(site, clinician, visits=12, study_id="BENCH-012")
        db.session.commit()
        html = render_template("reports/summary.html", **summary_context(patient))
        warm()
        pages = count_pages(html, "a4")

        cases = {
            "isolated summary": lambda stats: html_to_pdf(html, "a4", stats=stats),
            "isolated minimal": lambda stats: html_to_pdf(MINIMAL, "a4", stats=stats),
            "in-process summary": lambda stats: render_pdf(html, "a4"),
            "in-process minimal": lambda stats: render_pdf(MINIMAL, "a4"),
            "plain WeasyPrint minimal": lambda stats: HTML(string=MINIMAL).write_pdf(),
            "end-to-end download": lambda stats: (service.patient_summary(patient, page_size="a4"),
                                                  db.session.rollback()),
        }
        wall = {name: [] for name in cases}
        cpu = {name: [] for name in cases}
        for case in cases.values():  # warm-up: fork server, fonts, caches
            case({})
        for _ in range(runs):
            for name, case in cases.items():
                seconds, cpu_seconds = timed(case)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)

    load = os.getloadavg()
    print(f"12-visit summary: {len(html) // 1024} KB of HTML, {pages} A4 page(s). {runs} runs each after a "
          f"warm-up; load average {load[0]:.2f} on {os.cpu_count()} CPUs (wall times suffer when it is high; "
          "CPU times much less).")
    print(f"  {'':<26} {'wall median':>12} {'(min - max)':>17} {'CPU median':>11}")
    for name in cases:
        cpu_text = "   (not seen)" if name == "end-to-end download" else median_ms(cpu[name])
        print(f"  {name:<26} {median_ms(wall[name])} ({min(wall[name]) * 1000:6.1f} - {max(wall[name]) * 1000:6.1f})"
              f" {cpu_text}")
    for label, samples in (("wall", wall), ("CPU", cpu)):
        m = {name: statistics.median(values) for name, values in samples.items()}
        print(f"{label}: ratio summary/minimal isolated {m['isolated summary'] / m['isolated minimal']:5.2f}, "
              f"in-process {m['in-process summary'] / m['in-process minimal']:5.2f}; isolated summary/plain "
              f"WeasyPrint minimal {m['isolated summary'] / m['plain WeasyPrint minimal']:5.2f}; isolation adds "
              f"{1000 * (m['isolated summary'] - m['in-process summary']):+.1f} ms (summary), "
              f"{1000 * (m['isolated minimal'] - m['in-process minimal']):+.1f} ms (minimal)")

if __name__ == "__main__":
    main()
