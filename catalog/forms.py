"""The CSV import form, bounded: a file a merchandiser uploads is untrusted input."""

from django import forms
from import_export.forms import ImportForm

IMPORT_FILE_MAX_BYTES = 2 * 1024 * 1024
IMPORT_LINES_MAX = 5001  # a header and 5,000 rows


class BoundedImportForm(ImportForm):
    """Refuses a file larger than 2 MB or longer than 5,000 rows before it is read as CSV."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > IMPORT_FILE_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; import at most "
                f"{IMPORT_FILE_MAX_BYTES // (1024 * 1024)} MB at a time (split it)."
            )
        lines = _line_count(upload)
        upload.seek(0)
        if lines > IMPORT_LINES_MAX:
            raise forms.ValidationError(
                f"The file has {lines:,} lines; import at most {IMPORT_LINES_MAX - 1:,} rows "
                "at a time (split it)."
            )
        return upload


def _line_count(upload) -> int:
    """Lines as the CSV reader splits them, so no file carries more rows than the bound: a line
    ends in LF, CRLF or a lone CR (old Mac files, some spreadsheet exports), and a last line
    without an ending counts too."""
    lines = 0
    last = b""
    for chunk in upload.chunks():
        lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        if last == b"\r" and chunk.startswith(b"\n"):
            lines -= 1  # a "\r\n" split between two chunks
        last = chunk[-1:] or last
    if last not in (b"", b"\n", b"\r"):
        lines += 1
    return lines
