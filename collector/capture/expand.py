"""Open what a page hides before it is shot, and look for watched people in the result.

This module owns the interaction half of the page run (issue 11): after the window has
been scrolled to the real bottom, it clicks what the platform tables
(collector.sites.expand) say reveals hidden content, scrolls every inner scroll container
to its end, shoots each container's whole content, and, when the job asks, runs find.js.
It never imports Playwright: the browser module hands it a `PageDriver`.

The loop, in rounds until a round changes nothing (bounded by `--max-expand` clicks and
the capture's settle time):
1. click the next safe control a rule matches (collector/capture/js/expand.js), wait for
   what it loads (network quiet, then the DOM quiet), measure what it added. While this
   runs no page of the capture may load another document (the browser module's
   NavigationGuard aborts the request: a form.submit(), a popup, a location change never
   reach the server) and the control is not clicked again; an address changed by the
   page's history API (the same document) is recorded, not undone; a navigation that got
   through anyway is undone. A press whose handler never returns (the page frozen) has
   its script stopped, and expansion ends (`page_unresponsive`), so the page is still
   shot as it stands;
2. scroll every inner scroll container to its end, waiting for what loads at the bottom;
3. if anything grew, scroll the window through again (new lazy content, new buttons);
4. when nothing is left in the page itself, open one dialog (a likers list) and go on.
Before the first round, a capture of a profile's list that has no page of its own
(`CaptureOptions.open_list`: TikTok, Threads) opens the list's dialog from the profile's
counts (collector/capture/js/open_list.js, the rules of collector.sites.expand.ListOpener),
picks its tab, and records under `expand.list` whether the dialog shows the list: a list
that could not be opened makes the capture `expectation_failed` (`list_opened`), never a
good capture of the list. The rounds then scroll the dialog's list to its end.
Then each container is shot tile by tile (a clip of its box as it scrolls, each tile the
content rows not shot yet) and the tiles are stacked losslessly into one PNG
(collector.evidence.png.stack_png); every container and the window go back to the top.
Everything done is recorded for the manifest's `expand`.

Contract with collector/capture/js/find.js (the findings side):
- find.js runs in collector's isolated world after expansion, after the window and every
  container are scrolled back to the top, right before the full-page screenshot that
  `PageCapture.matches_screenshot` names. It receives the needles as a list of dicts
  `{id, kind, value, platform}` and returns a JSON-able list, kept as `PageCapture.matches`.
- The scrolled containers are `globalThis.__collectorContainers = [element, ...]` in that
  world; index i is artifact `container-{i+1}.png` (PageCapture.container_shots[i]). An
  element may have left the document since (check `isConnected`).
- Geometry of container-N.png: a pixel (px, py) shows the container's content point
  (x_in_content, y_in_content) at px = x_in_content * dsf, py = y_in_content * dsf (dsf:
  the capture's device scale factor), where, for an element el inside container c at the
  time of find (c scrolled back to its top):
      y_in_content = el.getBoundingClientRect().top - c.getBoundingClientRect().top
                     - c.clientTop + c.scrollTop
      x_in_content = el.getBoundingClientRect().left - c.getBoundingClientRect().left
                     - c.clientLeft + c.scrollLeft
  i.e. relative to the container's padding box (its scrolled content, without border and
  scrollbar). The PNG is `clientWidth` wide and the content's `scrollHeight` high (capped;
  the info dict says `truncated`), in CSS px times dsf.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urldefrag

from collector.evidence.png import PngError, png_size, stack_png
from collector.models import CaptureJob, Needle, Outcome, PageCapture
from collector.sites.expand import (
    CONTROLS,
    LIST_LABELS,
    action_class_pattern,
    list_opener,
    rules_for,
    social_pattern,
)
from collector.sites.interactions import needle_payload
from collector.timeutil import rfc3339, utc_now

# waiting after a click: network quiet counted from the click, then the DOM quiet
CLICK_QUIET_MS = 100
CLICK_WAIT_CAP_S = 4.0
DOM_QUIET_MS = 60
DOM_WAIT_CAP_MS = 2000
# a control clicked this often is left alone (a "load more" that never runs out)
MAX_SAME_CONTROL = 60
MAX_ROUNDS = 8
# inner scroll containers
CONTAINER_MIN_PX = 60
MAX_CONTAINERS = 8
MAX_CONTAINER_LOADS = 400
STEP_QUIET_MS = 120
TILE_QUIET_MS = 30
MAX_TILES = 400
MAX_REFUSALS_LISTED = 200
# time kept back, inside the settle time, for shooting the containers
SHOT_RESERVE_S = 1.0


class PageDriver(Protocol):
    """What expansion may do to the page: all bounded, failures recorded by the driver."""

    async def call(self, what: str, name: str, arg: Any = None, cap: float = 5.0) -> Any:
        """Run collector/capture/js/<name>.js in the isolated world; None on failure."""
        ...

    async def call_all(
        self, what: str, calls: Sequence[tuple[str, Any]], cap: float = 5.0
    ) -> list[Any] | None:
        """Several scripts one after the other in one round trip: their results."""
        ...

    async def network_quiet(self, quiet_ms: int, cap: float, since: float) -> bool:
        """Wait until no request has been in flight for `quiet_ms` since `since`."""
        ...

    def requests(self) -> int:
        """Requests the page has made so far."""
        ...

    def url(self) -> str:
        """The page's current URL."""
        ...

    def navigations_blocked(self) -> int:
        """Navigations (and popups) refused so far while expanding."""
        ...

    async def go_back(self, to_url: str, cap: float) -> str:
        """Undo a navigation: "back", "reloaded" (went to `to_url` again) or "failed"."""
        ...

    async def shot(self, clip: dict[str, float], cap: float) -> bytes | None:
        """A PNG of `clip` (document CSS px) at the capture's device scale factor."""
        ...

    async def stop_scripts(self) -> None:
        """Stop the page's JavaScript that is running now (a handler that never returns)."""
        ...

    def time_left(self) -> float:
        """Seconds the settle phase may still use."""
        ...

    async def scroll_window(self) -> dict[str, Any]:
        """Scroll the window through to its bottom and back to the top, as at load."""
        ...


