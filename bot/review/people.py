"""Which web account (username, department) a trainee's pseudonym belongs to.

The practice data holds only pseudonyms; a web user's pseudonym is a keyed hash of the user id
(bot/web/accounts.py), so the mapping is computed here with the pseudonym key, never stored.
Trainees from Telegram have no account: they are shown by a pseudonym prefix.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.store.models import Trainee, User
from bot.web.accounts import pseudonym

SHOWN_PSEUDONYM_CHARS = 12


@dataclass(frozen=True)
class Person:
    user_id: int | None
    name: str  # the username, or a pseudonym prefix
    department: str | None


class Directory:
    def __init__(self, session: Session, key: bytes):
        self.by_pseudonym = {pseudonym(key, user.id): user for user in session.scalars(select(User))}

    def person(self, trainee: Trainee) -> Person:
        user = self.by_pseudonym.get(trainee.pseudonym)
        if user is None:
            return Person(None, trainee.pseudonym[:SHOWN_PSEUDONYM_CHARS] + "…", None)
        return Person(user.id, user.username, user.department)

    def user_of(self, trainee: Trainee) -> User | None:
        return self.by_pseudonym.get(trainee.pseudonym)

    def departments(self) -> list[str]:
        return sorted({u.department for u in self.by_pseudonym.values() if u.department})

    def pseudonyms_in(self, department: str | None) -> list[str] | None:
        """The pseudonyms of a department's users (None when no department is asked for)."""
        if not department:
            return None
        return [p for p, user in self.by_pseudonym.items() if user.department == department]
