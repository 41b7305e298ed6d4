"""Open what a page hides before it is shot, and look for watched people in the result.

This module owns the interaction half of the page run (issue 11): after the window has
been scrolled to the real bottom, it clicks what the platform tables
(collector.sites.expand) say reveals hidden content, scrolls every inner scroll container
to its end, shoots each container's whole content, and, when the job asks, runs find.js.
It never imports Playwright: the browser module hands it a `PageDriver`.

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

from collections.abc import Sequence
from typing import Any, Protocol

from collector.models import Needle
from collector.sites.interactions import needle_payload


class PageDriver(Protocol):
    """What expansion may do to the page: all bounded, failures recorded by the driver."""

    async def call(self, what: str, name: str, arg: Any = None, cap: float = 5.0) -> Any:
        """Run collector/capture/js/<name>.js in the isolated world; None on failure."""
        ...


async def find_matches(driver: PageDriver, needles: Sequence[Needle]) -> tuple[dict[str, Any], ...]:
    """find.js over the rendered page (see the module docstring for the contract)."""
    # the interface fields, plus the regex and link rule collector.sites.interactions builds
    arg = [needle_payload(n) for n in needles]
    found = await driver.call("looking for the watched people", "find", arg, 10.0)
    if not isinstance(found, list):
        return ()
    return tuple(m for m in found if isinstance(m, dict))
