"""The desk on the demo store, as a newcomer meets it after `bash .ci/bootstrap demo`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from collector.desk.app import running_desk
from tests.desk.test_desk_browser import Watch, docs_screenshot, rows
from tests.support.helpers import run_cli


@pytest.mark.slow
def test_the_demo_ends_on_the_desk(page: Page, tmp_path: Path) -> None:
    store = tmp_path / "evidence"
    demo = run_cli("demo", store=store)
    assert demo.exit_code == 0, demo.output
    assert f"collector serve --store {store}" in demo.output
    watch = Watch(page)
    page.set_viewport_size({"width": 1400, "height": 860})
    with running_desk(store, port=0) as server:
        base = server.url.rstrip("/")
        page.goto(base + "/")
        expect(rows(page)).to_have_count(5)
        expect(page.locator("table.captures")).to_contain_text("Budi Santoso (fiktif)")
        for img in page.locator("td.thumb img").all():
            img.scroll_into_view_if_needed()
            expect(img).to_have_js_property("complete", True)
            assert img.evaluate("i => i.naturalWidth") == 1280
        page.evaluate("window.scrollTo(0, 0)")
        docs_screenshot(page, "desk-list.png")
        page.select_option("select[name=outcome]", "not_found")
        page.click("form.filters button[type=submit]")
        expect(rows(page)).to_have_count(1)
        expect(rows(page).first).to_contain_text("hilang")
        page.goto(base + "/?outcome=ok&url=post/1")
        rows(page).first.locator("a.title").click()
        expect(page.locator("h1")).to_contain_text(re.compile("kampanye", re.I))
        expect(page.locator("table.kv")).to_contain_text("DEMO-001")
        expect(page.locator("#custody")).to_contain_text("captured")
        docs_screenshot(page, "desk-capture.png")
        page.click("header nav a[href='/runs']")
        page.locator("table.grid a.mono").first.click()
        expect(page.locator("main")).to_contain_text("unggahan dihapus")
    watch.assert_quiet()
