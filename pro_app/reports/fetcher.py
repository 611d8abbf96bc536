"""The only way a PDF may pull anything in: the app's own static files, by name (SECURITY.md G-PDF-1).

Templates address assets as `sscore-static:<path inside pro_app/static>` (e.g. `sscore-static:fonts/
DejaVuSans.ttf`). Everything else raises: `http(s):`, `file:`, `data:`, `ftp:`, relative URLs, a path that
leaves the static folder (`..`, symlinks, absolute paths, encoded tricks) and file types a report never needs.
The file is read from disk here; WeasyPrint's own urllib opener is never called, so there is nothing that
could follow a redirect or open a socket.
"""
from pathlib import Path
from urllib.parse import unquote

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "sscore-static:"
# File types a report may load, with the media type WeasyPrint needs to use them.
MEDIA_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".svg": "image/svg+xml", ".png": "image/png"}
MAX_BYTES = 4 * 1024 * 1024


class RefusedURL(ValueError):
    """A URL the report renderer will not fetch."""


def static_url(name: str) -> str:
    return SCHEME + name


class StaticOnlyFetcher(URLFetcher):
    """Serve files under `static_dir` addressed as `sscore-static:<name>`; refuse everything else."""

    def __init__(self, static_dir, **kwargs):
        # allowed_protocols=() and no redirects: even a call that reached the parent class would be refused.
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1, **kwargs)
        self.root = Path(static_dir).resolve()
        self.served: list[str] = []

    def resolve(self, url: str) -> Path:
        """The file a URL names, or RefusedURL. Pure path logic plus `resolve()` (symlinks are followed, then
        checked), so a unit test can try every trick without rendering."""
        if not isinstance(url, str) or not url.startswith(SCHEME):
            raise RefusedURL(f"refused (only {SCHEME} URLs are served): {url!r:.200}")
        name = unquote(url[len(SCHEME):].split("#", 1)[0].split("?", 1)[0])
        if not name or "\x00" in name or "\\" in name or name.startswith("/") or ":" in name:
            raise RefusedURL(f"refused (bad name): {url!r:.200}")
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise RefusedURL(f"refused (path traversal): {url!r:.200}")
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):
            raise RefusedURL(f"refused (outside the static folder): {url!r:.200}")
        if path.suffix.lower() not in MEDIA_TYPES:
            raise RefusedURL(f"refused (file type): {url!r:.200}")
        if not path.is_file():
            raise RefusedURL(f"refused (no such file): {url!r:.200}")
        return path

    def fetch(self, url, headers=None):
        path = self.resolve(url)
        if path.stat().st_size > MAX_BYTES:
            raise RefusedURL(f"refused (too large): {url!r:.200}")
        self.served.append(url)
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": MEDIA_TYPES[path.suffix.lower()]})

    def open(self, url, data=None, timeout=None):  # urllib's entry point: same rules, never the network
        return self.fetch(url if isinstance(url, str) else url.full_url)
