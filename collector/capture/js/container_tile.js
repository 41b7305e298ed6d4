// Put one inner container's content row `row` (CSS px from its content's top) at the top
// of its box, as far as it scrolls, bring the box into the viewport, and say which part of
// the viewport shows which content rows: the clip is in document coordinates, for
// Page.captureScreenshot.
async ([index, row, first]) => {
  const el = (globalThis.__collectorScrollables || [])[index];
  if (!el || !el.isConnected) return null;
  if (first) {
    el.scrollTop = 0;
    const r0 = el.getBoundingClientRect();
    if (r0.top < 0 || r0.bottom > innerHeight) el.scrollIntoView({block: 'start'});
  }
  el.scrollTop = row;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const r = el.getBoundingClientRect();
  const top = r.top + el.clientTop, left = r.left + el.clientLeft;
  const visTop = Math.max(top, 0), visBottom = Math.min(top + el.clientHeight, innerHeight);
  return {
    scroll_top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight,
    width: el.clientWidth,
    // content rows [shows_from, shows_from + clip.height) are visible in the clip
    shows_from: el.scrollTop + (visTop - top),
    clip: {x: left + scrollX, y: visTop + scrollY, width: el.clientWidth,
           height: Math.max(visBottom - visTop, 0)},
  };
}
