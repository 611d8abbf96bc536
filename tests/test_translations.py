"""German is complete for the interface: every message in the catalogue has a translation."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[1] / "pro_app" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def messages():
    with CATALOG.open("rb") as handle:
        return [message for message in read_po(handle) if message.id]


def test_every_german_message_is_translated_and_none_is_fuzzy():
    untranslated = [m.id for m in messages() if not (all(m.string) if isinstance(m.id, tuple) else m.string)]

    assert untranslated == []
    assert [m.id for m in messages() if m.fuzzy] == []


def test_placeholders_survive_translation():
    for message in messages():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(ids[-1])), message.id
