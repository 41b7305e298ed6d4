"""Targets and proxies the CLI refuses before anything is launched or written: one clear
line, exit 2, and never a password in what it prints (collector.sites.urls)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import run_cli

SECRETS = ("w0rd9", "p@ss", "pa@ss", "ss/w0rd", "p%40ss")


def refused(store: Path, *args: str) -> str:
    result = run_cli(*args, store=store)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    assert "Traceback" not in result.output
    assert not store.exists()
    return lines[0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", 'malformed URL "http://[::1"'),
        ("\uff46\uff49\uff4c\uff45:///etc/passwd", 'URL "\uff46\uff49\uff4c\uff45:///etc/passwd"'),
        ("\uff46\uff49\uff4c\uff45:///etc/passwd", 'not "file:"'),
        ("notaurl", '"notaurl" is not a plausible host'),
        ("https://budi:w0rd9@x.org/", "must not contain credentials"),
        ("https://budi:p@ss/w0rd9@x.org/", "must not contain credentials"),
    ],
)
def test_capture_refuses_bad_targets(tmp_path: Path, url: str, message: str) -> None:
    line = refused(tmp_path / "ev", "capture", url)
    assert message in line
    assert not any(secret in line for secret in SECRETS), line


@pytest.mark.parametrize(
    "proxy",
    [
        "ftp://agen:w0rd9@127.0.0.1:21",
        "http://agen:p@ss/w0rd9@127.0.0.1:8080",
        "http://agen:pa@ssw0rd9@127.0.0.1:8080",
        "socks5://agen:w0rd9@",
    ],
)
def test_capture_and_run_refuse_bad_proxies_showing_no_secret(tmp_path: Path, proxy: str) -> None:
    line = refused(tmp_path / "ev", "capture", "http://127.0.0.1:9/", "--proxy", proxy)
    assert "--proxy" in line and not any(secret in line for secret in SECRETS), line
    listed = tmp_path / "daftar.toml"
    listed.write_text('[[entry]]\nname = "A"\nurl = "http://127.0.0.1:9/"\n', "utf-8")
    line = refused(tmp_path / "ev", "run", str(listed), "--proxy", proxy)
    assert "--proxy" in line and not any(secret in line for secret in SECRETS), line


def test_session_check_refuses_a_bad_proxy_showing_no_secret(tmp_path: Path) -> None:
    state = tmp_path / "sesi.json"
    state.write_text('{"cookies": []}', "utf-8")
    state.chmod(0o600)
    result = run_cli(
        "session",
        "check",
        str(state),
        "--platform",
        "instagram",
        "--proxy",
        "http://agen:p@ss/w0rd9@127.0.0.1:8080",
    )
    assert result.exit_code == 2 and "ambiguous" in result.output, result.output
    assert not any(secret in result.output for secret in SECRETS), result.output


def test_profiles_check_never_prints_a_proxy_password(tmp_path: Path) -> None:
    entry = '[[entry]]\nname = "A"\nurl = "https://example.org/"\n'
    good = tmp_path / "baik.toml"
    good.write_text(f'[proxy]\n"*" = "http://agen:p%40ss%2Fw0rd9@127.0.0.1:8080"\n\n{entry}')
    shown = run_cli("profiles", "check", str(good))
    assert shown.exit_code == 0, shown.output
    assert "http://127.0.0.1:8080" in shown.output
    assert "agen" not in shown.output
    assert not any(secret in shown.output for secret in SECRETS), shown.output
    ambiguous = tmp_path / "ragu.toml"
    ambiguous.write_text(f'[proxy]\n"*" = "http://agen:p@ss/w0rd9@127.0.0.1:8080"\n\n{entry}')
    result = run_cli("profiles", "check", str(ambiguous))
    assert result.exit_code == 2 and "ambiguous" in result.output, result.output
    assert not any(secret in result.output for secret in SECRETS), result.output
    ran = run_cli("run", str(ambiguous), store=tmp_path / "ev")
    assert ran.exit_code == 2 and "ambiguous" in ran.output and "nothing was captured" in ran.output
    assert not any(secret in ran.output for secret in SECRETS), ran.output
    assert not (tmp_path / "ev").exists()
