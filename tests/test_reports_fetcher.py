"""The report URL fetcher serves the app's own static files by name and refuses everything else (G-PDF-1)."""
import pytest

from pro_app.reports.fetcher import RefusedURL, StaticOnlyFetcher, static_url
from pro_app.reports.render import STATIC_DIR


@pytest.fixture
def fetcher():
    return StaticOnlyFetcher(STATIC_DIR)


def test_serves_the_report_stylesheet_and_fonts_with_their_media_types(fetcher):
    css = fetcher.fetch(static_url("css/report.css"))
    font = fetcher.fetch(static_url("fonts/DejaVuSans.ttf"))

    assert css.content_type == "text/css" and b"@font-face" in css.read()
    assert font.content_type == "font/ttf" and font.read()[:4] == b"\x00\x01\x00\x00"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/hostname",
    "http://127.0.0.1:9/x",
    "https://example.org/a.css",
    "ftp://example.org/x",
    "data:text/css;base64,Ym9keXt9",
    "data:image/svg+xml,<svg/>",
    "//127.0.0.1/x",
    "css/report.css",  # relative: no base URL is ever given to WeasyPrint
    "SSCORE-STATIC:css/report.css",
])
def test_refuses_every_other_scheme_and_relative_urls(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


@pytest.mark.parametrize("name", [
    "../config.py",
    "css/../../config.py",
    "css/%2e%2e/%2e%2e/config.py",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd",
    "css//report.css",
    "./css/report.css",
    "css\\report.css",
    "css/report.css%00.png",
    "C:/Windows/win.ini",
])
def test_refuses_path_traversal_and_odd_names(fetcher, name):
    with pytest.raises(RefusedURL):
        fetcher.fetch(static_url(name))


@pytest.mark.parametrize("name", ["css/nope.css", "fonts/Missing.ttf", "js/app.js", "favicon.ico", "css", "fonts"])
def test_refuses_unknown_names_and_file_types_a_report_never_needs(fetcher, name):
    with pytest.raises(RefusedURL):
        fetcher.fetch(static_url(name))


def test_a_symlink_inside_the_folder_cannot_lead_outside(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    secret = tmp_path / "secret.css"
    secret.write_text("body{}")
    (static / "css" / "linked.css").symlink_to(secret)
    (static / "css" / "ok.css").write_text("p{}")
    fetcher = StaticOnlyFetcher(static)

    assert fetcher.fetch(static_url("css/ok.css")).read() == b"p{}"
    with pytest.raises(RefusedURL, match="outside"):
        fetcher.fetch(static_url("css/linked.css"))


def test_urllibs_entry_point_follows_the_same_rules(fetcher):
    from urllib.request import Request

    with pytest.raises(RefusedURL):
        fetcher.open(Request("http://127.0.0.1:9/x"))
    assert fetcher.open(static_url("css/report.css")).content_type == "text/css"


def test_the_parent_classs_own_opener_is_disabled_too(fetcher):
    # Belt and braces: no protocol is allowed and redirects are off, should anything reach URLFetcher.fetch.
    from weasyprint.urls import URLFetcher

    with pytest.raises(ValueError, match="disallowed protocol"):
        URLFetcher.fetch(fetcher, "http://127.0.0.1:9/x")
    assert not any(type(h).__name__ == "HTTPRedirectHandler" for h in fetcher.handlers)
