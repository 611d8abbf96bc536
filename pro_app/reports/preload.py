"""Imported by the PDF fork server only: load WeasyPrint and parse the report stylesheet before any fork."""
from .render import warm

warm()
