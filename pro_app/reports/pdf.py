"""HTML → PDF in a child process with a wall-clock timeout and a memory cap (SECURITY.md G-PDF-3).

WeasyPrint's own advice for untrusted input is to bound render time and memory and to kill runaway
renders. Each document is rendered by a fresh child forked from a `multiprocessing` fork server that has
already imported WeasyPrint (so a render does not pay the ~0.6 s import, and the child inherits no database
connection, lock or thread of the web worker). The child sets RLIMIT_AS (PDF_MEMORY_LIMIT) and RLIMIT_CPU;
the parent waits at most PDF_TIMEOUT seconds, then kills it. Whatever happens, the caller gets the PDF bytes
or a `PdfRenderError`, never a hung worker.
"""
import logging
import multiprocessing
import os
import time
from pathlib import Path

from flask import current_app

from .render import PAGE_SIZES, child_main

log = logging.getLogger("pro_app.reports")
_context = None


class PdfRenderError(RuntimeError):
    """The PDF could not be made: `kind` is timeout | memory | crashed | failed."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"PDF rendering {kind}: {detail}")
        self.kind = kind
        self.detail = detail


def normalise_page_size(value: str | None) -> str:
    """"A4"/"a4"/"Letter"/"letter" → a key of PAGE_SIZES; ValueError for anything else."""
    key = (value or "").strip().lower()
    if key not in PAGE_SIZES:
        raise ValueError(f"page size must be one of {', '.join(PAGE_SIZES)}")
    return key


def _fork_server():
    global _context
    if _context is None:
        # Python 3.11's fork server ignores the parent's sys.path when it imports the preload modules (only the
        # working directory is on its path), so the preload would silently fail outside the project folder and
        # every render would import WeasyPrint itself. PYTHONPATH reaches it.
        root = str(Path(__file__).resolve().parents[2])
        paths = [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]
        if root not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
        context = multiprocessing.get_context("forkserver")
        # Imported once by the fork server, so every render child starts with WeasyPrint and the stylesheet
        # loaded. "__main__" too: otherwise each child re-runs the main script (gunicorn's, flask's) first.
        context.set_forkserver_preload(["__main__", "pro_app.reports.preload"])
        _context = context
    return _context


def static_folder() -> str:
    return str(Path(current_app.static_folder).resolve())


def html_to_pdf(html: str, page_size: str | None = None, *, timeout: float | None = None,
                memory_limit: int | None = None, stats: dict | None = None) -> bytes:
    """Render `html` (A4 or Letter) in an isolated child; raise PdfRenderError on timeout, memory or failure.

    `stats`, when given, receives the wall-clock seconds of the whole call and the CPU seconds of the child.
    """
    config = current_app.config
    size = normalise_page_size(page_size or config["PDF_PAGE_SIZE"])
    timeout = float(timeout if timeout is not None else config["PDF_TIMEOUT"])
    memory = int(memory_limit if memory_limit is not None else config["PDF_MEMORY_LIMIT"])
    context = _fork_server()
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(
        target=child_main, name="sscore-pdf", daemon=True,
        args=(writer, html, size, static_folder(), memory, int(timeout) + 1),
    )
    started = time.perf_counter()
    try:
        message = _run(context, child, reader, writer, timeout)
    except PdfRenderError as error:
        message = ("error", error.kind, error.detail)
    elapsed = time.perf_counter() - started
    if message[0] != "ok":
        log.warning("PDF rendering failed (%s: %s) after %.2f s", message[1], message[2], elapsed)
        raise PdfRenderError(message[1], message[2])
    _, pdf, warnings, cpu = message
    for warning in warnings:
        log.warning("WeasyPrint: %s", warning)
    log.info("PDF rendered: %d bytes in %.2f s (%.2f s CPU in the render process)", len(pdf), elapsed, cpu)
    if stats is not None:
        stats.update(wall=elapsed, cpu=cpu)
    return pdf


def _run(context, child, reader, writer, timeout: float):
    try:
        try:
            child.start()
        except Exception as error:  # the fork server could not start or fork
            raise PdfRenderError("failed", f"could not start the render process ({type(error).__name__})") from None
        writer.close()  # only the child holds the writing end now: its death reads as EOF here
        if not reader.poll(timeout):
            raise PdfRenderError("timeout", f"no PDF after {timeout:g} s (PDF_TIMEOUT)")
        try:
            return reader.recv()
        except EOFError:
            child.join(1)
            raise PdfRenderError("crashed", f"the render process ended with exit code {child.exitcode}") from None
    finally:
        if child.pid is not None:  # started
            if child.is_alive():
                child.kill()
            child.join(5)
        reader.close()
        writer.close()
