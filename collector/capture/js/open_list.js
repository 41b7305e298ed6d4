// Open a profile's following/followers list in its dialog (collector.sites.expand,
// ListOpener): one step per call, pressed as a person's click on exactly that element.
// arg: {opener: ListOpener.as_js(), social, phase: "open" | "tab" | "check", skip, part}
//   open: if no dialog shows the list yet, click the first safe element whose whole
//         label is a count and the list's word (hinted elements first), on its count
//         (part "count") or its word (part "word": when the count opened nothing);
//   tab:  in the open dialog, click the list's tab when another one is showing;
//   check: only look.
// A dialog is one the page marks (role=dialog, <dialog open>, aria-modal), else a box
// laid over the page (position: fixed) that the opener's click brought.
// Returns {clicked: {text, selector, rule, key, doc, dialog: true} | null, refused: [...],
//          before, state: {dialog, title, selected, shows, other}, candidates}.
(arg) => {
  const o = arg.opener;
  const social = new RegExp(arg.social, 'i');
  const skip = new Set(arg.skip || []);
  const words = new RegExp(o.words, 'gi');
  const bareWord = new RegExp('^' + o.words + '$', 'i');  // a follow button's followed state
  const count = new RegExp('(?:^|\\s)' + o.count + '(?=\\s|$)', 'gi');
  const opens = o.opens.map(p => new RegExp(p, 'i'));
  const tabRe = new RegExp(o.tab, 'i');
  const titleRe = new RegExp(o.title, 'i');
  const norm = s => (s || '').replace(/\s+/g, ' ').trim().toLowerCase();
  const label = el => norm(el.innerText || el.textContent || el.getAttribute('aria-label'));
  const path = selectorPath;  // _prelude.js
  // what an element says about itself (attributes), the list's words and counts removed:
  // the only social-looking words an opener may carry
  const attrs = e => ['aria-label', 'title', 'data-testid', 'data-action', 'name', 'alt']
    .map(a => e.getAttribute(a)).filter(Boolean)
    .map(v => v.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ')).join(' | ');
  const strip = s => norm(s).replace(words, ' ').replace(count, ' ');
  const refusal = el => {
    // itself and everything inside it: no word but the list's and the count
    for (const e of [el, ...el.querySelectorAll('*')]) {
      if (social.test(strip(attrs(e)))) return 'social';
      if (e !== el && isInteractive(e) &&
          (bareWord.test(label(e)) || social.test(strip(label(e))))) return 'social';
    }
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      if (e.tagName === 'A' && leavesPage(e)) return 'navigates';
      // aria-pressed marks a toggle (follow, like): a list's count is never one
      if (e.hasAttribute('aria-pressed')) return 'a toggle';
      if (submitsForm(e)) return 'submits a form';
      const popup = (e.getAttribute('aria-haspopup') || '').toLowerCase();
      if (popup && popup !== 'false' && popup !== 'dialog') return 'opens a menu';
      // a click bubbles up: a control around it that says more than the count is refused
      if (e !== el && isInteractive(e)) {
        if (social.test(strip(attrs(e)))) return 'social';
        if (label(e) !== label(el) && social.test(strip(label(e)))) return 'social';
      }
    }
    return null;
  };
  const MARKED = 'dialog[open], [role="dialog"], [role="alertdialog"], [aria-modal="true"]';
  // boxes laid over the page (position fixed), big enough to hold a list
  const overlays = () => Array.from(document.body.getElementsByTagName('*')).filter(e => {
    if (getComputedStyle(e).position !== 'fixed' || !isShown(e)) return false;
    const r = e.getBoundingClientRect();
    return r.width >= 200 && r.height >= 150;
  });
  const dialogs = () => {
    const marked = Array.from(document.querySelectorAll(MARKED))
      .filter(d => isShown(d) && !(d.parentElement && d.parentElement.closest(MARKED)));
    if (marked.length) return marked;
    // a dialog the page does not mark as one: an overlay the opener's click brought
    const before = globalThis.__collectorOverlaysBefore;
    if (!before) return [];
    const fresh = overlays().filter(e => !before.has(e));
    return fresh.filter(e => !fresh.some(f => f !== e && f.contains(e)));
  };
  const titleOf = d => {
    const ids = (d.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const byId = ids.map(id => document.getElementById(id)).filter(Boolean)
      .map(t => t.innerText || t.textContent).join(' ');
    const h = d.querySelector('h1, h2, h3, h4, [role="heading"]');
    return norm(byId || d.getAttribute('aria-label') || (h ? h.innerText : ''));
  };
  const bareOrCounted = new RegExp(
    '^(?:' + o.words + ')(?:\\s*:?\\s*' + o.count + ')?$|^' + o.count + '\\s*(?:' + o.words + ')$', 'i');
  const inRows = (e, d) => {
    for (let a = e.parentElement; a && a !== d; a = a.parentElement) {
      if (a.matches('li, [role="listitem"], [role="row"], article')) return true;
      if (a.scrollHeight > a.clientHeight + 2 &&
          ['auto', 'scroll'].includes(getComputedStyle(a).overflowY)) return true;
    }
    return false;
  };
  const tabsOf = d => {
    const marked = Array.from(d.querySelectorAll('[role="tab"], [role="tablist"] > *'))
      .filter(isShown);
    if (marked.length) return marked;
    // unmarked tabs: two or more labels that are each a list's word (with or without
    // its count), children of one strip, outside the list's rows. A follow button never
    // sits in a strip with a "Followers" beside it.
    const strips = new Map();
    for (const e of d.querySelectorAll('*')) {
      if (!isShown(e) || !e.parentElement || inRows(e, d)) continue;
      const t = label(e);
      if (!t || t.length > 40 || !bareOrCounted.test(t)) continue;
      if (Array.from(e.children).some(c => bareOrCounted.test(label(c)))) continue;
      // the strip: the nearest ancestor (up to 2 levels) holding another such label
      let strip = e.parentElement;
      if (strip.children.length < 2 && strip.parentElement) strip = strip.parentElement;
      if (!strips.has(strip)) strips.set(strip, []);
      strips.get(strip).push(e);
    }
    // a strip of tabs, not a list row (a row's "12 followers" beside its "Following"
    // button): tabs of one kind of element, the strip holding short labels and no link
    const kind = t => t.tagName + ' ' + (typeof t.className === 'string' ? t.className : '')
      .split(/\s+/).filter(c => c && !/^(?:active|selected|current)$|[-_](?:active|selected|current)$/i.test(c))
      .sort().join(' ');
    for (const [strip, tabs] of strips) {
      const lists = new Set(tabs.map(t =>
        /following|mengikuti/i.test(label(t)) ? 'following' : 'followers'));
      if (tabs.length < 2 || tabs.length > 4 || lists.size !== 2) continue;
      if (new Set(tabs.map(kind)).size !== 1) continue;
      if (strip.querySelector('a[href], input, textarea, select, img')) continue;
      if (Array.from(strip.children).some(c => label(c).length > 30)) continue;
      return tabs;
    }
    return [];
  };
  const selectedOf = tabs => tabs.find(t => t.getAttribute('aria-selected') === 'true' ||
    t.getAttribute('aria-current') === 'true' || t.getAttribute('aria-current') === 'page' ||
    t.getAttribute('aria-pressed') === 'true' ||
    /(?:^|[\s_-])(?:active|selected|current)(?:$|[\s_-])/i.test(
      typeof t.className === 'string' ? t.className : ''));
  // The dialog that holds the list: one that shows it, else one with the lists' tabs,
  // else one the opener's click brought (not a cookie dialog that was there before),
  // else the last (it lies on top).
  const state = () => {
    const before = globalThis.__collectorDialogsBefore;
    let best = null;
    for (const d of dialogs()) {
      const title = titleOf(d);
      const tabs = tabsOf(d);
      const selected = selectedOf(tabs);
      const sel = selected ? label(selected) : '';
      const shows = selected ? tabRe.test(sel) : titleRe.test(title);
      const score = (shows ? 4 : 0) + (tabs.some(t => bareOrCounted.test(label(t))) ? 2 : 0) +
        (before && !before.has(d) ? 1 : 0);
      if (!best || score >= best.score) {
        best = {dialog: path(d), title: title.slice(0, 120), selected: sel.slice(0, 60),
                tabs: tabs.length, shows, el: d, score};
      }
    }
    return best;
  };
  const measure = () => ({
    nodes: document.getElementsByTagName('*').length,
    text: document.body ? document.body.innerText.length : 0,
  });
  const refused = [];
  // The deepest element holding the count's digits (or, part "word", the list's word):
  // a click there bubbles up through the whole label, to whichever of them listens.
  const partOf = (el, part) => {
    const re = part === 'word' ? new RegExp(o.words, 'i') : /\d/;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!re.test(t.data)) continue;
      for (let a = t.parentElement; a && a !== el; a = a.parentElement)
        if (isInteractive(a)) return el;  // nothing clickable of its own in between
      return t.parentElement;
    }
    return el;
  };
  const click = (el, rule, text, part) => {
    const before = measure();
    const selector = path(el);
    const target = part ? partOf(el, part) : el;
    // what lies over the page before the list's own count is clicked (not a tab's)
    if (arg.phase === 'open') {
      globalThis.__collectorOverlaysBefore = new WeakSet(overlays());
      globalThis.__collectorDialogsBefore = new WeakSet(document.querySelectorAll(MARKED));
    }
    pressElement(target);  // _prelude.js
    return {clicked: {text: text.slice(0, 120), selector, rule, key: selector + ' | ' + text,
                      target: target === el ? null : path(target), dialog: true,
                      doc: performance.timeOrigin}, before};
  };
  const tryClick = (el, rule, why, part) => {
    const text = label(el);
    const selector = path(el);
    if (skip.has(selector + ' | ' + text)) return null;
    const reason = refusal(el);
    if (reason) {
      refused.push({text: text.slice(0, 120), selector, rule, reason, why});
      return null;
    }
    return click(el, rule, text, part);
  };
  const now = state();
  const out = s => ({...s, refused, state: now && {...now, el: undefined, score: undefined}});
  if (arg.phase === 'check') return out({clicked: null, before: measure()});

  if (arg.phase === 'tab') {
    if (!now || now.shows) return out({clicked: null, before: measure()});
    // the list's tab: a tab, or itself a count and the word (never a bare word elsewhere)
    const inDialog = Array.from(now.el.querySelectorAll('*')).filter(isShown);
    const tabs = new Set(tabsOf(now.el));
    for (const el of inDialog) {
      const text = label(el);
      if (!text || text.length > 60 || el.getAttribute('aria-selected') === 'true') continue;
      const asTab = tabs.has(el) && tabRe.test(text);
      const asCount = opens[0].test(text) && !inRows(el, now.el) &&
        !Array.from(el.children).some(c => opens[0].test(label(c)));
      if (!asTab && !asCount) continue;
      const done = tryClick(el, o.id + '.tab', asTab ? 'tab' : 'count');
      if (done) return out(done);
    }
    return out({clicked: null, before: measure()});
  }

  // phase "open": already showing (a second pass, after a consent click)?
  if (now && now.shows) return out({clicked: null, before: measure(), already: true});
  const seen = new Set();
  const candidates = [];
  // the smallest element whose whole label matches: the hinted ones, then any in the page
  const smallest = (start, re) => {
    for (let e = start, up = 0; e && e !== document.body && up < 4; e = e.parentElement, up++) {
      const t = e.textContent || '';
      if (t.length > 80) return null;
      if (re.test(label(e))) return e;
    }
    return null;
  };
  opens.forEach((re, which) => {
    const add = (el, how) => {
      if (el && !seen.has(el) && isShown(el) && !el.closest('[role="dialog"], dialog')) {
        seen.add(el);
        candidates.push({el, which, how});
      }
    };
    for (const sel of o.hints) {
      let found = [];
      try { found = document.querySelectorAll(sel); } catch (e) { continue; }
      for (const h of found) add(smallest(h, re), 'hint ' + sel);
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      words.lastIndex = 0;
      if (t.data.length > 80 || !words.test(t.data)) continue;
      add(smallest(t.parentElement, re), 'text');
    }
  });
  const listed = candidates.map(c => ({text: label(c.el).slice(0, 60), selector: path(c.el),
                                       opens: c.which, how: c.how}));
  for (const c of candidates) {
    const rule = c.which === 0 ? o.id : o.id + '.via_other_count';
    const done = tryClick(c.el, rule, c.how, arg.part || 'count');
    if (done) return out({...done, candidates: listed});
  }
  return out({clicked: null, before: measure(), candidates: listed});
}
