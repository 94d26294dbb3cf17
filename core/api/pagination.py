from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination as BaseCursorPagination


class CursorPagination(BaseCursorPagination):
    """Stable pages over append-heavy tables: newest first, cursor links instead of offsets.

    ``limit`` outside 1..max_page_size, or not a whole number, is a 400 naming it (not silently
    the default page). A cursor the server didn't hand out names no page: 404, as DRF answers.
    """

    ordering = "-created_at"
    page_size_query_param = "limit"
    max_page_size = 500
    cursor_query_description = (
        "Opaque: the cursor of a previous page's next or previous link. "
        "A cursor this API didn't hand out answers 404."
    )

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            message = f"a whole number from 1 to {self.max_page_size}"
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError as exc:  # a decodable cursor whose position isn't a value
            raise NotFound(self.invalid_cursor_message) from exc

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(
                    minimum=1, maximum=self.max_page_size, default=self.page_size
                )
        return parameters
