"""Users, passwords, sessions and the sign-in limit of the review desk (no browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.desk import auth
from collector.errors import UsageError
from collector.records.index import Index

PASSWORD = "kata-sandi-rahasia"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index(tmp_path / "index.db") as idx:
        yield idx


def test_password_hash_is_scrypt_salted_and_checks() -> None:
    one, two = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert one.startswith("scrypt$16384$8$1$")
    assert one != two  # a fresh salt each time
    assert auth.password_matches(PASSWORD, one)
    assert not auth.password_matches(PASSWORD + "x", one)
    assert not auth.password_matches(PASSWORD, "md5$abc")
    assert not auth.password_matches(PASSWORD, "scrypt$1$2$3$!!!$???")


def test_roles_are_ordered() -> None:
    assert auth.allows("admin", "investigator") and auth.allows("admin", "reviewer")
    assert auth.allows("investigator", "reviewer")
    assert not auth.allows("reviewer", "investigator")
    assert not auth.allows("investigator", "admin")
    assert not auth.allows(None, "reviewer") and not auth.allows("root", "reviewer")


@pytest.mark.parametrize("name", ["a", "Dwi", "dwi budi", "../x", "-dwi", "x" * 33, "dwi\n"])
def test_bad_user_names_are_refused(index: Index, name: str) -> None:
    with pytest.raises(UsageError, match="user name"):
        auth.add_user(index, name, "reviewer", PASSWORD)


def test_add_list_never_shows_hashes(index: Index) -> None:
    auth.add_user(index, "dwi", "investigator", PASSWORD)
    with pytest.raises(UsageError, match="already exists"):
        auth.add_user(index, "dwi", "admin", PASSWORD)
    with pytest.raises(UsageError, match="at least 10"):
        auth.add_user(index, "rina", "reviewer", "short")
    with pytest.raises(UsageError, match="unknown role"):
        auth.add_user(index, "rina", "boss", PASSWORD)
    users = auth.list_users(index)
    assert [(u["name"], u["role"]) for u in users] == [("dwi", "investigator")]
    assert "password" not in users[0]
    stored = index.desk_user("dwi")
    assert stored is not None and PASSWORD not in stored["password"]


def test_authenticate(index: Index) -> None:
    auth.add_user(index, "dwi", "reviewer", PASSWORD)
    assert auth.authenticate(index, "dwi", PASSWORD)["name"] == "dwi"  # type: ignore[index]
    assert auth.authenticate(index, "dwi", "salah-salah-salah") is None
    assert auth.authenticate(index, "nobody", PASSWORD) is None
    assert auth.authenticate(index, "../etc", PASSWORD) is None


def test_sessions_end_when_the_password_or_role_changes(index: Index) -> None:
    auth.add_user(index, "dwi", "investigator", PASSWORD)
    user = index.desk_user("dwi")
    assert user is not None
    token, who = auth.start_session(index, user)
    found = auth.session_identity(index, token)
    assert found is not None and (found.name, found.role, found.csrf) == (
        "dwi",
        "investigator",
        who.csrf,
    )
    assert index.desk_session(auth.token_hash(token), "9999") is None  # expired by then
    assert auth.session_identity(index, token + "x") is None
    assert auth.session_identity(index, None) is None
    auth.set_password(index, "dwi", PASSWORD + "2")
    assert auth.session_identity(index, token) is None
    token, _ = auth.start_session(index, user)
    auth.set_role(index, "dwi", "reviewer")
    assert auth.session_identity(index, token) is None
    token, _ = auth.start_session(index, user)
    auth.remove_user(index, "dwi")
    assert auth.session_identity(index, token) is None


def test_the_session_token_is_not_stored(index: Index) -> None:
    auth.add_user(index, "dwi", "admin", PASSWORD)
    user = index.desk_user("dwi")
    assert user is not None
    token, _ = auth.start_session(index, user)
    dump = "\n".join(index.db.iterdump())
    assert token not in dump
    assert auth.token_hash(token) in dump


def test_the_last_admin_stays_while_others_remain(index: Index) -> None:
    auth.add_user(index, "boss", "admin", PASSWORD)
    auth.add_user(index, "dwi", "reviewer", PASSWORD)
    with pytest.raises(UsageError, match="last admin"):
        auth.remove_user(index, "boss")
    with pytest.raises(UsageError, match="last admin"):
        auth.set_role(index, "boss", "reviewer")
    auth.add_user(index, "rina", "admin", PASSWORD)
    auth.remove_user(index, "boss")
    assert auth.admin_count(index) == 1
    auth.remove_user(index, "dwi")
    auth.remove_user(index, "rina")  # the last user of all: back to working locally
    assert auth.list_users(index) == []


def test_csrf_comparison() -> None:
    assert auth.csrf_ok("abc", "abc")
    assert not auth.csrf_ok("abc", "abd")
    assert not auth.csrf_ok("abc", None)
    assert not auth.csrf_ok("abc", "")


def test_sign_in_limiter_counts_per_key_and_forgets_after_the_window() -> None:
    now = [1000.0]
    limiter = auth.SignInLimiter(max_failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.wait_s("addr:1", "user:dwi") == 0
        limiter.failed("addr:1", "user:dwi")
    assert limiter.wait_s("addr:1") == pytest.approx(60)
    assert limiter.wait_s("addr:2", "user:dwi") == pytest.approx(60)  # the name too
    assert limiter.wait_s("addr:2", "user:rina") == 0
    now[0] += 30
    assert limiter.wait_s("addr:1") == pytest.approx(30)
    now[0] += 31
    assert limiter.wait_s("addr:1", "user:dwi") == 0
    limiter.failed("addr:1")
    limiter.succeeded("addr:1")
    assert limiter.wait_s("addr:1") == 0
