// One expansion step: the first control that a rule matches and that is safe to click,
// clicked on exactly that element (never a click at coordinates, which could land on
// whatever moved under it), with the events a person's click fires in order, since pages
// open things on pointerdown or mousedown as well as on click. See collector/sites/expand.py for the rules
// and for what makes a control unsafe; this script applies them.
// arg: {rules, controls, social, skip, dialogs, lastGrew, maxSame}
//   rules: [{id, labels, selector, dialog, loose}]; controls: the default selector (a
//   loose rule also tries unmarked elements outside it); social: one regular expression;
//   skip: control keys never to click again (they navigated); dialogs: whether a rule
//   that opens a dialog may be used, when no other rule finds a control; lastGrew:
//   whether the previous click loaded anything (null on the first step).
// Returns {clicked: {text, selector, rule, key, doc} | null, refused: [...], before,
//          submitsBlocked}.
(arg) => {
  let S = globalThis.__collectorExpand;
  if (!S) {
    S = globalThis.__collectorExpand = {
      tries: new WeakMap(), done: new WeakSet(), reported: new WeakSet(), last: null,
      submitsBlocked: 0,
    };
    // A click's handler may still try to submit a form (form.requestSubmit()): the first
    // listener of the capture phase cancels it. (form.submit() fires no event: the
    // controls that would call it are refused above all.)
    window.addEventListener('submit', e => {
      e.preventDefault(); e.stopImmediatePropagation(); S.submitsBlocked++;
    }, true);
  }
  const press = pressElement;  // _prelude.js
  const social = new RegExp(arg.social, 'i');
  const skip = new Set(arg.skip);
  const here = location.href.split('#')[0];
  const norm = s => (s || '').replace(/\s+/g, ' ').trim().toLowerCase();
  const label = el => {
    let own = norm(el.innerText || el.value || el.getAttribute('aria-label')
                   || el.getAttribute('title'));
    if (!own) {  // an icon button: its icon's name
      const icon = el.querySelector('[aria-label], [title], img[alt]');
      if (icon) own = norm(icon.getAttribute('aria-label') || icon.getAttribute('title')
                           || icon.getAttribute('alt'));
    }
    return own.replace(/^[^\p{L}\p{N}]+/u, '');
  };
  // every word a control says about itself, its icons and its inside
  const said = el => {
    const parts = [];
    for (const e of [el, ...el.querySelectorAll('[aria-label],[title],[data-testid],[data-action],[name],img[alt]')]) {
      for (const a of ['aria-label', 'title', 'data-testid', 'data-action', 'name', 'alt']) {
        const v = e.getAttribute(a);
        if (v) parts.push(v.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' '));
      }
    }
    parts.push(el.innerText || el.value || '');
    return norm(parts.join(' | '));
  };
  const interactive = e => e.matches(
    'a, button, input, select, textarea, summary, label, [role="button"], [role="link"], ' +
    '[role="menuitem"], [role="menuitemcheckbox"], [role="switch"], [role="checkbox"], ' +
    '[role="option"], [onclick]');
  const navigates = a => {
    const raw = (a.getAttribute('href') || '').trim();
    if (!raw) return false;
    if (/^javascript:/i.test(raw)) return false;
    if (a.target && a.target !== '_self') return true;
    if (a.hasAttribute('download')) return true;
    let to;
    try { to = new URL(raw, document.baseURI); } catch (e) { return true; }
    return to.href.split('#')[0] !== here;
  };
  const submits = e => {
    if (e.tagName === 'INPUT') return ['submit', 'image', 'reset'].includes((e.type || '').toLowerCase());
    if (e.tagName === 'BUTTON') return e.form !== null && e.type !== 'button';
    return false;
  };
  // why a control must not be clicked, or null
  const refusal = el => {
    if (social.test(said(el))) return 'social';
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      if (e.tagName === 'A' && navigates(e)) return 'navigates';
      if (submits(e)) return 'submits a form';
      const popup = (e.getAttribute('aria-haspopup') || '').toLowerCase();
      if (popup && popup !== 'false' && popup !== 'dialog') return 'opens a menu';
      if (e !== el && interactive(e)) {
        const own = norm([e.getAttribute('aria-label'), e.getAttribute('title'),
          e.getAttribute('data-testid'), e.getAttribute('data-action'), e.getAttribute('name')]
          .filter(Boolean).join(' | '));
        if (own && social.test(own)) return 'social';
      }
    }
    return null;
  };
  const visible = el => {
    if (!el.isConnected || el.getClientRects().length === 0) return false;
    const st = getComputedStyle(el);
    return st.visibility !== 'hidden' && st.display !== 'none';
  };
  const path = selectorPath;  // _prelude.js
  const measure = () => ({
    nodes: document.getElementsByTagName('*').length,
    text: document.body ? document.body.innerText.length : 0,
  });
  if (S.last) {
    const n = (S.tries.get(S.last) || 0);
    if (arg.lastGrew === false || n >= arg.maxSame || !S.last.isConnected) S.done.add(S.last);
    S.last = null;
  }
  // Elements not marked as controls whose whole text may be a label: the innermost
  // element around each short text, outside every marked control (those are found by the
  // selector). Gathered once per step, and only when a loose rule asks.
  let loose = null;
  const unmarked = () => {
    if (loose) return loose;
    const seen = new Set();
    const skipInside = arg.controls + ', script, style, noscript, template, textarea, select';
    if (document.body) {
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode()) {
        const v = t.nodeValue.trim();
        if (!v || v.length > 120) continue;
        const el = t.parentElement;
        if (!el || seen.has(el) || el.closest(skipInside)) continue;
        if ((el.textContent || '').length <= 200) seen.add(el);
      }
    }
    return (loose = [...seen]);
  };
  const refused = [];
  // controls in the page first; a dialog (it covers the page) only when none is left
  const ordered = [...arg.rules.filter(r => !r.dialog), ...(arg.dialogs ? arg.rules.filter(r => r.dialog) : [])];
  for (const rule of ordered) {
    const patterns = rule.labels.map(p => new RegExp(p, 'i'));
    let found = [];
    try { found = [...document.querySelectorAll(rule.selector)]; } catch (e) { continue; }
    if (rule.loose) {
      // cheap first: the element's raw text must already look like a label
      found = found.concat(unmarked().filter(el => {
        const raw = norm(el.textContent).replace(/^[^\p{L}\p{N}]+/u, '');
        return patterns.some(p => p.test(raw));
      }));
    }
    for (const el of found) {
      if (S.done.has(el)) continue;
      // already open: a click would close it again
      if (el.getAttribute('aria-expanded') === 'true') continue;
      if (el.tagName === 'SUMMARY' && el.parentElement && el.parentElement.open) continue;
      const text = label(el);
      if (text.length > 200) continue;  // a card or a post, not a control
      if (patterns.length && !patterns.some(p => p.test(text))) continue;
      if (!visible(el)) continue;
      const selector = path(el);
      const key = selector + ' | ' + text;
      if (skip.has(key)) { S.done.add(el); continue; }
      const why = refusal(el);
      if (why) {
        S.done.add(el);
        if (!S.reported.has(el)) {
          S.reported.add(el);
          refused.push({text: text.slice(0, 120), selector, rule: rule.id, reason: why});
        }
        continue;
      }
      const before = measure();
      S.tries.set(el, (S.tries.get(el) || 0) + 1);
      S.last = el;
      press(el);
      return {clicked: {text: text.slice(0, 120), selector, rule: rule.id, key,
                        dialog: rule.dialog, doc: performance.timeOrigin}, refused, before,
              submitsBlocked: S.submitsBlocked};
    }
  }
  return {clicked: null, refused, before: measure(), submitsBlocked: S.submitsBlocked};
}