@dataclass
class Expansion:
    """What one expansion pass did: the manifest's `expand` and the container PNGs."""

    record: dict[str, Any]
    shots: list[tuple[bytes, dict[str, Any]]] = field(default_factory=list)


async def find_matches(driver: PageDriver, needles: Sequence[Needle]) -> tuple[dict[str, Any], ...]:
    """find.js over the rendered page (see the module docstring for the contract)."""
    # the interface fields, plus the regex and link rule collector.sites.interactions builds
    arg = [needle_payload(n) for n in needles]
    found = await driver.call("looking for the watched people", "find", arg, 10.0)
    if not isinstance(found, list):
        return ()
    return tuple(m for m in found if isinstance(m, dict))


async def expand_page(
    driver: PageDriver,
    platform: str | None,
    *,
    max_clicks: int,
    quiet_ms: int,
    max_height: int,
    device_scale_factor: float,
    first_artifact: int = 1,
    open_list: str | None = None,
    rules: bool = True,
) -> Expansion:
    """Open what the page hides, scroll its containers, shoot them (see module docstring).

    `first_artifact` numbers the container PNGs (container-N.png), so a second pass
    (after a consent click) goes on where the first stopped. `open_list`: the profile's
    list to open in its dialog first. `rules`: False clicks no expansion rule (expansion
    is off), but still opens the list and scrolls its container."""
    expander = _Expander(
        driver, platform, max_clicks, quiet_ms, max_height, device_scale_factor, first_artifact
    )
    if not rules:
        expander.rules = []
    if open_list:
        expander.opener = list_opener(platform, open_list).as_js()
    return await expander.run()


