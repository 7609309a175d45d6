"""Mandatory pagination. Lists are cursor-paginated: stable under inserts and O(page) deep
into 70k-row tables, where offsets degrade."""

from __future__ import annotations

from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):  # type: ignore[no-untyped-def]
        # DRF silently ignores a bad page_size; we do too, but never exceed the cap.
        size = super().get_page_size(request)
        return min(size or settings.REST_FRAMEWORK["PAGE_SIZE"], self.max_page_size)
