// Elements that scroll on their own (a dialog's list, a comment pane): overflow-y auto or
// scroll, more content than height, big enough to hold a list. Kept in
// globalThis.__collectorScrollables (indices stay stable across calls; new ones appended).
// arg: {minSize}. Returns [{index, selector, name, dialog, height, client, width}].
(arg) => {
  const list = globalThis.__collectorScrollables || (globalThis.__collectorScrollables = []);
  const root = document.scrollingElement || document.documentElement;
  const norm = s => (s || '').replace(/\s+/g, ' ').trim();
  const path = selectorPath;  // _prelude.js
  for (const el of document.body ? document.body.getElementsByTagName('*') : []) {
    if (el.scrollHeight <= el.clientHeight + 2 || el === root || el === document.body) continue;
    if (el.clientHeight < arg.minSize || el.clientWidth < arg.minSize) continue;
    if (['TEXTAREA', 'SELECT', 'INPUT', 'IFRAME'].includes(el.tagName)) continue;
    const st = getComputedStyle(el);
    if (!['auto', 'scroll', 'overlay'].includes(st.overflowY)) continue;
    if (st.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    if (!list.includes(el)) list.push(el);
  }
  return list.map((el, index) => {
    const dialog = el.closest('dialog, [role="dialog"], [aria-modal="true"]');
    const named = dialog || el;
    const heading = named.querySelector('h1, h2, h3, [role="heading"]');
    return {
      index, selector: path(el), connected: el.isConnected,
      name: norm(named.getAttribute('aria-label') || (heading && heading.innerText) || '')
        .slice(0, 120),
      dialog: dialog !== null,
      height: el.scrollHeight, client: el.clientHeight, width: el.clientWidth,
    };
  });
}