def list_opened(job: CaptureJob, page: PageCapture) -> PageCapture:
    """A capture of a list opened in a dialog whose list did not open is not a good
    capture of the list (evidence rule 5): `expectation_failed`, saying what happened."""
    which = job.options.open_list
    if not which or page.outcome is not Outcome.OK:
        return page
    record = page.expand or {}
    passes = [record, record.get("after_consent") or {}]
    if any((p.get("list") or {}).get("opened") for p in passes):
        return page
    why = (record.get("list") or {}).get("reason") or "the page was not expanded"
    return replace(
        page,
        outcome=Outcome.EXPECTATION_FAILED,
        reason=f"the {which} list could not be opened from the profile: {why}",
    )


def _same_page(a: str, b: str) -> bool:
    return urldefrag(a)[0] == urldefrag(b)[0]


class _Expander:
    def __init__(
        self,
        driver: PageDriver,
        platform: str | None,
        max_clicks: int,
        quiet_ms: int,
        max_height: int,
        dsf: float,
        first_artifact: int,
    ) -> None:
        self.d = driver
        self.platform = platform or "web"
        self.rules = [r.as_js() for r in rules_for(platform)]
        self.social = social_pattern()
        self.max_clicks = max(0, max_clicks)
        self.quiet_ms = quiet_ms
        self.max_height = max_height
        self.dsf = dsf
        self.first_artifact = first_artifact
        self.home = driver.url()
        self.home_doc: Any = None  # the document the clicks are made in (doc.js)
        self.clicks: list[dict[str, Any]] = []
        self.refused: list[dict[str, Any]] = []
        self.refused_count: dict[str, int] = {}
        self.navigations: list[dict[str, Any]] = []
        self.containers: dict[int, dict[str, Any]] = {}
        self.rescrolls: list[dict[str, Any]] = []
        self.skip: set[str] = set()  # controls never to click again (they navigated)
        self.idle: dict[str, int] = {}  # control key -> clicks that loaded nothing
        self.last_grew: bool | None = None
        self.last_key = ""
        self.timing = {"clicks": 0.0, "containers": 0.0, "window": 0.0, "container_shots": 0.0}
        self.dialog_opened = False
        self.stopped_by = "nothing_new"
        self.submits_blocked = 0  # form submissions a clicked control tried, cancelled
        self.survey_social: Any = None
        self.url_changes: list[dict[str, Any]] = []  # by the page's history API
        self.blocked_seen = 0  # navigations the guard had refused at the last look
        self.opener: dict[str, Any] | None = None  # ListOpener.as_js() of the list to open
        self.list_record: dict[str, Any] | None = None

    def out_of_time(self) -> bool:
        return self.d.time_left() <= SHOT_RESERVE_S

    async def run(self) -> Expansion:
        t0 = time.monotonic()
        started = rfc3339(utc_now())
        social: Any = None
        if self.opener is not None:
            await self.open_the_list(self.opener)
        if await self.survey():
            # nothing to click, no container: one round trip in all (a plain page)
            social = self.survey_social
        elif self.stopped_by == "nothing_new":
            await self.rounds()
        shots = await self.shoot_containers()
        registered = 0
        if self.containers:
            registered = await self.d.call(
                "scrolling containers back to top",
                "containers_top",
                [int(i["index"]) for _, i in shots],
                3,
            )
            await self.d.call("scrolling back to top", "top", None, 3)
        if social is None:
            social = await self.d.call("counting social controls", "social_count", self.social, 5)
        record: dict[str, Any] = {
            "enabled": bool(self.rules),
            "platform": self.platform,
            "rules": [r["id"] for r in self.rules],
            "started_at": started,
            "max_clicks": self.max_clicks,
            "clicks": self.clicks,
            "containers": [self.containers[i] for i in sorted(self.containers)],
            "container_shots": len(shots),
            "containers_registered_for_find": registered,
            "navigations": self.navigations,
            "url_changes": self.url_changes,
            "refused": self.refused[:MAX_REFUSALS_LISTED],
            "refused_count": sum(self.refused_count.values()),
            "refused_by_reason": dict(sorted(self.refused_count.items())),
            "social_controls_on_page": social,
            "form_submissions_blocked": self.submits_blocked,
            "window_rescrolls": self.rescrolls,
            "stopped_by": self.stopped_by,
            **({"list": self.list_record} if self.list_record is not None else {}),
            "ms": round((time.monotonic() - t0) * 1000),
            "ms_by_step": {k: round(v * 1000) for k, v in self.timing.items()},
        }
        return Expansion(record, shots)

    async def survey(self) -> bool:
        """The first step, the containers and the social controls in one round trip.
        True when there is nothing to do at all."""
        if self.max_clicks < 1 or self.out_of_time():
            return False
        found = await self.d.call_all(
            "looking for what to expand",
            [
                ("expand", self.click_arg()),
                ("containers", {"minSize": CONTAINER_MIN_PX}),
                ("social_count", self.social),
            ],
            10,
        )
        if not isinstance(found, list) or len(found) != 3 or not isinstance(found[0], dict):
            if await self.unfreeze():
                self.stopped_by = "page_unresponsive"  # the first press never returned
            return False
        step, containers, self.survey_social = found
        control = self.take_step(step)
        if control is not None:
            await self.after_click(control, step.get("before") or {})
            return False
        return not (isinstance(containers, list) and containers)

    async def rounds(self) -> None:
        """Click, scroll the containers, scroll the window, until nothing changes."""
        for _ in range(MAX_ROUNDS):
            t1 = time.monotonic()
            changed = await self.click_round()
            t2 = time.monotonic()
            changed = await self.scroll_containers() or changed
            self.timing["clicks"] += t2 - t1
            self.timing["containers"] += time.monotonic() - t2
            if self.stopped_by != "nothing_new" or not changed:
                break
            t1 = time.monotonic()
            self.rescrolls.append(await self.d.scroll_window())
            self.timing["window"] += time.monotonic() - t1
        else:
            self.stopped_by = "max_rounds"
        await self.check_still_home()  # a navigation the last click started late
        self.note_late_blocks()

    # -- a list in a dialog ----------------------------------------------------------------

    async def open_the_list(self, opener: dict[str, Any]) -> None:
        """Click the count that opens the list, then its tab if another one shows; record
        whether the dialog shows the list (`expand.list`)."""
        which = str(opener["list"])
        rec: dict[str, Any] = {"list": which, "rule": opener["id"], "opened": False}
        rec["at"] = rfc3339(utc_now())
        self.list_record = rec
        self.dialog_opened = True  # no other dialog (a likers list) over this one
        step = await self.list_step(opener, "open")
        if step is None:
            rec["reason"] = "the page could not be searched for the list's count"
            return
        rec["candidates"] = (step.get("candidates") or [])[:20]
        state = step.get("state")
        if step.get("already"):
            rec["how"] = "already open (an earlier pass opened it)"
        elif isinstance(step.get("clicked"), dict):
            rec["opener_click"] = await self.list_click(step)
            state = await self.wait_for_dialog(opener)
            if state is None and not rec["opener_click"].get("navigated"):
                # the count opened nothing: its word may be what listens (same element)
                again = await self.list_step(opener, "open", part="word")
                if again is not None and isinstance(again.get("clicked"), dict):
                    rec["opener_click_word"] = await self.list_click(again)
                    state = await self.wait_for_dialog(opener)
        else:
            refused = [r for r in step.get("refused") or [] if isinstance(r, dict)]
            rec["reason"] = (
                f'no safe element shows a count and "{which}" (refused: '
                + "; ".join(f"{r.get('text')!r}: {r.get('reason')}" for r in refused[:5])
                + ")"
                if refused
                else f'no element on the page shows a count and "{which}" '
                f'(e.g. "123 {which.capitalize()}")'
            )
            return
        if isinstance(state, dict) and state.get("dialog") and not state.get("shows"):
            step = await self.list_step(opener, "tab")
            if step is not None and isinstance(step.get("clicked"), dict):
                rec["tab_click"] = await self.list_click(step)
                state = await self.wait_for_dialog(opener, want_shows=True)
        rec["dialog"] = state
        if not isinstance(state, dict) or not state.get("dialog"):
            rec["reason"] = "no dialog opened after the click on the count"
            return
        other = LIST_LABELS["followers" if which == "following" else "following"]
        title = str(state.get("title") or "")
        if state.get("shows"):
            rec["opened"] = True
        elif "tab_click" in rec and state.get("tabs") and not state.get("selected"):
            # tabs that do not say which one is selected: the list's own was clicked
            rec["opened"] = True
            rec["how"] = "its tab clicked (the page marks no tab as selected)"
        elif not state.get("tabs") and not re.search(rf"\b(?:{other})\b", title):
            # an untitled dialog the list's own count opened
            rec["opened"] = rec.get("opener_click", {}).get("rule") == opener["id"]
            rec["how"] = "a dialog without title or tabs, opened by the list's own count"
        if not rec["opened"]:
            rec["reason"] = (
                f"the dialog shows {state.get('selected') or title or 'another list'!r}, "
                f"and no tab of the {which} list was found in it"
            )

    async def list_step(
        self, opener: dict[str, Any], phase: str, part: str = "count"
    ) -> dict[str, Any] | None:
        arg = {"opener": opener, "social": self.social, "phase": phase, "part": part}
        arg["skip"] = sorted(self.skip)
        step = await self.d.call(f"opening the list ({phase})", "open_list", arg, 10)
        if not isinstance(step, dict):
            return None
        for refusal in step.get("refused") or []:
            reason = str(refusal.get("reason"))
            self.refused_count[reason] = self.refused_count.get(reason, 0) + 1
            self.refused.append({**refusal, "at": rfc3339(utc_now())})
        return step

    async def list_click(self, step: dict[str, Any]) -> dict[str, Any]:
        """Wait for what the click loaded, logged like every click; its record."""
        control = step["clicked"]
        self.last_key = str(control.get("key"))
        await self.after_click(control, step.get("before") or {})
        return self.clicks[-1]

    async def wait_for_dialog(
        self, opener: dict[str, Any], want_shows: bool = False
    ) -> dict[str, Any] | None:
        """The dialog on top, once it is there (an animation may delay it)."""
        state: Any = None
        for _ in range(8):
            step = await self.list_step(opener, "check")
            state = step.get("state") if step else None
            if isinstance(state, dict) and (state.get("shows") or not want_shows):
                break
            if self.out_of_time():
                break
            await asyncio.sleep(0.25)
        return state if isinstance(state, dict) else None

    # -- clicking ------------------------------------------------------------------------

    def click_arg(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "controls": CONTROLS,
            "social": self.social,
            "actionClass": action_class_pattern(),
            "skip": sorted(self.skip),
            "dialogs": not self.dialog_opened,
            "lastGrew": self.last_grew,
            "maxSame": MAX_SAME_CONTROL,
        }

    def take_step(self, step: dict[str, Any]) -> dict[str, Any] | None:
        """Note what one expand.js step refused; the control it clicked, if any."""
        self.submits_blocked = max(self.submits_blocked, int(step.get("submitsBlocked") or 0))
        for refusal in step.get("refused") or []:
            reason = str(refusal.get("reason"))
            self.refused_count[reason] = self.refused_count.get(reason, 0) + 1
            self.refused.append({**refusal, "at": rfc3339(utc_now())})
        control = step.get("clicked")
        if not isinstance(control, dict):
            return None
        self.last_key = str(control.get("key"))
        if self.home_doc is None:
            self.home_doc = control.get("doc")
        if control.get("dialog"):
            self.dialog_opened = True  # one per capture: it covers the page
        return control

    async def click_round(self) -> bool:
        """Click until no rule matches a safe control; True if anything was clicked."""
        clicked_any = False
        while True:
            if len(self.clicks) >= self.max_clicks:
                self.stopped_by = "max_expand"
                return clicked_any
            if self.out_of_time():
                self.stopped_by = "time"
                return clicked_any
            self.note_late_blocks()
            await self.check_still_home()
            step = await self.d.call("looking for what to expand", "expand", self.click_arg(), 10)
            if not isinstance(step, dict):
                # a click's handler runs inside the step: one that never returns froze it
                self.stopped_by = "page_unresponsive" if await self.unfreeze() else "error"
                return clicked_any
            control = self.take_step(step)
            if control is None:
                return clicked_any
            clicked_any = True
            await self.after_click(control, step.get("before") or {})

    async def after_click(self, control: dict[str, Any], before: dict[str, Any]) -> None:
        at = rfc3339(utc_now())
        t0 = time.monotonic()
        requests0 = self.d.requests()
        # what the guard refused before this press was noted before the step that made
        # it (click_round, survey); what came since is this click's
        blocked0 = self.blocked_seen
        cap = min(CLICK_WAIT_CAP_S, max(self.d.time_left() - SHOT_RESERVE_S, 0.2))
        await self.d.network_quiet(CLICK_QUIET_MS, cap, t0)
        after = await self.d.call(
            "waiting for what a click loaded",
            "settled",
            [DOM_QUIET_MS, int(min(DOM_WAIT_CAP_MS, cap * 1000))],
            cap + 2,
        )
        record: dict[str, Any] = {
            "n": len(self.clicks) + 1,
            "at": at,
            "text": control.get("text"),
            "selector": control.get("selector"),
            "rule": control.get("rule"),
        }
        if control.get("target"):
            record["target"] = control["target"]  # the part of it clicked (a list's count)
        if after is None and await self.unfreeze():
            record["loaded"] = None
            record["page_unresponsive"] = True
            self.clicks.append(record)
            self.stopped_by = "page_unresponsive"
            return
        self.blocked_seen = self.d.navigations_blocked()
        if self.blocked_seen > blocked0:
            # it tried to leave the page (or open one): refused at the network, and this
            # control is not clicked again
            record["navigation_blocked"] = True
            self.skip.add(str(control.get("key")))
        url = self.d.url()
        if not _same_page(url, self.home) and self.same_document(after, control):
            # the page's own history API (a thread or a dialog given its own address):
            # the same document, nothing to undo
            record["url_after"] = url
            self.note_url_change(url, record)
        if not _same_page(url, self.home):
            # another page: go back (a reload of this page is no navigation away)
            record["navigated"] = True
            self.clicks.append(record)
            self.skip.add(str(control.get("key")))
            self.last_grew = None
            await self.undo_navigation(record)
            return
        if not isinstance(after, dict) or after.get("doc") != control.get("doc"):
            # the document was replaced in place (a reload) or could not be measured
            record["loaded"] = None
            record["document_replaced"] = isinstance(after, dict)
            self.clicks.append(record)
            self.skip.add(str(control.get("key")))
            self.last_grew = None
            self.rescrolls.append(await self.d.scroll_window())
            return
        nodes = int(after.get("nodes", 0)) - int(before.get("nodes", 0))
        chars = int(after.get("text", 0)) - int(before.get("text", 0))
        grew = nodes != 0 or chars != 0
        record["loaded"] = {
            "nodes": nodes,
            "text_chars": chars,
            "requests": self.d.requests() - requests0,
        }
        record["ms"] = round((time.monotonic() - t0) * 1000)
        self.clicks.append(record)
        self.last_grew = grew
        key = str(control.get("key"))
        if not grew:
            self.idle[key] = self.idle.get(key, 0) + 1
            if self.idle[key] >= 2:  # re-rendered controls that never load anything
                self.skip.add(key)

    @staticmethod
    def same_document(after: Any, control: dict[str, Any]) -> bool:
        return isinstance(after, dict) and after.get("doc") == control.get("doc") is not None

    def note_url_change(self, url: str, record: dict[str, Any] | None) -> None:
        self.url_changes.append(
            {
                "at": rfc3339(utc_now()),
                "control": record.get("text") if record else None,
                "from": self.home,
                "to": url,
            }
        )
        self.home = url

    async def unfreeze(self) -> bool:
        """True if the page no longer answered (a handler that never returns): its
        script is then stopped, so the page can still be shot as it is."""
        if await self.d.call("checking the page still answers", "doc", None, 2) is not None:
            return False
        await self.d.stop_scripts()
        return True

    def note_late_blocks(self) -> None:
        """A navigation or popup the last click asked for may reach the guard only after
        that click was measured: it is that click's."""
        blocked = self.d.navigations_blocked()
        if blocked > self.blocked_seen and self.clicks:
            self.clicks[-1]["navigation_blocked"] = True
            self.skip.add(self.last_key)
        self.blocked_seen = blocked

    async def check_still_home(self) -> None:
        """A page may navigate a moment after a click (a timer): undo it too."""
        url = self.d.url()
        if _same_page(url, self.home):
            return
        if self.home_doc is not None:
            doc = await self.d.call("reading which document is shown", "doc", None, 3)
            if doc == self.home_doc:
                self.note_url_change(url, None)  # history API, late: the same document
                return
        blamed = self.clicks[-1] if self.clicks else None
        if blamed is not None:
            blamed["navigated"] = True
            self.skip.add(self.last_key)
        await self.undo_navigation(blamed or {"text": None, "selector": None, "rule": None})

    async def undo_navigation(self, record: dict[str, Any]) -> None:
        went_to = self.d.url()
        how = await self.d.go_back(self.home, min(10.0, max(self.d.time_left(), 1.0)))
        self.navigations.append(
            {
                "at": rfc3339(utc_now()),
                "control": record.get("text"),
                "selector": record.get("selector"),
                "rule": record.get("rule"),
                "from": self.home,
                "to": went_to,
                "undone": how,
                "url_after": self.d.url(),
            }
        )
        if self.containers:
            # the document was loaded again: its containers are new elements
            self.navigations[-1]["containers_reset"] = sorted(self.containers)
            self.containers.clear()
        self.home_doc = None  # the document shown now is another one
        if how == "failed":
            self.stopped_by = "navigation_not_undone"
        # a document loaded again has lost what was opened in it
        self.rescrolls.append(await self.d.scroll_window())

    # -- inner scroll containers ---------------------------------------------------------

    async def find_containers(self) -> list[dict[str, Any]]:
        found = await self.d.call(
            "looking for inner scroll containers", "containers", {"minSize": CONTAINER_MIN_PX}, 5
        )
        if not isinstance(found, list):
            return []
        return [c for c in found if isinstance(c, dict) and c.get("connected")]

    async def scroll_containers(self) -> bool:
        """Scroll every container to its end, waiting for what loads there. True if any
        of them grew (or is new)."""
        grew = False
        for c in (await self.find_containers())[:MAX_CONTAINERS]:
            if self.out_of_time():
                self.stopped_by = "time"
                break
            index = int(c["index"])
            entry = self.containers.get(index)
            if entry is None:
                entry = self.containers[index] = {
                    "index": index,
                    "selector": c.get("selector"),
                    "name": c.get("name"),
                    "in_dialog": c.get("dialog"),
                    "first_seen_at": rfc3339(utc_now()),
                    "height_at_start": c.get("height"),
                    "client_height": c.get("client"),
                    "loads": 0,
                    "requests": 0,
                }
                grew = True
            if await self.scroll_one(index, entry):
                grew = True
        return grew

    async def scroll_one(self, index: int, entry: dict[str, Any]) -> bool:
        """Jump to the bottom, wait for what loads, again, until the height stays."""
        requests0 = self.d.requests()
        grew = False
        stopped_by = "bottom"
        known = await self.d.call(
            "measuring an inner container", "container_scroll", [index, 0, None], 5
        )
        height = float(known["height"]) if isinstance(known, dict) else 0.0
        while True:
            if entry["loads"] >= MAX_CONTAINER_LOADS:
                stopped_by = "max_loads"
                break
            if self.out_of_time():
                stopped_by = "time"
                break
            t0 = time.monotonic()
            state = await self.d.call(
                "scrolling an inner container", "container_scroll", [index, 0, 10**9], 5
            )
            if not isinstance(state, dict):
                stopped_by = "gone"
                break
            cap = min(3.0, max(self.d.time_left() - SHOT_RESERVE_S, 0.2))
            # what the jump loaded may already be in (a fast answer): compare with the
            # height before it; then give the list the same chance the window gets
            for quiet in (STEP_QUIET_MS, self.quiet_ms):
                await self.d.network_quiet(quiet, cap, t0)
                now = await self.d.call(
                    "measuring an inner container", "container_scroll", [index, 0, None], 5
                )
                if isinstance(now, dict) and now["height"] > height:
                    break
                t0 = time.monotonic()
            if not isinstance(now, dict) or now["height"] <= height:
                break
            height = float(now["height"])
            entry["loads"] += 1
            grew = True
        entry["requests"] += self.d.requests() - requests0
        entry["stopped_by"] = stopped_by
        entry["height"] = height
        entry["last_scrolled_at"] = rfc3339(utc_now())
        return grew

    # -- container shots -----------------------------------------------------------------

    async def shoot_containers(self) -> list[tuple[bytes, dict[str, Any]]]:
        t0 = time.monotonic()
        shots: list[tuple[bytes, dict[str, Any]]] = []
        for index in sorted(self.containers):
            entry = self.containers[index]
            if self.d.time_left() <= 0:
                entry["shot"] = {"taken": False, "reason": "no time left"}
                continue
            png, info = await self.shoot_one(index)
            if png is None:
                entry["shot"] = {"taken": False, **info}
                continue
            name = f"container-{self.first_artifact + len(shots)}.png"
            entry["artifact"] = name
            entry["shot"] = {"taken": True, **info}
            shots.append(
                (png, {"artifact": name, "index": index, "selector": entry["selector"], **info})
            )
        self.timing["container_shots"] = time.monotonic() - t0
        return shots

    async def shoot_one(self, index: int) -> tuple[bytes | None, dict[str, Any]]:
        """Tiles of the container's box, each the content rows not shot yet, stacked."""
        t0 = time.monotonic()
        tiles: list[bytes] = []
        gaps: list[list[float]] = []
        row = 0.0
        content = 0.0
        width = 0
        stopped_by = "end"
        first = True
        while True:
            if len(tiles) >= MAX_TILES:
                stopped_by = "max_tiles"
                break
            if row >= self.max_height:
                stopped_by = "max_height"
                break
            if not first and self.d.time_left() <= 0:
                stopped_by = "time"
                break
            t1 = time.monotonic()
            at = await self.d.call(
                "positioning an inner container", "container_tile", [index, row, first], 5
            )
            if not isinstance(at, dict) or at["clip"]["height"] < 1:
                stopped_by = "gone" if not isinstance(at, dict) else "not visible"
                break
            first = False
            await self.d.network_quiet(TILE_QUIET_MS, 1.0, t1)  # images scrolled into view
            content, width = float(at["height"]), int(at["width"])
            shows_from = float(at["shows_from"])
            clip = dict(at["clip"])
            start = max(row, shows_from)
            if start > row:
                gaps.append([row, start])  # rows the box never showed (it is cut off)
            end = min(shows_from + clip["height"], content, float(self.max_height))
            if end <= start:
                break
            clip["y"] += start - shows_from
            clip["height"] = end - start
            png = await self.d.shot(clip, 10)
            if png is None:
                stopped_by = "screenshot failed"
                break
            tiles.append(png)
            row = end
            if row >= content - 0.5:
                break
        info: dict[str, Any] = {
            "method": (
                "element clips of the container's box, one per scroll position, each "
                "holding the content rows not shot before (Page.captureScreenshot), "
                "stacked top to bottom without re-encoding a pixel "
                "(collector.evidence.png.stack_png)"
            ),
            "tiles": len(tiles),
            "css_width": width,
            "content_height": content,
            "shot_height": row,
            "truncated": row < content - 0.5,
            "stopped_by": stopped_by,
            "gaps": gaps,
            "device_scale_factor": self.dsf,
            "ms": 0,
        }
        if not tiles:
            return None, {**info, "reason": stopped_by}
        try:
            png = await asyncio.to_thread(stack_png, tiles)
        except PngError as exc:
            return None, {**info, "reason": f"tiles could not be stacked: {exc}"}
        w, h = png_size(png)
        info.update(png_width=w, png_height=h, ms=round((time.monotonic() - t0) * 1000))
        return png, info
