"""Imported by the PDF fork server only: load WeasyPrint, parse the report stylesheet and load the fonts once,
then freeze the heap so that render children, forked from here, do not copy it page by page (a garbage
collection in a child would otherwise touch every object inherited from the fork server)."""
import gc

from .render import warm

warm()
gc.collect()
gc.freeze()
