"""The catalogue's CSV files, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with "=", "+", "-" or "@" (and, in some, a tab or a
carriage return) as a formula, so a product name or description typed into the admin could run
one on the computer of whoever opens an export. Following OWASP's advice, such a cell is written
with a leading apostrophe, which makes a spreadsheet show it as text; an import removes that
apostrophe again, so an exported file imports back unchanged. (django-import-export's own
escaping drops a leading "=" only, and loses it: "==1+1" still runs.)
"""

from import_export.formats.base_formats import CSV
from tablib import Dataset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def cell_escaped(cell: object) -> object:
    """The cell as written: with a leading apostrophe when a spreadsheet would run it."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return TEXT_MARK + cell
    return cell


def cell_unescaped(cell: object) -> object:
    """The cell as it was before `cell_escaped`."""
    if isinstance(cell, str) and cell.startswith(TEXT_MARK) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


class SpreadsheetSafeCSV(CSV):
    """CSV whose cells a spreadsheet shows as text, never runs (see the module's docstring)."""

    def export_data(self, dataset: Dataset, **kwargs) -> str:
        safe = Dataset(headers=dataset.headers)
        for row in dataset:
            safe.append([cell_escaped(cell) for cell in row])
        return safe.export(self.get_title(), **kwargs)

    def create_dataset(self, in_stream, **kwargs) -> Dataset:
        dataset = super().create_dataset(in_stream, **kwargs)
        plain = Dataset(headers=dataset.headers)
        for row in dataset:
            plain.append([cell_unescaped(cell) for cell in row])
        return plain
