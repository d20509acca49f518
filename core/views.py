"""The one view that serves stored evidence, whichever app it belongs to."""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET


@require_GET
def evidence_download(request, pk: int, *, visible: Callable[[object], QuerySet]):
    """Serve a stored photo or PDF to whoever may see it; elsewhere it does not exist (404).

    ``visible(user)`` is the owner app's queryset of the evidence that user may see, given in its
    URL pattern together with the app's page decorator (sign-in, no API clients). Only content types
    that ``core.uploads.upload_check`` admitted are ever stored, so they are shown inline.
    """
    evidence = get_object_or_404(visible(request.user), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence.content_type)
    extension = evidence.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="{evidence.download_name}-{evidence.pk}.{extension}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
