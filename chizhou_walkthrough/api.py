"""API conventions shared by every endpoint (API.md "Ground rules")."""
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """``{"next", "previous", "results"}``; ``page_size`` default 50, at most 500.

    A cursor, unlike an offset, lets a client walk a list that grows meanwhile and see each row once.
    Views set ``ordering`` to a stable, unique order (time-ordered lists end with ``id``).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"

    def get_ordering(self, request, queryset, view):
        # DRF reads a view's ``ordering`` only through an OrderingFilter, which this API does not offer.
        ordering = getattr(view, "ordering", None)
        if ordering:
            return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)
