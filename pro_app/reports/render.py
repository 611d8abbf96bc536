"""WeasyPrint itself, in whichever process runs it: HTML string in, PDF bytes out.

`pdf.html_to_pdf` runs `render_pdf` in a child process with a time and memory limit; this module is what
that child imports (preloaded once into the fork server, so a render does not pay WeasyPrint's import).
It must stay importable without an app context: no Flask, no database.
"""
import logging
import os
import re
import resource
from functools import lru_cache
from pathlib import Path

from tinyhtml5 import inputstream
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .fetcher import StaticOnlyFetcher, static_url

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
STATIC_DIR = str(Path(__file__).resolve().parents[1] / "static")
STYLESHEET = "css/report.css"

MAX_LOG_RECORDS = 20


def _fix_html_parser_cache() -> None:
    """tinyhtml5 2.1.0 (WeasyPrint's HTML parser) caches the regex of `chars_until` under the wrong key: in
    `characters = cache[(characters, opposite)] = regex` Python binds `characters` to the regex first, so the
    lookup never hits and every call rebuilds and recompiles it. That was a quarter of the render time of a
    summary (its SVG has many attributes). Store each regex under the key the lookup uses, then call the
    original, unchanged; harmless once upstream fixes it."""
    original = inputstream.HTMLUnicodeInputStream.chars_until
    if getattr(original, "sscore_fixed", False):
        return
    cache = inputstream.characters_until_regex

    def chars_until(self, characters, opposite=False):
        key = (characters, opposite)
        if key not in cache:
            regex = "".join(f"\\x{ord(character):02x}" for character in characters)
            cache[key] = re.compile(f"[{regex if opposite else '^' + regex}]+")
        return original(self, characters, opposite)

    chars_until.sscore_fixed, chars_until.original = True, original
    inputstream.HTMLUnicodeInputStream.chars_until = chars_until


_fix_html_parser_cache()


class _Collect(logging.Handler):
    """Keeps WeasyPrint's warnings (a refused URL, the fontTools fallback) for the parent to log."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if len(self.messages) < MAX_LOG_RECORDS:
            self.messages.append(record.getMessage()[:200])


@lru_cache(maxsize=4)
def resources(static_dir: str) -> tuple[FontConfiguration, list[CSS], dict[str, CSS]]:
    """The report stylesheet with its fonts, parsed once per process and reused by every render.

    Parsing it per document cost more CPU than laying out a one-page summary (cssselect2 compiles each
    selector with `eval`, and each @font-face is copied into a fresh Fontconfig set). The fork server warms
    this before forking, so each render child starts with it ready.
    """
    font_config = FontConfiguration()
    fetcher = StaticOnlyFetcher(static_dir)
    stylesheet = CSS(url=static_url(STYLESHEET), url_fetcher=fetcher, font_config=font_config)
    pages = {key: CSS(string=f"@page {{ size: {size}; }}", font_config=font_config) for key, size in PAGE_SIZES.items()}
    return font_config, [stylesheet], pages


WARM_UP = ('<html lang="en"><p>Warm-up 0123456789 <strong>bold 0123456789</strong> – ≥ ✓ Δ</p>'
           '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><text x="0" y="8">1</text></svg></html>')


def warm() -> None:
    """Parse the stylesheet and lay out some text in both weights once, so Pango, Fontconfig and HarfBuzz
    have loaded the fonts before the fork server forks (each render child would otherwise spend ~0.2 s)."""
    render_pdf(WARM_UP, "a4", STATIC_DIR)


def _document(html: str, page_size: str, static_dir: str):
    font_config, stylesheets, pages = resources(static_dir)
    document = HTML(string=html, base_url=None, url_fetcher=StaticOnlyFetcher(static_dir))
    return document, dict(stylesheets=[*stylesheets, pages[page_size]], font_config=font_config)


def render_pdf(html: str, page_size: str, static_dir: str = STATIC_DIR) -> bytes:
    """Render in this process (the child, or a benchmark's baseline). `page_size` is a key of PAGE_SIZES."""
    document, options = _document(html, page_size, static_dir)
    # Tagged PDF: headings, tables and reading order for screen readers (about 10-20 % more render time).
    return document.write_pdf(custom_metadata=False, pdf_tags=True, **options)


def count_pages(html: str, page_size: str, static_dir: str = STATIC_DIR) -> int:
    """Layout only (no PDF written): for tests that assert how many pages a document takes."""
    document, options = _document(html, page_size, static_dir)
    return len(document.render(**options).pages)


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    """Caps for this process: address space (a runaway layout gets MemoryError, not the OOM killer) and CPU
    time (the kernel ends the child even if the parent that would kill it is gone)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_main(connection, html: str, page_size: str, static_dir: str, memory_bytes: int, cpu_seconds: int):
    """Entry point of the render child: send ("ok", pdf, warnings, CPU seconds) or ("error", kind, detail)."""
    # Fontconfig, Pango and GLib write straight to fd 2 (under memory pressure, hundreds of lines); what went
    # wrong is reported through `connection` instead, so the parent logs it once and no document text leaks.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    logger.propagate = False  # the child has no log configuration: nothing may reach its stderr
    try:
        limit_resources(memory_bytes, cpu_seconds)
        pdf = render_pdf(html, page_size, static_dir)
    except MemoryError:
        connection.send(("error", "memory", "the document needed more memory than PDF_MEMORY_LIMIT"))
    except BaseException as error:  # noqa: BLE001 - any failure becomes a message, never a hang
        # Only the exception's type: its message could quote the document, and this ends up in logs.
        connection.send(("error", "failed", type(error).__name__))
    else:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        connection.send(("ok", pdf, collect.messages, usage.ru_utime + usage.ru_stime))
    finally:
        connection.close()
