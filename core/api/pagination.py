from rest_framework.pagination import CursorPagination as BaseCursorPagination


class CursorPagination(BaseCursorPagination):
    """Stable pages over append-heavy tables: newest first, cursor links instead of offsets."""

    ordering = "-created_at"
    page_size_query_param = "limit"
    max_page_size = 500
