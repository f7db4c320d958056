"""The attempt filters of the dashboard's lists and exports and of ``qser review``/``qser export``."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from actions.settings import LANGUAGES
from actions.store import review
from bot.review.people import Directory

FIELDS = ("trainee", "department", "scenario", "language", "since", "until", "min_score", "max_score")


def whole_number(value: str | None) -> int | None:
    return int(value) if value and value.strip().lstrip("-").isdigit() else None


def day(value: str | None) -> datetime | None:
    """A YYYY-MM-DD date as the start of that day (UTC), or None."""
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def attempt_filter(directory: Directory, trainee: int | None = None, department: str | None = None,
                   scenario: str | None = None, language: str | None = None, since: datetime | None = None,
                   until: datetime | None = None, min_score: int | None = None,
                   max_score: int | None = None) -> review.AttemptFilter:
    """Attempts of a trainee or a department's trainees, of a scenario and language, started from ``since``
    to ``until`` (both days included), with a total in [min_score, max_score]; None filters nothing."""
    return review.AttemptFilter(
        trainee_id=trainee, pseudonyms=directory.pseudonyms_in(department), scenario=scenario or None,
        language=language if language in LANGUAGES else None, since=since,
        until=until + timedelta(days=1) if until else None, min_score=min_score, max_score=max_score)


def from_params(params: dict[str, str], directory: Directory) -> review.AttemptFilter:
    """The filters from query parameters (a value that does not parse filters nothing)."""
    return attempt_filter(
        directory, trainee=whole_number(params.get("trainee")), department=params.get("department"),
        scenario=params.get("scenario"), language=params.get("language"), since=day(params.get("since")),
        until=day(params.get("until")), min_score=whole_number(params.get("min_score")),
        max_score=whole_number(params.get("max_score")))
