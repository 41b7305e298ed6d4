"""Who may use the desk: users and roles, password hashes, sessions, CSRF, sign-in limits.

Roles, each with everything of the one before:
  reviewer      read everything, add notes, re-verify a capture
  investigator  + take reports at the intake (capture)
  admin         + hand-over, retire, export, manage users

Passwords are hashed with the standard library's scrypt (N=2^14, r=8, p=1, 16-byte salt),
stored as `scrypt$N$r$p$salt$hash` (base64). A session is a random token in an HttpOnly,
SameSite=Strict cookie; the index keeps only its SHA-256, the user and a CSRF token that
every state-changing form carries back. Changing a user's password or role, or removing
the user, ends their sessions. Sign-in failures are counted per address and per user name:
after `MAX_FAILURES` within `FAILURE_WINDOW_S`, further attempts wait.

Users live in the store's index (table `desk_users`), so one store has one set of users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from collector.errors import UsageError
from collector.records.index import Index
from collector.timeutil import rfc3339, utc_now

ROLES = ("reviewer", "investigator", "admin")
REVIEWER, INVESTIGATOR, ADMIN = ROLES
_RANK = {role: n for n, role in enumerate(ROLES, 1)}
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # scrypt takes any length; a cap keeps a request from costing much
SESSION_HOURS = 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
FAILURE_WINDOW_S = 600.0
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")


def allows(role: str | None, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return role in _RANK and _RANK[role] >= _RANK[needed]


def check_role(role: str) -> str:
    if role not in _RANK:
        raise UsageError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"user name {name!r} is not allowed: 2-32 characters, lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UsageError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return (
        f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$"
        f"{b64(salt).decode('ascii')}${b64(digest).decode('ascii')}"
    )


def password_matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        want = base64.b64decode(digest, validate=True)
        got = _scrypt(password[:MAX_PASSWORD], base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


# A hash to check against when the user does not exist, so that a wrong name takes as
# long as a wrong password (no user enumeration by timing).
_DUMMY = hash_password(secrets.token_urlsafe(16))


# --- users (the CLI's `collector users` and the desk's admin page) ---------------------------


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A user without the password hash."""
    return {k: v for k, v in row.items() if k != "password"}


def list_users(index: Index) -> list[dict[str, Any]]:
    return [public_row(r) for r in index.desk_users()]


def admin_count(index: Index) -> int:
    return sum(1 for r in index.desk_users() if r["role"] == ADMIN)


def add_user(index: Index, name: str, role: str, password: str) -> dict[str, Any]:
    check_name(name)
    check_role(role)
    check_password(password)
    if index.desk_user(name) is not None:
        raise UsageError(f"user {name!r} already exists (use `collector users passwd`)")
    now = rfc3339(utc_now())
    row = {
        "name": name,
        "role": role,
        "password": hash_password(password),
        "created_at": now,
        "updated_at": now,
    }
    index.save_desk_user(row)
    return public_row(row)


def _existing(index: Index, name: str) -> dict[str, Any]:
    row = index.desk_user(name)
    if row is None:
        raise UsageError(f"no user {name!r}")
    return row


def set_password(index: Index, name: str, password: str) -> None:
    row = _existing(index, name)
    check_password(password)
    index.save_desk_user(
        {**row, "password": hash_password(password), "updated_at": rfc3339(utc_now())}
    )


def set_role(index: Index, name: str, role: str) -> None:
    row = _existing(index, name)
    check_role(role)
    if row["role"] == ADMIN and role != ADMIN:
        _keep_an_admin(index, name)
    index.save_desk_user({**row, "role": role, "updated_at": rfc3339(utc_now())})


def remove_user(index: Index, name: str) -> None:
    row = _existing(index, name)
    if row["role"] == ADMIN:
        _keep_an_admin(index, name)
    index.remove_desk_user(name)


def _keep_an_admin(index: Index, leaving: str) -> None:
    """Refuse to lose the last admin while other users remain: they could no longer be
    managed from the desk, and a desk beyond localhost would not start."""
    users = index.desk_users()
    others = [u for u in users if u["name"] != leaving]
    if others and not any(u["role"] == ADMIN for u in others):
        raise UsageError(
            f"{leaving!r} is the last admin and other users remain: make another user admin "
            "first (or remove every user to work locally without signing in)"
        )


def authenticate(index: Index, name: str, password: str) -> dict[str, Any] | None:
    """The user, if the password is theirs; None otherwise (same cost either way)."""
    row = index.desk_user(name) if _NAME.fullmatch(name) else None
    ok = password_matches(password, row["password"] if row else _DUMMY)
    return row if ok and row is not None else None


# --- sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who is asking: a signed-in user, or the local operator (no users, loopback only)."""

    name: str
    role: str
    csrf: str
    session: str | None = None  # SHA-256 of the session token; None for the local operator
    local: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start_session(index: Index, user: dict[str, Any]) -> tuple[str, Identity]:
    """A new session for a user who signed in: (cookie token, identity)."""
    token, csrf = new_token(), new_token()
    now = utc_now()
    index.add_desk_session(
        {
            "token_sha256": token_hash(token),
            "user_name": user["name"],
            "csrf": csrf,
            "created_at": rfc3339(now),
            "expires_at": rfc3339(now + timedelta(hours=SESSION_HOURS)),
        },
        rfc3339(now),
    )
    return token, Identity(user["name"], user["role"], csrf, token_hash(token))


def session_identity(index: Index, token: str | None) -> Identity | None:
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    row = index.desk_session(digest, rfc3339(utc_now()))
    if row is None:
        return None
    return Identity(row["user_name"], row["role"], row["csrf"], digest)


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


# --- sign-in rate limit ----------------------------------------------------------------


class SignInLimiter:
    """Failed sign-ins per key (an address, a user name) within a sliding window."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = FAILURE_WINDOW_S,
        clock: Any = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def wait_s(self, *keys: str) -> float:
        """Seconds until another attempt is allowed for all these keys (0: now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[-self.max_failures] + self.window_s - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # forget keys with nothing recent
                for key in [k for k, v in self._failures.items() if not self._recent(k, now)]:
                    del self._failures[key]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
