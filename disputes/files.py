"""Serving a mediation agreement: only through the scoped views of the pages and the API,
never from a media URL (it holds the parties' personal data)."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse

from disputes.models import MediationSession


def agreement_response(session: MediationSession, *, as_attachment: bool) -> FileResponse:
    name = session.agreement_file.name.rsplit("/", 1)[-1]
    response = FileResponse(
        session.agreement_file.open("rb"),
        as_attachment=as_attachment,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
