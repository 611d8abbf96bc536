"""Read PDFs the way a user's tools do: poppler-utils (pdftotext, pdfinfo, pdffonts, pdfdetach)."""
import re
import subprocess
import uuid


def _run(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _save(pdf: bytes, folder) -> str:
    path = folder / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return str(path)


def pdf_text(pdf: bytes, folder, layout: bool = True) -> str:
    """The text of every page: -layout keeps table rows on one line, -raw keeps the order of the document."""
    return _run(["pdftotext", "-q", "-layout" if layout else "-raw", _save(pdf, folder), "-"])


def flat_text(pdf: bytes, folder) -> str:
    """The text with line breaks and runs of spaces collapsed, for phrases that may wrap."""
    return re.sub(r"\s+", " ", pdf_text(pdf, folder, layout=False))


def pdf_info(pdf: bytes, folder) -> dict[str, str]:
    lines = _run(["pdfinfo", _save(pdf, folder)]).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdf_fonts(pdf: bytes, folder) -> str:
    return _run(["pdffonts", _save(pdf, folder)])


def embedded_files(pdf: bytes, folder) -> str:
    """`pdfdetach -list` output, e.g. "0 embedded files"."""
    return _run(["pdfdetach", "-list", _save(pdf, folder)]).strip()
