"""Watch lists, sessions and page realism through the CLI, against imitation platforms."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lists.test_run import db_rows, manifests
from tests.support.helpers import capture_folders, only_capture, run_cli
from tests.support.platform_site import BIG_DOWNLOAD, CSV_BYTES, PlatformSite


def proxied(platform_site: PlatformSite) -> list[str]:
    return ["--proxy", platform_site.proxy, "--ignore-https-errors"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- bad lists: every message, nothing captured ------------------------------------------


def test_bad_list_lists_every_problem_and_captures_nothing(tmp_path: Path, store: Path) -> None:
    bad = write(
        tmp_path / "solo.toml",
        """[[entry]]
name = "Budi S."
platform = "instgram"
handle = "budi.s"

[[entry]]
name = "Sari"
platform = "x"
handle = "sari"

[[entry]]
name = "Sari lagi"
platform = "twitter"
handle = "@Sari"

[[entry]]
nama = "Tanpa nama"
url = "javascript:alert(1)"
""",
    )
    result = run_cli("run", str(bad), store=store)
    assert result.exit_code == 2, result.output
    out = result.output
    assert (
        f'{bad}: entry 1 ("Budi S."): unknown platform "instgram" (did you mean "instagram"?) '
        "(line 3)" in out
    )
    assert (
        f'{bad}: entry 3 ("Sari lagi"): duplicate of entry 2 (same URL https://x.com/sari)' in out
    )
    assert 'unknown key "nama" (did you mean "name"?)' in out
    assert 'missing "name"' in out and "must be http or https" in out
    assert "5 problems; nothing was captured" in out
    assert not store.exists()


def test_profiles_check_prints_resolved_urls(tmp_path: Path) -> None:
    result = run_cli("profiles", "check", "profiles/example.toml")
    assert result.exit_code == 0, result.output
    assert "https://www.instagram.com/contoh.budi.fiktif/" in result.output
    assert "https://x.com/contoh_agus_ff" in result.output
    assert "profiles/example.toml: 8 entries OK" in result.output
    only = run_cli("profiles", "check", "profiles/example.toml", "--only", "guru")
    assert "1 entries OK" in only.output
    typo = run_cli("profiles", "check", "profiles/example.toml", "--only", "gurru")
    assert typo.exit_code == 2 and 'no entry has tag "gurru" (did you mean "guru"?)' in typo.output


def test_profiles_check_refuses_a_session_file_others_can_read(tmp_path: Path) -> None:
    state = write(tmp_path / "ig.json", '{"cookies": [], "origins": []}')
    state.chmod(0o644)
    listed = write(
        tmp_path / "daftar.toml",
        '[sessions]\ninstagram = "ig.json"\n\n[[entry]]\nname = "Budi"\n'
        'platform = "instagram"\nhandle = "budi"\n',
    )
    result = run_cli("profiles", "check", str(listed))
    assert result.exit_code == 2
    assert f"chmod 600 {state}" in result.output and "(mode 0644)" in result.output
    state.chmod(0o600)
    ok = run_cli("profiles", "check", str(listed))
    assert ok.exit_code == 0 and "ig.json" in ok.output


def test_profiles_import_writes_a_list_and_never_overwrites(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "daftar.csv",
        "Name;NIP;Unit;Platform;Handle;URL;Tags\n"
        'Budi S.;19870312 201001 1 003;Dinas Pendidikan;instagram;@budi.s;;"guru;laweyan"\n'
        "Sari;;Kecamatan;facebook;;https://www.facebook.com/sari.w/posts/123;bukti\n",
    )
    out = tmp_path / "daftar.toml"
    result = run_cli("profiles", "import", str(csv), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote 2 entries to {out}" in result.output
    text = out.read_text("utf-8")
    assert 'nip = "198703122010011003"' in text and 'tags = ["guru", "laweyan"]' in text
    check = run_cli("profiles", "check", str(out))
    assert "https://www.instagram.com/budi.s/" in check.output
    again = run_cli("profiles", "import", str(csv), "--out", str(out))
    assert again.exit_code == 2 and "refusing to overwrite" in again.output
    assert out.read_text("utf-8") == text
    bad = write(tmp_path / "salah.csv", "nama,platfrom,handle\nBudi,instagram,budi\n")
    failed = run_cli("profiles", "import", str(bad))
    assert failed.exit_code == 2
    assert 'unknown column "platfrom" (did you mean "platform"?)' in failed.output
    assert "nothing was written" in failed.output


def test_only_tag_selects_entries_and_an_unknown_tag_is_refused(
    platform_site: PlatformSite, tmp_path: Path, store: Path
) -> None:
    listed = write(
        tmp_path / "daftar.toml",
        f'[proxy]\n"*" = "{platform_site.proxy}"\n\n'
        '[[entry]]\nname = "Budi"\nplatform = "instagram"\nhandle = "budi"\ntags = ["guru"]\n\n'
        '[[entry]]\nname = "Sari"\nplatform = "x"\nhandle = "sari"\ntags = ["camat"]\n',
    )
    typo = run_cli("run", str(listed), "--only", "gurru", store=store)
    assert typo.exit_code == 2 and 'did you mean "guru"' in typo.output
    assert not store.exists()
    result = run_cli(
        "run",
        str(listed),
        "--only",
        "guru",
        "--host-delay",
        "0",
        "--ignore-https-errors",
        store=store,
    )
    assert result.exit_code == 0, result.output
    [m] = manifests(store)
    assert m["requested_url"] == "https://www.instagram.com/budi/"
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["entries"] == 1 and json.loads(run["only_tags"]) == ["guru"]


def test_proxy_password_with_at_and_slash_never_lands_anywhere(
    platform_site: PlatformSite, tmp_path: Path, store: Path
) -> None:
    # "@" and "/" in the password, percent-encoded (unencoded ones are refused: see
    # tests/unit/cli/test_refusals.py); neither spelling may reach the store or the output
    proxy = platform_site.proxy.replace("http://", "http://agen:p%40ss%2Fw0rd9@")
    listed = write(
        tmp_path / "daftar.toml",
        f'[proxy]\n"*" = "{proxy}"\n\n'
        '[[entry]]\nname = "Budi"\nplatform = "instagram"\nhandle = "budi"\n',
    )
    checked = run_cli("profiles", "check", str(listed))
    result = run_cli("run", str(listed), "--host-delay", "0", "--ignore-https-errors", store=store)
    assert result.exit_code == 0, result.output
    [m] = manifests(store)
    assert m["options"]["proxy"] == platform_site.proxy
    [run] = db_rows(store, "SELECT * FROM runs")
    assert json.loads(run["settings"])["list_proxies"] == {"*": platform_site.proxy}
    stored = [p for p in store.rglob("*") if p.is_file()]
    assert any(p.name == "index.db" for p in stored) and any(p.suffix == ".gz" for p in stored)
    for secret in ("w0rd9", "p@ss", "p%40ss"):
        assert secret not in checked.output + result.output
        for path in stored:
            data = path.read_bytes()
            assert secret.encode() not in data, (path, secret)
            if path.suffix == ".gz":
                assert secret.encode() not in gzip.decompress(data), (path, secret)


# -- the circuit breaker --------------------------------------------------------------------


def test_breaker_stops_a_platform_after_consecutive_walls(
    platform_site: PlatformSite, tmp_path: Path, store: Path
) -> None:
    handles = ["alogin", "blogin", "clogin", "dlogin", "budi"]
    entries = "".join(
        f'\n[[entry]]\nname = "Orang {h}"\nplatform = "instagram"\nhandle = "{h}"\n'
        for h in handles
    )
    entries += '\n[[entry]]\nname = "Sari"\nplatform = "x"\nhandle = "sari"\n'
    listed = write(tmp_path / "daftar.toml", f'[proxy]\n"*" = "{platform_site.proxy}"\n{entries}')
    result = run_cli(
        "run",
        str(listed),
        "--breaker",
        "2",
        "--host-delay",
        "0.2",
        "--ignore-https-errors",
        store=store,
    )
    assert result.exit_code == 1  # the breaker left entries uncaptured: the run failed
    out = result.output
    assert "stopped capturing instagram: 2 consecutive rate_limited/login_wall captures" in out
    rows = db_rows(store, "SELECT * FROM run_entries ORDER BY entry_index")
    statuses = [(r["status"], r["outcome"]) for r in rows]
    # one capture at a time per host (host delay > 0): the first two walls open the breaker
    assert statuses[:2] == [("done", "login_wall"), ("done", "login_wall")]
    assert statuses[2:5] == [("skipped", None)] * 3
    assert statuses[5] == ("done", "ok")  # other platforms carry on
    assert "circuit breaker open for instagram" in rows[2]["reason"]
    assert len(capture_folders(store)) == 3
    assert "3 entries not captured; resume with: collector run --resume run-" in out


# -- Ctrl-C and --resume ------------------------------------------------------------------


def test_ctrl_c_stops_cleanly_and_resume_captures_only_what_is_missing(
    platform_site: PlatformSite, tmp_path: Path, store: Path
) -> None:
    entries = "".join(
        f'\n[[entry]]\nname = "Orang {i}"\nplatform = "instagram"\nhandle = "orang{i}"\n'
        for i in range(1, 7)
    )
    listed = write(tmp_path / "daftar.toml", f'[proxy]\n"*" = "{platform_site.proxy}"\n{entries}')
    argv = [
        sys.executable,
        "-m",
        "collector",
        "run",
        str(listed),
        "--store",
        str(store),
        "--host-delay",
        "1",
        "--ignore-https-errors",
        "--case",
        "K-1",
        "--operator",
        "Dwi",
    ]
    # its own process group, like a shell job: Ctrl-C signals the whole group
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("[1/6]"):
            os.killpg(proc.pid, signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=60)
    out = "".join(lines) + rest
    assert proc.returncode == 130, out + err
    assert "Ctrl-C: finishing the captures in progress" in err
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["status"] == "interrupted"
    done = db_rows(store, "SELECT * FROM run_entries WHERE status = 'done'")
    assert 1 <= len(done) < 6
    assert all(r["outcome"] == "ok" for r in done)  # the capture in flight finished well
    assert len(capture_folders(store)) == len(done)
    assert not list((store / ".incoming").iterdir())
    assert f"resume with: collector run --resume {run['id']}" in out

    resumed = run_cli(
        "run",
        "--resume",
        run["id"][:20],
        "--host-delay",
        "0",
        "--ignore-https-errors",
        store=store,
    )
    assert resumed.exit_code == 0, resumed.output
    assert f"6 entries, {6 - len(done)} to capture" in resumed.output
    [run] = db_rows(store, "SELECT * FROM runs")
    assert run["status"] == "finished" and run["ok"] == 6
    assert len(json.loads(run["resumed_at"])) == 1
    ms = manifests(store)
    assert len(ms) == 6  # nothing captured twice
    assert {m["run"]["entry"]["index"] for m in ms} == set(range(1, 7))
    assert {m["case"] for m in ms} == {"K-1"} and {m["operator"] for m in ms} == {"Dwi"}
    again = run_cli("run", "--resume", run["id"], store=store)
    assert again.exit_code == 0 and "6 entries, 0 to capture" in again.output


def test_resume_refuses_a_changed_list(
    platform_site: PlatformSite, tmp_path: Path, store: Path
) -> None:
    listed = write(
        tmp_path / "daftar.toml",
        f'[proxy]\n"*" = "{platform_site.proxy}"\n\n'
        '[[entry]]\nname = "Budi"\nplatform = "instagram"\nhandle = "budi"\n',
    )
    first = run_cli("run", str(listed), "--host-delay", "0", "--ignore-https-errors", store=store)
    assert first.exit_code == 0, first.output
    [run] = db_rows(store, "SELECT * FROM runs")
    listed.write_text(listed.read_text("utf-8") + "# diubah\n", encoding="utf-8")
    result = run_cli("run", "--resume", run["id"], store=store)
    assert result.exit_code == 2 and "changed since the run started" in result.output
    unknown = run_cli("run", "--resume", "run-nope", store=store)
    assert unknown.exit_code == 2 and "no run matches 'run-nope'" in unknown.output
    listing = run_cli("runs", store=store)
    assert run["id"] in listing.output and "finished" in listing.output
    detail = run_cli("runs", run["id"], store=store)
    assert "Budi" in detail.output and "ok" in detail.output


# -- investigator sessions ----------------------------------------------------------------


def storage_state(path: Path, value: str, mode: int = 0o600) -> Path:
    state = {
        "cookies": [
            {
                "name": "sessionid",
                "value": value,
                "domain": ".instagram.com",
                "path": "/",
                "expires": 1893456000,  # 2030-01-01
                "httpOnly": True,
                "secure": True,
                "sameSite": "Lax",
            }
        ],
        "origins": [],
    }
    path.write_text(json.dumps(state), encoding="utf-8")
    path.chmod(mode)
    return path


def test_session_check_tells_logged_in_from_logged_out(
    platform_site: PlatformSite, tmp_path: Path
) -> None:
    good = storage_state(tmp_path / "ig.json", "valid-peneliti-123")
    result = run_cli("session", "check", str(good), "--platform", "ig", *proxied(platform_site))
    assert result.exit_code == 0, result.output
    assert "LOGGED IN: the instagram session works" in result.output
    assert "cookie   sessionid for .instagram.com: valid until 2030-01-01T00:00:00.000Z" in (
        result.output
    )
    assert "https://www.instagram.com/accounts/edit/" in result.output
    stale = storage_state(tmp_path / "lama.json", "kedaluwarsa")
    result = run_cli(
        "session", "check", str(stale), "--platform", "instagram", *proxied(platform_site)
    )
    assert result.exit_code == 1
    assert "NOT LOGGED IN" in result.output and "login_wall" in result.output
    assert "instagram.login_url" in result.output
    loose = storage_state(tmp_path / "longgar.json", "valid-x", mode=0o640)
    result = run_cli("session", "check", str(loose), "--platform", "instagram")
    assert result.exit_code == 2 and f"chmod 600 {loose}" in result.output


def test_run_with_a_session_records_which_never_its_cookies(
    platform_site: PlatformSite, tmp_path: Path, store: Path
) -> None:
    state = storage_state(tmp_path / "ig.json", "valid-rahasia-sesi")
    listed = write(
        tmp_path / "daftar.toml",
        f'[sessions]\ninstagram = "ig.json"\n\n[proxy]\n"*" = "{platform_site.proxy}"\n\n'
        '[[entry]]\nname = "Budi"\nplatform = "instagram"\nhandle = "budi"\n\n'
        '[[entry]]\nname = "Sari"\nplatform = "x"\nhandle = "sari"\n',
    )
    result = run_cli("run", str(listed), "--host-delay", "0", "--ignore-https-errors", store=store)
    assert result.exit_code == 0, result.output
    import hashlib

    by_url = {m["requested_url"]: m for m in manifests(store)}
    ig = by_url["https://www.instagram.com/budi/"]
    assert ig["session"]["file"] == "ig.json"
    assert ig["session"]["sha256"] == hashlib.sha256(state.read_bytes()).hexdigest()
    assert ig["session"]["har_cookies_redacted"] >= 1
    assert ig["options"]["storage_state"] == "ig.json"
    assert by_url["https://x.com/sari"]["session"] is None
    for folder in capture_folders(store):
        for path in folder.iterdir():
            assert b"valid-rahasia-sesi" not in path.read_bytes(), path
    assert run_cli("verify", store=store).exit_code == 0
    # a session file others can read is refused before anything is captured
    state.chmod(0o604)
    refused = run_cli("run", str(listed), store=store)
    assert refused.exit_code == 2 and "chmod 600" in refused.output
    assert len(capture_folders(store)) == 2


# -- what the page really is, for ad hoc captures too ----------------------------------------


@pytest.mark.parametrize(
    ("url", "outcome", "marker"),
    [
        ("https://www.instagram.com/budilogin/", "login_wall", "instagram.login_url"),
        ("https://www.instagram.com/budigone/", "not_found", "instagram.unavailable"),
        ("https://www.tiktok.com/@budiprivate", "private", "tiktok.private"),
        ("https://www.threads.net/@budiratelimit", "rate_limited", "web.http_429"),
        ("https://www.facebook.com/budicaptcha", "captcha", "web.captcha_widget"),
        ("https://www.threads.net/@budiempty", "empty", "page.empty"),
    ],
)
def test_capture_classifies_the_page(
    platform_site: PlatformSite, store: Path, url: str, outcome: str, marker: str
) -> None:
    result = run_cli("capture", url, *proxied(platform_site), store=store)
    assert result.exit_code == 4, result.output  # captured, and a finding
    folder, m = only_capture(store)
    assert m["outcome"] == outcome and outcome in result.output
    assert m["classification"]["outcome"] == outcome
    assert any(x.startswith(marker) for x in m["classification"]["markers"]), m["classification"]
    assert (folder / "screenshot.png").exists()  # what the page really was is preserved


def test_expect_text_makes_success_explicit(platform_site: PlatformSite, store: Path) -> None:
    url = "https://www.instagram.com/budi/"
    missing = run_cli(
        "capture", url, "--expect-text", "Siti Rahma", *proxied(platform_site), store=store
    )
    assert missing.exit_code == 4
    _, m = only_capture(store)
    assert m["outcome"] == "expectation_failed"
    assert m["outcome_reason"] == 'expect_text: "Siti Rahma" absent'


def test_wait_for_that_never_appears_is_an_expectation_failure(
    platform_site: PlatformSite, store: Path
) -> None:
    result = run_cli(
        "capture",
        "https://x.com/budi",
        "--wait-for",
        "#tidak-ada",
        "--timeout",
        "8",
        *proxied(platform_site),
        store=store,
    )
    assert result.exit_code == 4
    _, m = only_capture(store)
    assert m["outcome"] == "expectation_failed"
    assert m["outcome_reason"] == "wait_for: selector never appeared"


# -- consent overlays ---------------------------------------------------------------------


def test_consent_banner_clicked_after_the_as_served_shot(
    platform_site: PlatformSite, store: Path
) -> None:
    result = run_cli(
        "capture", "http://berita.contoh.id/cookie", *proxied(platform_site), store=store
    )
    assert result.exit_code == 0, result.output
    folder, m = only_capture(store)
    consent = m["consent"]
    assert consent["clicked"] is True and consent["label"] == "terima semua"
    assert consent["selector"] == 'button "terima semua"'
    assert consent["at"].endswith("Z") and m["started_at"] <= consent["at"] <= m["finished_at"]
    assert consent["screenshot"]["artifact"] == "screenshot-after-consent.png"
    names = {a["name"] for a in m["artifacts"]}
    assert {"screenshot.png", "screenshot-after-consent.png"} <= names
    before = (folder / "screenshot.png").read_bytes()
    after = (folder / "screenshot-after-consent.png").read_bytes()
    assert before != after
    assert "Situs ini memakai cookie" in (folder / "response.html").read_text("utf-8")
    assert "Situs ini memakai cookie" not in (folder / "dom.html").read_text("utf-8")
    sums = (folder / "SHA256SUMS").read_text()
    assert "screenshot-after-consent.png" in sums


def test_no_consent_click_leaves_a_consent_wall(platform_site: PlatformSite, store: Path) -> None:
    url = "https://www.facebook.com/budiconsent"
    result = run_cli("capture", url, "--no-consent-click", *proxied(platform_site), store=store)
    assert result.exit_code == 4
    folder, m = only_capture(store)
    assert m["outcome"] == "consent_wall" and m["consent"] == {"enabled": False}
    assert not (folder / "screenshot-after-consent.png").exists()


def test_a_poll_button_saying_setuju_is_never_clicked(
    platform_site: PlatformSite, store: Path
) -> None:
    result = run_cli(
        "capture", "http://berita.contoh.id/polling", *proxied(platform_site), store=store
    )
    assert result.exit_code == 0, result.output
    _, m = only_capture(store)
    assert m["consent"] == {"enabled": True, "clicked": False}
    assert m["page"]["title"] == "Jajak pendapat"


# -- popups and downloads -----------------------------------------------------------------


def test_popup_is_closed_and_logged(platform_site: PlatformSite, store: Path) -> None:
    result = run_cli(
        "capture", "http://berita.contoh.id/popup", *proxied(platform_site), store=store
    )
    assert result.exit_code == 0, result.output
    _, m = only_capture(store)
    [popup] = m["page"]["popups"]
    assert popup["action"] == "closed" and popup["at"].endswith("Z")


def test_download_triggered_by_the_page_is_kept_and_hashed(
    platform_site: PlatformSite, store: Path
) -> None:
    result = run_cli(
        "capture", "http://berita.contoh.id/unduh", *proxied(platform_site), store=store
    )
    assert result.exit_code == 0, result.output
    folder, m = only_capture(store)
    [download] = m["downloads"]
    assert download["status"] == "saved"
    name = download["artifact"]
    assert name == "download-1-laporan_rekap_2024.csv"  # hostile name made safe
    assert download["suggested_filename"].endswith("rekap 2024.csv")
    assert (folder / name).read_bytes() == CSV_BYTES
    import hashlib

    listed = {a["name"]: a for a in m["artifacts"]}
    assert listed[name]["sha256"] == hashlib.sha256(CSV_BYTES).hexdigest()
    assert listed[name]["media_type"] == "text/csv"
    assert run_cli("verify", store=store).exit_code == 0


def test_download_over_the_cap_is_refused_and_logged(
    platform_site: PlatformSite, store: Path
) -> None:
    result = run_cli(
        "capture",
        "http://berita.contoh.id/unduh-besar",
        "--max-download-mb",
        "1",
        *proxied(platform_site),
        store=store,
    )
    assert result.exit_code == 0, result.output
    folder, m = only_capture(store)
    [download] = m["downloads"]
    assert download["status"] == "refused" and download["size"] == BIG_DOWNLOAD
    assert "over the 1048576-byte cap" in download["reason"]
    assert not [p for p in folder.iterdir() if p.name.startswith("download-")]


def test_a_download_target_is_saved_but_not_ok(platform_site: PlatformSite, store: Path) -> None:
    result = run_cli(
        "capture", "http://berita.contoh.id/laporan.csv", *proxied(platform_site), store=store
    )
    assert result.exit_code == 4
    folder, m = only_capture(store)
    assert m["outcome"] == "download"
    [download] = m["downloads"]
    assert download["status"] == "saved"
    assert (folder / download["artifact"]).read_bytes() == CSV_BYTES


# -- the demo -------------------------------------------------------------------------------


def test_demo_runs_the_demo_watch_list(store: Path) -> None:
    result = run_cli("demo", store=store)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "$ collector run profiles/demo.toml --case DEMO-001 --host-delay 0" in out
    assert "the deleted post came out not_found" in out
    assert "5 of 5 captures pass" in out
    [run] = db_rows(store, "SELECT * FROM runs")
    assert json.loads(run["counts"]) == {"ok": 4, "not_found": 1}
    conn = sqlite3.connect(store / "index.db")
    rows = conn.execute("SELECT entry_name, outcome FROM captures ORDER BY entry_name").fetchall()
    conn.close()
    assert ("Budi Santoso (fiktif) — unggahan dihapus", "not_found") in rows
