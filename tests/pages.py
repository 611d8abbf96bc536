"""check_page(): every HTML page has exactly one <h1>, a <title> starting with it, and unique ids."""
from html.parser import HTMLParser


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.h1s, self.title, self._in = [], [], "", None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag in ("h1", "title"):
            self._in = tag
            if tag == "h1":
                self.h1s.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.h1s[-1] += data
        elif self._in == "title":
            self.title += data


def check_page(response):
    """Assert the page's structure; returns the parsed page for further checks."""
    assert response.mimetype == "text/html", response.mimetype
    parser = _PageParser()
    parser.feed(response.get_data(as_text=True))
    assert len(parser.h1s) == 1, f"expected one <h1>, found {len(parser.h1s)}"
    h1 = " ".join(parser.h1s[0].split())
    title = " ".join(parser.title.split())
    assert title.removeprefix("Error: ").removeprefix("Fehler: ").startswith(h1), (title, h1)
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    return parser
