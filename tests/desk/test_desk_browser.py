"""The review desk in a real headless Chromium: what a reviewer and an officer do."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from collector.records.custody import default_actor
from tests.desk.conftest import CASE, PASSWORD
from tests.support.helpers import run_cli
from tests.support.site import SiteServer

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


class Watch:
    """Everything that would show that captured content ran: dialogs, page errors,
    console messages (CSP violations included)."""

    def __init__(self, page: Page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))

    def assert_quiet(self) -> None:
        assert self.dialogs == []
        assert self.errors == []
        assert [m for m in self.console if m.startswith("error")] == [], self.console


def rows(page: Page) -> Any:
    return page.locator("table.captures tbody tr")


def docs_screenshot(page: Page, name: str) -> None:
    """With COLLECTOR_DOCS_SCREENSHOTS=1, the README's picture of the desk is taken here."""
    if os.environ.get("COLLECTOR_DOCS_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMG / name), full_page=False)


def test_filter_search_open_and_zoom(page: Page, desk: str) -> None:
    watch = Watch(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(desk + "/")
    expect(page.locator("h1")).to_contain_text("Tangkapan")
    expect(rows(page)).to_have_count(7)
    expect(page.locator("td.thumb img").first).to_have_js_property("complete", True)
    docs_screenshot(page, "desk-list.png")

    page.select_option("select[name=outcome]", "not_found")
    page.click("form.filters button[type=submit]")
    expect(rows(page)).to_have_count(2)  # the 404, by hand and in the run
    expect(rows(page).first).to_contain_text("/missing")
    page.select_option("select[name=outcome]", "")
    page.select_option("select[name=case]", "DESK-2")
    page.click("form.filters button[type=submit]")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("/final")

    page.click("header nav a[href='/search']")
    page.fill("input[name=q]", "netralitas")
    page.click("form.filters button[type=submit]")
    results = page.locator("ol.results li")
    expect(results).to_have_count(3)
    expect(results.first.locator("mark").first).to_have_text(re.compile("netralitas", re.I))

    results.first.locator("a.title").click()
    expect(page).to_have_url(re.compile(r"/captures/\d{8}T\d{9}Z-[0-9a-f]{6}$"))
    expect(page.locator("h1")).to_contain_text("Pengumuman")
    shot = page.locator("figure.viewer img.shot").first
    expect(shot).to_have_js_property("complete", True)
    natural = shot.evaluate("img => img.naturalWidth")
    fit = shot.bounding_box()
    assert fit is not None and natural == 1280
    page.locator("figure.viewer button[data-zoom=in]").first.click()
    page.locator("figure.viewer button[data-zoom=in]").first.click()
    zoomed = shot.bounding_box()
    assert zoomed is not None and zoomed["width"] > fit["width"] + 50
    page.locator("figure.viewer button[data-zoom=actual]").first.click()
    actual = shot.bounding_box()
    assert actual is not None and round(actual["width"]) == 1280
    expect(page.locator("figure.viewer output.zoomlevel").first).to_have_text("100%")
    page.locator("figure.viewer button[data-zoom=fit]").first.click()
    back = shot.bounding_box()
    assert back is not None and abs(back["width"] - fit["width"]) < 2
    docs_screenshot(page, "desk-capture.png")
    watch.assert_quiet()


def test_a_note_becomes_a_custody_event(page: Page, desk: str, desk_store: Path) -> None:
    page.goto(desk + "/?case=DESK-2")
    rows(page).first.locator("a.title").click()
    page.fill("textarea[name=text]", "Diperiksa: unggahan masih ada <b>tebal</b>")
    page.click("#custody form.stack button[type=submit]")
    expect(page).to_have_url(re.compile(r"done=note&seq=\d+"))
    expect(page.locator("p.flash")).to_contain_text("custody log")
    last = page.locator("table.custody tbody tr").last
    expect(last).to_contain_text("note")
    expect(last).to_contain_text("Diperiksa: unggahan masih ada <b>tebal</b>")
    expect(last).to_contain_text(default_actor())
    cid = page.url.split("/captures/")[1].split("?")[0]
    log = json.loads(run_cli("custody", cid, "--json", store=desk_store).output)
    assert log[-1]["action"] == "note" and log[-1]["actor"] == default_actor()
    assert log[-1]["details"]["text"] == "Diperiksa: unggahan masih ada <b>tebal</b>"


def test_compare_two_captures(page: Page, desk: str) -> None:
    watch = Watch(page)
    page.goto(desk + "/?url=/page/indonesian")
    expect(rows(page)).to_have_count(3)  # twice by hand, once in the run
    ids = [rows(page).nth(i).get_attribute("data-id") for i in (1, 2)]
    for i in (1, 2):
        rows(page).nth(i).locator("input[type=checkbox]").check()
    page.click("#compare button")
    expect(page).to_have_url(re.compile(f"/diff/{ids[0]}/{ids[1]}$"))
    expect(page.locator("h1")).to_contain_text("Perbandingan")
    expect(page.locator(".side-by-side figure.viewer")).to_have_count(2)
    expect(page.locator("table.diff")).to_contain_text("requested URL")
    # the newer capture's page links its comparison with the previous one
    page.goto(f"{desk}/captures/{ids[0]}")
    page.click("#changes a[href^='/diff/']")
    expect(page.locator("h1")).to_contain_text("Perbandingan")
    watch.assert_quiet()


def test_hostile_captured_content_shows_as_text_and_runs_nothing(page: Page, desk: str) -> None:
    watch = Watch(page)
    page.goto(desk + "/?url=/xss")
    title = rows(page).first.locator("a.title")
    expect(title).to_contain_text("<script>window.__pwned = 1; alert('xss')</script>")
    expect(title).to_contain_text('<img src=x onerror="window.__pwned = 2;')
    xss_id = rows(page).first.get_attribute("data-id")
    for target in (
        f"/captures/{xss_id}",
        "/search?q=pwned",
        f"/cases/{CASE}",
        "/changes?all=1",
    ):
        page.goto(desk + target)
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None, target
        assert page.title() != "PWNED"
        assert page.locator("main script, main svg, main iframe").count() == 0, target
        for img in page.locator("main img").all():
            assert (img.get_attribute("src") or "").startswith("/captures/"), target
            assert img.get_attribute("onerror") is None
    page.goto(f"{desk}/captures/{xss_id}")
    expect(page.locator("h1")).to_contain_text("<script>window.__pwned = 1")
    page.goto(desk + "/search?q=pwned")
    expect(page.locator("ol.results p.snippet")).to_contain_text('<img src=x onerror="window.__')
    watch.assert_quiet()


def test_download_the_package_and_verify_it(
    page: Page, desk: str, desk_store: Path, tmp_path: Path
) -> None:
    page.goto(f"{desk}/cases/{CASE}")
    expect(page.locator("h1")).to_contain_text(CASE)
    expect(page.locator("main")).to_contain_text("utuh")
    with page.expect_download() as got:
        page.click("form[action$='/export'] button:has-text('ZIP')")
    package = tmp_path / got.value.suggested_filename
    got.value.save_as(package)
    assert package.suffix == ".zip" and package.name.startswith(f"{CASE}-")
    checked = run_cli("verify-package", str(package))
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip().splitlines()[-1].startswith("PASS")
    log = json.loads(run_cli("custody", "--case", CASE, "--json", store=desk_store).output)
    exported = [e for e in log if e["action"] == "exported"]
    assert len(exported) == 1 and exported[0]["actor"] == default_actor()
    assert exported[0]["details"]["file"] == package.name
    # nothing left behind: the package went to the browser, the desk's copy is gone
    assert list((desk_store / ".desk-cache" / "exports").iterdir()) == []

    with page.expect_download() as got:
        page.click("form[action$='/export'] button:has-text('WACZ')")
    wacz = tmp_path / got.value.suggested_filename
    got.value.save_as(wacz)
    with zipfile.ZipFile(wacz) as zf:
        assert "datapackage.json" in zf.namelist()

    with page.expect_download() as got:
        page.click(f"a[href='/cases/{CASE}/report']")
    report = tmp_path / "report.html"
    got.value.save_as(report)
    assert "Laporan Bukti Digital" in report.read_text("utf-8")


def wait_for_report(page: Page, timeout_ms: int = 90_000) -> None:
    expect(page.locator("table.intake")).to_have_attribute("data-finished", "1", timeout=timeout_ms)


def test_intake_captures_a_report_and_lands_on_the_results(
    page: Page, desk: str, desk_store: Path, site: SiteServer, tmp_path: Path
) -> None:
    watch = Watch(page)
    fresh, gone = site.url("/page/indonesian?laporan=1"), site.url("/missing?laporan=1")
    page.goto(desk + "/report")
    page.fill("textarea[name=urls]", f"{fresh}\njavascript:alert(1)")
    page.click("form.stack button[type=submit]")
    expect(page.locator("p.flash.bad")).to_contain_text("javascript:alert(1)")
    expect(page.locator("textarea[name=urls]")).to_have_value(f"{fresh}\njavascript:alert(1)")
    assert watch.console == [
        "error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]  # the refused form itself
    watch.console.clear()

    page.fill("textarea[name=urls]", f"{fresh}\n{gone}")
    page.fill("input[name=case]", "LAPOR-7")
    page.fill("textarea[name=note]", "laporan warga lewat WhatsApp")
    page.fill("input[name=reporter_name]", "Ibu Sari")
    page.fill("input[name=reporter_contact]", "0812-3456-7890")
    page.select_option("select[name=channel]", "whatsapp")
    page.click("form.stack button[type=submit]")
    expect(page).to_have_url(re.compile(r"/report/rep-"))
    wait_for_report(page)
    table = page.locator("table.intake tbody tr")
    expect(table).to_have_count(2)
    expect(table.nth(0)).to_have_attribute("data-status", "done")
    expect(table.nth(0).locator(".badge")).to_have_text("ok")
    expect(table.nth(1).locator(".badge")).to_have_text("not_found")
    new_id = table.nth(0).locator("a.mono").inner_text()

    page.goto(desk + "/")
    expect(rows(page)).to_have_count(9)
    newest = rows(page).filter(has_text=new_id)
    expect(newest).to_contain_text("ok")
    expect(newest).to_contain_text("LAPOR-7")
    page.goto(f"{desk}/captures/{new_id}")
    expect(page.locator("#intake")).to_contain_text("Ibu Sari")
    expect(page.locator("#intake")).to_contain_text("0812-3456-7890")
    log = json.loads(run_cli("custody", new_id, "--json", store=desk_store).output)
    assert log[0]["action"] == "captured" and log[0]["actor"] == default_actor()

    # the same URL again, minutes later: the desk points at the capture it has
    page.goto(desk + "/report")
    page.fill("textarea[name=urls]", fresh)
    page.click("form.stack button[type=submit]")
    expect(page.locator(".flash.warn")).to_contain_text("Sudah ditangkap")
    expect(page.locator(f".flash.warn a[href='/captures/{new_id}']")).to_have_count(1)
    page.check("input[name=force]")
    page.click("form.stack button[type=submit]")
    wait_for_report(page)
    expect(page.locator("table.intake tbody tr .badge")).to_have_text("ok")

    # the reporter's details never leave with the evidence
    page.goto(desk + "/cases/LAPOR-7")
    with page.expect_download() as got:
        page.click("form[action$='/export'] button:has-text('ZIP')")
    package = tmp_path / "lapor.zip"
    got.value.save_as(package)
    with zipfile.ZipFile(package) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            assert b"0812-3456-7890" not in data and b"Ibu Sari" not in data, name
    watch.assert_quiet()


def test_signing_in_and_roles(page: Page, users_desk: str) -> None:
    page.goto(users_desk + "/cases")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fcases$"))
    page.fill("input[name=name]", "rina")
    page.fill("input[name=password]", "salah-sekali-ini")
    page.click("form.stack button[type=submit]")
    expect(page.locator("p.flash.bad")).to_contain_text("salah")
    page.fill("input[name=name]", "rina")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page).to_have_url(users_desk + "/cases")
    expect(page.locator("header .who")).to_contain_text("rina")
    expect(page.locator("header nav a[href='/report']")).to_have_count(0)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["desk_session"]["httpOnly"] and cookies["desk_session"]["sameSite"] == "Strict"
    page.goto(users_desk + "/report")
    expect(page.locator("h1")).to_have_text("403")
    page.goto(users_desk + f"/cases/{CASE}")
    expect(page.locator("form[action$='/export']")).to_have_count(0)
    page.click("header form[action='/signout'] button")
    expect(page).to_have_url(re.compile("/signin$"))
    page.goto(users_desk + "/")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2F$"))
