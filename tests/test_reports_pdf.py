"""HTML → PDF in an isolated child: page sizes, shipped fonts, and hostile documents that end cleanly (G-PDF-3)."""
import time

import pytest

from pro_app.reports.pdf import PdfRenderError, html_to_pdf, normalise_page_size
from tests.pdftools import pdf_fonts, pdf_info, pdf_text


def test_a_paragraph_becomes_a_pdf_with_the_chosen_page_size(app, tmp_path):
    a4 = html_to_pdf("<p>Hello Ü – ✓</p>", "a4")
    letter = html_to_pdf("<p>Hello</p>", "Letter")

    assert a4.startswith(b"%PDF-")
    assert pdf_info(a4, tmp_path)["Page size"] == "595.276 x 841.89 pts (A4)"
    assert pdf_info(letter, tmp_path)["Page size"] == "612 x 792 pts (letter)"
    assert "Hello Ü – ✓" in pdf_text(a4, tmp_path)


def test_the_default_page_size_comes_from_the_configuration(make_app, tmp_path):
    app = make_app(PDF_PAGE_SIZE="Letter")

    with app.app_context():
        pdf = html_to_pdf("<p>x</p>")

    assert pdf_info(pdf, tmp_path)["Page size"].endswith("(letter)")


def test_text_uses_the_fonts_shipped_with_the_app(app, tmp_path):
    pdf = html_to_pdf("<p>Regular <strong>bold</strong></p>", "a4")

    fonts = pdf_fonts(pdf, tmp_path)
    assert "DejaVu-Sans" in fonts and "DejaVu-Sans-Bold" in fonts
    assert "Serif" not in fonts  # margin boxes set the font too (they do not inherit it)


@pytest.mark.parametrize("value", ["A3", "", "letter; }", None])
def test_only_a4_and_letter_are_page_sizes(value):
    with pytest.raises(ValueError):
        normalise_page_size(value)


def test_a_document_that_takes_too_long_is_stopped_at_the_timeout(app):
    slow = "<style>p { break-after: page }</style>" + "<p>page</p>" * 40000

    started = time.monotonic()
    with pytest.raises(PdfRenderError) as error:
        html_to_pdf(slow, "a4", timeout=1)

    assert error.value.kind == "timeout"
    assert time.monotonic() - started < 4  # killed, not waited for


def _renders(html: str, megabytes: int) -> bool:
    try:
        html_to_pdf(html, "a4", timeout=20, memory_limit=megabytes << 20)
    except PdfRenderError:
        return False
    return True


def test_a_document_that_needs_more_memory_than_allowed_fails_cleanly(app):
    # The child starts with the fork server's address space (~200 MB here), and what a paragraph needs on top
    # varies from one render to the next (threads, heap), by more than 64 MB on a busy CI box: find a limit
    # under which a paragraph renders three times running, then allow 128 MB more. The hostile word needs
    # several hundred MB (Pango allocates the glyphs of a 12-million-letter word in one go).
    limit = next(mb for mb in range(160, 1024, 32) if all(_renders("<p>x</p>", mb) for _ in range(3)))
    one_huge_word = "<p>" + "x" * 12_000_000 + "</p>"

    with pytest.raises(PdfRenderError) as error:
        html_to_pdf(one_huge_word, "a4", timeout=20, memory_limit=(limit + 128) << 20)

    assert error.value.kind in ("memory", "crashed")
    assert _renders("<p>x</p>", limit + 128)


def test_huge_css_values_and_deep_nesting_end_with_an_error_or_a_pdf_never_a_hang(app):
    hostile = ("<style>p { font-size: 1e30px; margin: 1e30px; width: 1e30px }</style><p>x</p>"
               + "<div>" * 5000 + "deep" + "</div>" * 5000)

    started = time.monotonic()
    try:
        pdf = html_to_pdf(hostile, "a4", timeout=3)
    except PdfRenderError as error:
        assert error.kind in ("timeout", "memory", "crashed", "failed")
    else:
        assert pdf.startswith(b"%PDF-")
    assert time.monotonic() - started < 6


def test_the_worker_renders_normally_after_a_child_was_killed(app):
    with pytest.raises(PdfRenderError):
        html_to_pdf("<style>p { break-after: page }</style>" + "<p>x</p>" * 40000, "a4", timeout=0.5)

    assert html_to_pdf("<p>still fine</p>", "a4").startswith(b"%PDF-")


def test_the_html_parser_compiles_its_regexes_once_and_parses_the_same(monkeypatch):
    import re
    from xml.etree import ElementTree

    import tinyhtml5
    from tinyhtml5 import inputstream

    import pro_app.reports.render  # noqa: F401 - applies the fix on import

    html = ('<svg><circle cx="1" cy="2" r="3"/><text x="1">9</text></svg>'
            '<p class="a" title=\'b\'>x &amp; y &lt; z</p><!-- c --><table><tr><td>1</td></tr></table>') * 5
    fixed = ElementTree.tostring(tinyhtml5.parse(html))
    compiled = []
    real_compile = re.compile
    monkeypatch.setattr(inputstream.re, "compile", lambda *args: compiled.append(args) or real_compile(*args))

    assert ElementTree.tostring(tinyhtml5.parse(html)) == fixed
    assert compiled == []  # every regex came from the cache

    fixed_method = inputstream.HTMLUnicodeInputStream.chars_until
    monkeypatch.setattr(inputstream.HTMLUnicodeInputStream, "chars_until", fixed_method.original)
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    assert ElementTree.tostring(tinyhtml5.parse(html)) == fixed  # the unfixed parser gives the same tree,
    assert len(compiled) > 20  # recompiling on every call (when this fails, upstream fixed it: drop the fix)


def _preloaded(connection):
    import sys

    from pro_app.reports import render

    connection.send(("pro_app.reports.preload" in sys.modules, render.resources.cache_info().currsize))
    connection.close()


def test_render_children_start_with_weasyprint_and_the_stylesheet_loaded(app):
    from pro_app.reports.pdf import _fork_server

    html_to_pdf("<p>x</p>", "a4")  # the fork server is running
    context = _fork_server()
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_preloaded, args=(writer,), daemon=True)
    child.start()
    writer.close()

    preloaded, cached = reader.recv()
    child.join(5)
    assert preloaded and cached == 1  # a silent preload failure would cost each render the imports and parsing
