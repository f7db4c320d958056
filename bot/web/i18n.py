"""The language of a page: the trainee's own choice once known, else the browser's, else the default."""
from __future__ import annotations

from fastapi import Request

from actions.settings import Settings, language_from_tag


def browser_language(request: Request, settings: Settings) -> str:
    """``?lang=`` (the sign-in page's language links), else the first of Accept-Language we have."""
    asked = language_from_tag(request.query_params.get("lang"))
    if asked:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        language = language_from_tag(part.split(";")[0])
        if language:
            return language
    return settings.default_language
