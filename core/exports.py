"""Spreadsheet exports: a person's text is written as text, never as a formula.

A finding's title, a liaison's measures, a department's or a material's name may begin with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return): a spreadsheet program would take such a cell
for a formula (``=HYPERLINK("http://…","x")``) — CSV/formula injection (OWASP). Every xlsx and csv
the project writes goes through this module:

- xlsx (openpyxl): every text cell is typed as a string (``data_type = "s"``), so openpyxl never
  writes it as a formula, and a text that looks like one also gets Excel's quote prefix, so it stays
  text when someone edits the cell. The value reads exactly as typed.
- csv: OWASP's rule, a single quote before a field that begins with one of those characters.
  ``csv_unescape`` removes it again (the catalog import), so an export round-trips.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """True for a text that a spreadsheet program would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


# --- csv ------------------------------------------------------------------------------------------

def csv_field(value: Any) -> Any:
    """The field as written to a csv: a formula-like text gets a leading ``'``."""
    return "'" + value if formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_field(v) for v in values]


def csv_unescape(value: Any) -> Any:
    """Undo ``csv_field`` on import: a ``'`` before a formula character is removed."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value


# --- xlsx (openpyxl, write-only workbooks) ---------------------------------------------------------

def xlsx_cell(sheet, value: Any, style: str | None = None):
    """A write-only cell holding ``value``; text is always a string cell, never a formula."""
    from django.utils.functional import Promise
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Promise):  # a lazy translation
        value = str(value)
    cell = WriteOnlyCell(sheet, value=value)
    if style is not None:
        cell.style = style
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl takes a text beginning with "=" for a formula
        if formula_like(value):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    return cell


def xlsx_row(sheet, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append``: values become safe cells; cells already made are kept."""
    from openpyxl.cell.cell import Cell  # openpyxl's WriteOnlyCell is a function that makes a Cell

    return [v if isinstance(v, Cell) else xlsx_cell(sheet, v) for v in values]
