"""Web accounts: users, single-use invite links, sign-in sessions, and each user's pseudonym.

No secret is stored as such: passwords as Argon2id hashes (argon2-cffi); invite and session
tokens, which are 256 random bits, as SHA-256 (a slow hash adds nothing to a random token).
The practice data (trainee, attempts, turns, the Rasa tracker) is keyed by the user's
pseudonym, a keyed hash of the user id, so it never holds a username or a department.
Used by the web app and by ``qser users``; every function runs in the caller's unit of work.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.store.models import ROLES, Invite, User, WebSession, utcnow
from bot.identity import keyed_pseudonym

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_CHARS = 10
PSEUDONYM_PREFIX = "web-"


class AccountError(ValueError):
    """A refused account change; ``key`` names the message (data/messages) that explains it."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key = key
        self.params = params


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    """Checked against when the username does not exist, so both failures take the same time."""
    return _hasher().hash(secrets.token_hex(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pseudonym(key: bytes, user_id: int) -> str:
    """The Rasa sender id of a web user: derived on the server, never sent by the browser."""
    return keyed_pseudonym(key, PSEUDONYM_PREFIX, f"web-user:{user_id}")


def generate_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits


def normalise_username(username: str) -> str:
    return username.strip().lower()


def _check_new_account(session: Session, username: str, password: str, role: str) -> str:
    name = normalise_username(username)
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    if not USERNAME.match(name):
        raise AccountError("web_username_invalid")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError("web_password_short", min=MIN_PASSWORD_CHARS)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise AccountError("web_username_taken")
    return name


def create_user(session: Session, username: str, password: str, role: str, department: str | None = None) -> User:
    name = _check_new_account(session, username, password, role)
    user = User(username=name, password_hash=_hasher().hash(password), role=role, department=department or None)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:  # the same name taken meanwhile by a concurrent sign-up
        raise AccountError("web_username_taken") from None
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    try:
        _hasher().verify(user.password_hash if user else _unknown_user_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher().check_needs_rehash(user.password_hash):  # the hasher's parameters were raised since
        user.password_hash = _hasher().hash(password)
    return user


# --- invites -------------------------------------------------------------------------------

def create_invite(session: Session, days: int, role: str = "trainee", department: str | None = None) -> str:
    """A new invite; returns its token (shown once, in the link), storing only its hash."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    token = secrets.token_urlsafe(32)
    session.add(Invite(token_hash=_digest(token), role=role, department=department or None,
                       expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return token


def open_invite(session: Session, token: str) -> Invite | None:
    """The invite behind ``token`` if it is unused and unexpired."""
    return session.scalar(select(Invite).where(Invite.token_hash == _digest(token), Invite.used_at.is_(None),
                                               Invite.expires_at > utcnow()))


def redeem_invite(session: Session, token: str, username: str, password: str) -> User:
    """Create the account an invite offers; the invite then works no more."""
    invite = open_invite(session, token)
    if invite is None:
        raise AccountError("web_invite_invalid")
    user = create_user(session, username, password, invite.role, invite.department)
    claimed = session.execute(update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None))
                              .values(used_at=utcnow(), user_id=user.id))
    if claimed.rowcount != 1:  # redeemed by a concurrent request in between: this one loses
        raise AccountError("web_invite_invalid")
    return user


# --- sessions ------------------------------------------------------------------------------

def start_session(session: Session, user_id: int, hours: int) -> tuple[str, WebSession]:
    """Sign a user in: returns the cookie's token (stored only as a hash) and the session row."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=_digest(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                     expires_at=now + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def session_for(session: Session, token: str) -> WebSession | None:
    """The unexpired session behind a cookie's token, with its user."""
    return session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token),
                                                   WebSession.expires_at > utcnow()))


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
