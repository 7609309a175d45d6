"""Serving stored uploads (photos, receipts) behind the API's checks."""

from __future__ import annotations

import logging
from typing import IO

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext
from rest_framework.exceptions import NotFound

logger = logging.getLogger(__name__)


def open_stored(file: FieldFile) -> IO[bytes]:
    """The stored file, opened; one lost from storage (a restored database without its media
    volume) is a 404 the operator sees in the log, not a 500."""
    try:
        return file.open("rb")
    except FileNotFoundError:
        logger.error("stored file missing", extra={"file": file.name})
        raise NotFound(gettext("The file is missing from storage."), code="file_missing") from None


def stored_response(file: FieldFile, content_type: str) -> FileResponse:
    """The stored file as a download, behind the caller's checks: uploads are never public URLs."""
    return FileResponse(open_stored(file), filename=(file.name or "").rsplit("/", 1)[-1], content_type=content_type)
