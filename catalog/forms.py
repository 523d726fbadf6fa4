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
        lines = sum(chunk.count(b"\n") for chunk in upload.chunks())
        upload.seek(0)
        if lines > IMPORT_LINES_MAX:
            raise forms.ValidationError(
                f"The file has {lines:,} lines; import at most {IMPORT_LINES_MAX - 1:,} rows "
                "at a time (split it)."
            )
        return upload
