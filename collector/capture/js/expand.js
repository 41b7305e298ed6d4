// One expansion step: the first control that a rule matches and that is safe to click,
// clicked on exactly that element (never a click at coordinates, which could land on
// whatever moved under it), with the events a person's click fires in order, since pages
// open things on pointerdown or mousedown as well as on click. See collector/sites/expand.py for the rules
// and for what makes a control unsafe; this script applies them.
// arg: {rules, controls, social, actionClass, skip, dialogs, lastGrew, maxSame}
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
  const actionClass = new RegExp(arg.actionClass, 'i');
  const skip = new Set(arg.skip);
  // zero-width characters and soft hyphens would split a word ("Fol\u200Blow") past
  // the denylist while the page still shows it whole
  const norm = s => (s || '').replace(/[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g, '')
    .replace(/\s+/g, ' ').trim().toLowerCase();
  const label = el => {
    let own = norm(el.innerText || el.value || el.getAttribute('aria-label')
                   || el.getAttribute('title'));
    if (!own) {  // an icon button: its icon's name
      const icon = el.querySelector('[aria-label], [title], img[alt]');
      if (icon) own = norm(icon.getAttribute('aria-label') || icon.getAttribute('title')
                           || icon.getAttribute('alt'));
    }
    return trimDecoration(own);
  };
  // "—— View replies (3)", "Show more ▾", "Read more →", "See more...": the words only
  // (a closing bracket stays: "(3)")
  const trimDecoration = t => t.replace(/^[^\p{L}\p{N}(]+/u, '').replace(/[^\p{L}\p{N})]+$/u, '');
  const words = v => v.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  // every word a control says about itself, its icons and its inside
  const said = el => {
    const parts = [];
    for (const e of [el, ...el.querySelectorAll('[aria-label],[title],[data-testid],[data-action],[name],img[alt]')]) {
      for (const a of ['aria-label', 'title', 'data-testid', 'data-action', 'name', 'alt']) {
        const v = e.getAttribute(a);
        if (v) parts.push(words(v));
      }
    }
    for (const t of el.querySelectorAll('svg title')) parts.push(t.textContent || '');
    // a javascript: link says what it does in its code ("javascript:follow(12)")
    const code = (el.getAttribute('href') || '').trim();
    if (/^javascript:/i.test(code)) parts.push(words(code));
    parts.push(el.innerText || el.value || '');
    return norm(parts.join(' | '));
  };
  // why a control must not be clicked, or null
  const named = e => norm([e.getAttribute('aria-label'), e.getAttribute('title'),
    e.getAttribute('data-testid'), e.getAttribute('data-action'), e.getAttribute('name')]
    .filter(Boolean).map(words).join(' | '));
  const refusal = el => {
    if (social.test(said(el))) return 'social';
    let depth = 0;
    for (let e = el; e && e !== document.body; e = e.parentElement, depth++) {
      if (e.tagName === 'A' && leavesPage(e)) return 'navigates';
      if (submitsForm(e)) return 'submits a form';
      // a click anywhere in a <label> toggles its checkbox or presses its button
      if (e.tagName === 'LABEL') return 'inside a label';
      // aria-pressed marks a toggle (like, follow, save): content is opened by
      // aria-expanded controls, never by toggles
      if (e.hasAttribute('aria-pressed')) return 'a toggle';
      const popup = (e.getAttribute('aria-haspopup') || '').toLowerCase();
      if (popup && popup !== 'false' && popup !== 'dialog') return 'opens a menu';
      if (e === el) continue;
      if (isInteractive(e)) {
        // the click bubbles to it: what it is named, and what its class or id says
        if (social.test(named(e))) return 'social';
        if (actionClass.test(norm(words(`${e.id} ${e.getAttribute('class') || ''}`)))) {
          return 'social';
        }
      } else if (depth <= 3) {
        // a wrapper close by named like a control ("Suka"), whose listener would get the
        // click; long names are a section's ("Comment by Budi Santoso, 2 days ago")
        const own = named(e);
        if (own && own.split(' ').length <= 3 && social.test(own)) return 'social';
      }
    }
    return null;
  };
  const path = selectorPath;  // _prelude.js
  const measure = () => ({
    nodes: document.getElementsByTagName('*').length,
    text: document.body ? document.body.innerText.length : 0,
  });
  // a press that never returned: the page's handler froze it and collector stopped the
  // script; that control is never pressed again
  if (S.pressing) { S.done.add(S.pressing); S.pressing = null; }
  if (S.last) {
    const n = (S.tries.get(S.last) || 0);
    if (arg.lastGrew === false || n >= arg.maxSame || !S.last.isConnected) S.done.add(S.last);
    S.last = null;
  }
  // Elements not marked as controls whose whole text may be a label: the innermost
  // element around each short text, outside every marked control (those are found by the
  // selector). Gathered once per step, and only when a loose rule asks.
  let loose = null;
  const looseAny = new RegExp(arg.rules.filter(r => r.loose).flatMap(r => r.labels)
    .map(p => '(?:' + p + ')').join('|') || '(?!)', 'i');
  const rawLabel = el => trimDecoration(norm(el.textContent));
  const unmarked = () => {
    if (loose) return loose;
    const seen = new Set(), found = [];
    const skipInside = arg.controls + ', script, style, noscript, template, textarea, select';
    if (document.body) {
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode()) {
        const v = t.nodeValue;
        if (v.length > 200 || !/[\p{L}\p{N}]/u.test(v)) continue;
        const el = t.parentElement;
        if (!el || seen.has(el)) continue;
        seen.add(el);
        // cheap first: the element's raw text must look like some loose rule's label
        if ((el.textContent || '').length > 200) continue;
        const raw = rawLabel(el);
        if (looseAny.test(raw) && !el.closest(skipInside)) found.push({el, raw});
      }
    }
    return (loose = found);
  };
  const refused = [];
  // controls in the page first; a dialog (it covers the page) only when none is left
  const ordered = [...arg.rules.filter(r => !r.dialog), ...(arg.dialogs ? arg.rules.filter(r => r.dialog) : [])];
  for (const rule of ordered) {
    const patterns = rule.labels.map(p => new RegExp(p, 'i'));
    let found = [];
    try { found = [...document.querySelectorAll(rule.selector)]; } catch (e) { continue; }
    if (rule.loose) {
      found = found.concat(unmarked().filter(c => patterns.some(p => p.test(c.raw)))
        .map(c => c.el));
    }
    for (const el of found) {
      if (S.done.has(el)) continue;
      // already open: a click would close it again
      if (el.getAttribute('aria-expanded') === 'true') continue;
      if (el.tagName === 'SUMMARY' && el.parentElement && el.parentElement.open) continue;
      let text = label(el);
      if (text.length > 200) continue;  // a card or a post, not a control
      if (patterns.length && !patterns.some(p => p.test(text))) {
        // an icon and a count ("💬 3") named in words by its aria-label
        const named = trimDecoration(norm(el.getAttribute('aria-label')));
        if (!named || !patterns.some(p => p.test(named))) continue;
        text = named;
      }
      if (!isShown(el)) continue;
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
      // An unmarked element matched by its whole text ("Disukai oleh andi dan 212
      // lainnya") may hold the control that listens ("212 lainnya", role=button): a
      // press on the sentence never reaches it. The one inner control that may be
      // pressed is pressed instead; with none, or several, the element itself.
      let target = el;
      if (rule.loose && !el.matches(arg.controls)) {
        const inner = [...el.querySelectorAll(arg.controls)].filter(c => isShown(c) && !refusal(c));
        if (inner.length === 1) target = inner[0];
      }
      const before = measure();
      S.tries.set(el, (S.tries.get(el) || 0) + 1);
      S.last = el;
      S.pressing = el;
      press(target);
      S.pressing = null;
      return {clicked: {text: text.slice(0, 120), selector: path(target), rule: rule.id, key,
                        dialog: rule.dialog, doc: performance.timeOrigin}, refused, before,
              submitsBlocked: S.submitsBlocked};
    }
  }
  return {clicked: null, refused, before: measure(), submitsBlocked: S.submitsBlocked};
}
