"""System messages in every language, from ``data/messages/<lang>.yml``."""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import yaml

from actions.settings import LANGUAGES, get_settings


@lru_cache(maxsize=8)
def _catalogue(language: str) -> Mapping[str, str]:
    path = get_settings().data_dir / "messages" / f"{language}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def t(language: str, key: str, **params: object) -> str:
    """The message ``key`` in ``language`` (English if that language lacks it), with ``params`` filled in."""
    language = language if language in LANGUAGES else "en"
    template = _catalogue(language).get(key) or _catalogue("en")[key]
    return template.format(**params)
