// The first visible, unobstructed consent "accept" button: a known consent manager's
// selector, else a button whose whole label is a known one inside a small box that talks
// about cookies/consent. Reads the page only (scrolls it into view): the DOM is evidence.
([selectors, labels, context]) => {
  const x0 = window.scrollX, y0 = window.scrollY;
  const norm = s => (s || '').replace(/\s+/g, ' ').trim().toLowerCase();
  const labelOf = el => norm(el.innerText || el.value || el.getAttribute('aria-label'));
  const usable = el => {
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none' || parseFloat(st.opacity) < 0.05)
      return null;
    let r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return null;
    if (r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth) {
      el.scrollIntoView({block: 'center', inline: 'center'});
      r = el.getBoundingClientRect();
    }
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    return top && (top === el || el.contains(top)) ? {x, y} : null;
  };
  const find = () => {
  for (const sel of selectors) {
    let found = [];
    try { found = document.querySelectorAll(sel); } catch (e) { continue; }
    for (const el of found) {
      const at = usable(el);
      if (at) return {...at, selector: sel, label: labelOf(el)};
    }
  }
  const wanted = new Set(labels.map(norm));
  const buttons = document.querySelectorAll(
    'button, [role="button"], input[type="submit"], input[type="button"], a');
  for (const el of buttons) {
    const label = labelOf(el);
    if (!wanted.has(label)) continue;
    let about = false;
    for (let box = el.parentElement, i = 0; box && i < 8 && !about; box = box.parentElement, i++) {
      const text = norm(box.innerText);
      if (text.length > 3000) break;
      about = context.some(w => text.includes(w));
    }
    if (!about) continue;
    const at = usable(el);
    if (at) return {...at, selector: el.tagName.toLowerCase() + ' "' + label + '"', label};
  }
  return null;
  };
  let found = null;
  try { found = find(); } finally {
    if (!found) window.scrollTo(x0, y0);  // nothing to click: leave the page where it was
  }
  return found;
}
