// Find the watched people in the rendered page (collector.sites.interactions explains the
// rules; collector.evidence.findings turns what this returns into findings).
//
// Runs in collector's isolated world after expansion, with the window and every scrolled
// container back at the top, before the full-page screenshot. Reads the page only: the
// DOM is evidence. `needles`: [{id, kind, value, platform, pattern?, link_handle?,
// not_profile_parents?}]; `pattern` is the regex built by collector.sites.interactions
// (without it, a plain handle or text pattern is made here). Returns one match per
// needle and enclosing item, in document order:
//   {needle, how: "text"|"link"|"text+link", matched, href, occurrences,
//    item_text, item_tag, selector, xpath, item_selector, item_xpath,
//    box, item_box (page CSS px), surface: "page"|"container-N",
//    surface_box, surface_item_box (CSS px in that surface's content), visible_on_page,
//    context: [{level, source, text}] innermost first, items, lists (levels of the
//    item-like and list-like ancestors), lead, in_header}
(needles) => {
  const MAX_MATCHES = 2000;
  const MAX_ITEM_TEXT = 2000;
  const MAX_HINT = 160;
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA', 'OPTION']);
  const ITEM_ROLES = new Set(['listitem', 'article', 'row', 'comment', 'treeitem']);
  // a class/data-testid/data-e2e token naming a comment block (not its parts: a
  // "comment-body" is inside the item, not the item)
  const ITEM_TOKEN = /^(comment|reply|balasan|komentar)s?([-_]?(item|row|container|block|wrapper|thread|level[-_]?\d+|cell))?$/i;
  // a row of a people list named by its markup (X's data-testid="UserCell"): one row,
  // one account, however many times the name appears in it
  const ROW_TOKEN = /^(user-?cell|user-?row|member-?row|person-?row|account-?row)$/i;
  const LIST_TOKEN = /^(comments|replies|balasan|komentar)([-_]?(list|section|container|thread))?$|^(comment|reply)[-_]?list$/i;
  const containers = Array.from(globalThis.__collectorContainers || []);
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '\u2026' : s);
  const escapeRe = (s) => s.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&');

  const compiled = [];
  for (const n of needles || []) {
    let source = n.pattern;
    if (!source && n.kind === 'handle') {
      // no pattern from Python: a plain handle rule (the common handle characters)
      source = '(?<![A-Za-z0-9._@])@?' + escapeRe(n.value.replace(/^@/, '')) +
        '(?![A-Za-z0-9_@]|\\.[A-Za-z0-9_])';
    } else if (!source && n.kind === 'text' && norm(n.value)) {
      source = norm(n.value).split(' ').map(escapeRe).join('\\s+');
    }
    let re = null;
    try { re = source ? new RegExp(source, 'giu') : null; } catch (e) { re = null; }
    let handle = n.link_handle;
    if (handle === undefined && n.kind === 'handle') handle = n.value.replace(/^@/, '');
    const probe = (n.kind === 'text' ? norm(n.value).split(' ')[0] : (handle || ''))
      .toLowerCase();
    compiled.push({
      id: n.id, re, probe,
      handle: handle ? handle.toLowerCase() : null,
      parents: new Set(n.not_profile_parents || []),
    });
  }

  const tokens = (el) => [el.getAttribute('data-testid'), el.getAttribute('data-e2e'),
    typeof el.className === 'string' ? el.className : ''].join(' ').split(/\s+/).filter(Boolean);
  const isItem = (el) => {
    if (el.tagName === 'LI' || el.tagName === 'ARTICLE') return true;
    const role = el.getAttribute('role');
    if (role && ITEM_ROLES.has(role)) return true;
    return tokens(el).some((t) => ITEM_TOKEN.test(t) || ROW_TOKEN.test(t));
  };
  const isList = (el) => ['UL', 'OL'].includes(el.tagName) ||
    ['list', 'feed', 'tree', 'grid', 'table'].includes(el.getAttribute('role')) ||
    tokens(el).some((t) => LIST_TOKEN.test(t));
  const isDialog = (el) => el.tagName === 'DIALOG' ||
    ['dialog', 'alertdialog'].includes(el.getAttribute('role')) ||
    el.getAttribute('aria-modal') === 'true';
  const isHeading = (el) => /^H[1-6]$/.test(el.tagName) ||
    el.getAttribute('role') === 'heading' || ['CAPTION', 'LEGEND', 'SUMMARY'].includes(el.tagName);
  const labelledBy = (el) => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    return norm(ids.map((id) => {
      const t = document.getElementById(id);
      return t ? t.innerText || t.textContent : '';
    }).join(' '));
  };
  const visible = (el) => {
    if (!el || !el.isConnected) return false;
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) return false;
    return true;
  };
  const hasBox = (r) => r.width > 0 && r.height > 0;

  const cssPath = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      if (e.id && document.querySelectorAll('#' + CSS.escape(e.id)).length === 1) {
        parts.unshift('#' + CSS.escape(e.id));
        break;
      }
      const tag = e.tagName.toLowerCase();
      if (tag === 'html' || tag === 'body') { parts.unshift(tag); if (tag === 'html') break; continue; }
      let n = 1;
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === e.tagName) n++;
      }
      parts.unshift(`${tag}:nth-of-type(${n})`);
    }
    return parts.join(' > ');
  };
  const xpathOf = (node) => {
    const parts = [];
    for (let e = node; e && e.nodeType !== 9; e = e.parentNode) {
      if (e.nodeType === 3) {
        let n = 1;
        for (let s = e.previousSibling; s; s = s.previousSibling) if (s.nodeType === 3) n++;
        parts.unshift(`text()[${n}]`);
        continue;
      }
      if (e.nodeType !== 1) break;
      let n = 1;
      for (let s = e.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === e.tagName) n++;
      }
      parts.unshift(`${e.tagName.toLowerCase()}[${n}]`);
    }
    return '/' + parts.join('/');
  };

  const pageBox = (r) => ({x: r.left + window.scrollX, y: r.top + window.scrollY,
                           width: r.width, height: r.height});
  const containerOf = (el) => {
    let best = -1;
    containers.forEach((c, i) => {
      if (c && c.isConnected && c !== el && c.contains(el) && (best < 0 || containers[best].contains(c))) best = i;
    });
    return best;
  };
  const inBox = (r, c) => {
    const cr = c.getBoundingClientRect();
    return r.bottom > cr.top && r.top < cr.bottom && r.right > cr.left && r.left < cr.right;
  };
  const surfaceOf = (el, rect, itemRect) => {
    const i = containerOf(el);
    if (i < 0) {
      return {surface: 'page', surface_box: pageBox(rect), surface_item_box: pageBox(itemRect),
              visible_on_page: true};
    }
    const c = containers[i];
    const cr = c.getBoundingClientRect();
    // container-N.png's geometry (collector.capture.expand): the padding box's content
    const rel = (r) => ({x: r.left - cr.left - c.clientLeft + c.scrollLeft,
                         y: r.top - cr.top - c.clientTop + c.scrollTop,
                         width: r.width, height: r.height});
    return {surface: `container-${i + 1}`, surface_box: rel(rect), surface_item_box: rel(itemRect),
            visible_on_page: inBox(rect, c)};
  };

  // The item a match belongs to: the nearest item-like ancestor; else the nearest block
  // that is one of a run of like rows (a list drawn with plain <div>s: one of several
  // siblings of its tag, holding more than the match); else the match's own block.
  const isBlock = (e) => {
    const d = getComputedStyle(e).display;
    return d && !d.startsWith('inline') && d !== 'contents';
  };
  const isRow = (e) => {
    if (!e.parentElement || e.children.length < 2 || !isBlock(e)) return false;
    let same = 0;
    for (const s of e.parentElement.children) if (s.tagName === e.tagName) same++;
    return same >= 3;
  };
  const itemOf = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) if (isItem(e)) return e;
    for (let e = el; e && e !== document.body; e = e.parentElement) if (isRow(e)) return e;
    for (let e = el; e && e !== document.body; e = e.parentElement) if (isBlock(e)) return e;
    return el;
  };
  const contextOf = (el) => {
    const hints = [];
    const items = [];
    const lists = [];
    let child = null;
    let level = 0;
    const add = (source, text) => {
      const t = clip(norm(text), MAX_HINT);
      if (t && hints.length < 80) hints.push({level, source, text: t});
    };
    for (let a = el; a && a.nodeType === 1; child = a, a = a.parentElement, level++) {
      const item = isItem(a);
      if (item) items.push(level);
      else if (isList(a)) lists.push(level);
      if (isDialog(a)) {
        const h = a.querySelector('h1, h2, h3, h4, [role="heading"]');
        add('dialog', labelledBy(a) || a.getAttribute('aria-label') || (h ? h.innerText : ''));
      } else {
        if (a.getAttribute('aria-label')) add(item ? 'item' : 'label', a.getAttribute('aria-label'));
        if (a.getAttribute('aria-labelledby')) add('title', labelledBy(a));
      }
      // the words just before the match in its sentence ("Disukai oleh budi dan 12
      // lainnya", "Reposted by budi")
      if (child && level <= 2) {
        let before = '';
        for (const n of a.childNodes) {
          if (n === child) break;
          before += n.textContent || '';
        }
        if (norm(before)) add('sentence', norm(before).slice(-60));
      }
      // the heading that introduces the list we are in: a sibling before our branch
      let back = 0;
      for (let s = child ? child.previousElementSibling : null; s && back < 4;
        s = s.previousElementSibling, back++) {
        if (isHeading(s)) { add('heading', s.innerText || s.textContent); break; }
        const inner = s.querySelector && s.querySelector('h1,h2,h3,h4,h5,h6,[role="heading"]');
        if (inner && norm(s.innerText).length <= 120) { add('heading', inner.innerText); break; }
      }
      const attrs = [a.id, typeof a.className === 'string' ? a.className : '',
                     a.getAttribute('data-testid'), a.getAttribute('data-e2e')]
        .filter(Boolean).join(' ');
      if (attrs) add('attr', attrs);
    }
    return {context: hints, items, lists};
  };
  const inHeader = (el) => {
    let header = null;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      if (!header && (e.tagName === 'HEADER' || e.getAttribute('role') === 'banner')) {
        header = e;
        continue;
      }
      if (header && (e.tagName === 'LI' || ['listitem', 'comment', 'row'].includes(
        e.getAttribute('role')) || isDialog(e))) return false;
    }
    return header !== null;
  };
  // The match heads its item: nothing but its own profile's links comes before it.
  // (A display name linked to the same profile may come first: "Budi S. @budi · 2j".)
  const lastSegment = (href) => {
    try {
      const parts = new URL(href).pathname.toLowerCase().split('/').filter(Boolean);
      return parts.length ? decodeURIComponent(parts[parts.length - 1]).replace(/^@/, '') : '';
    } catch (e) { return ''; }
  };
  const leads = (item, node, offset, href, handle) => {
    const theirs = (a) => a.href === href || (handle && lastSegment(a.href) === handle);
    // A link without text (an avatar) to someone else's profile before the match: the
    // item is theirs, and the match only mentions the watched person. Judged only when
    // we know the watched person's own link or handle.
    if (href || handle) {
      const own = href ? lastSegment(href) : null;
      for (const a of item.querySelectorAll('a[href]')) {
        if (a.contains(node)) continue;
        if (!(a.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
        const seg = lastSegment(a.href);
        // the same profile by another address (a query added to the avatar's link) is
        // theirs; profile.php?id=N cannot be told from the handle: left alone
        const same = seg === own;
        if (!norm(a.textContent) && !theirs(a) && !same && seg && seg !== 'profile.php') {
          return false;
        }
      }
    }
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const before = t === node ? t.data.slice(0, offset) : t.data;
      if (t === node || (t.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        if (before.trim()) {
          const a = t.parentElement && t.parentElement.closest('a[href]');
          if (!a || !item.contains(a) || !theirs(a)) return false;
        }
        if (t === node) return true;
      } else {
        return true;
      }
    }
    return true;
  };

  const found = new Map();  // needle id | item index -> match
  const itemIds = new Map();
  const keyOf = (needle, item) => {
    if (!itemIds.has(item)) itemIds.set(item, itemIds.size);
    return needle.id + '|' + itemIds.get(item);
  };
  const record = (needle, how, el, node, start, length, rect, href) => {
    if (found.size >= MAX_MATCHES) return;
    const item = itemOf(el);
    const key = keyOf(needle, item);
    const old = found.get(key);
    if (old) {
      // one finding per person and item: the text (found first) has the tighter box
      old.occurrences += 1;
      if (how === 'link' && old.how === 'text') old.how = 'text+link';
      return;
    }
    const itemRect = item.getBoundingClientRect();
    const ctx = contextOf(el);
    const linkEl = el.closest('a[href]');
    const matchHref = href || (linkEl ? linkEl.href : null);
    const matched = node ? node.data.slice(start, start + length) :
      clip(norm(el.innerText) || el.getAttribute('aria-label') || el.href, 200);
    found.set(key, {
      needle: needle.id,
      how,
      matched,
      href: matchHref,
      occurrences: 1,
      item_text: clip(norm(item.innerText), MAX_ITEM_TEXT),
      item_tag: item.getAttribute('role') || item.tagName.toLowerCase(),
      selector: cssPath(el),
      xpath: xpathOf(node || el),
      item_selector: cssPath(item),
      item_xpath: xpathOf(item),
      box: pageBox(rect),
      item_box: pageBox(itemRect),
      ...surfaceOf(el, rect, itemRect),
      context: ctx.context,
      items: ctx.items,
      lists: ctx.lists,
      lead: leads(item, node || (el.firstChild || el), node ? start : 0, matchHref,
                  needle.handle),
      in_header: inHeader(el),
    });
  };

  // 1. visible text
  const walker = document.createTreeWalker(document.body || document.documentElement,
    NodeFilter.SHOW_TEXT, {
      acceptNode: (t) => {
        const p = t.parentElement;
        if (!p || SKIP.has(p.tagName) || !t.data.trim()) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
  const withText = compiled.filter((n) => n.re && n.probe);
  // the account a profile link around a text points to (/budi.prasetyo/, /@budi), or null:
  // "Budi" as the link text of someone else's profile is that other person
  const profileLinkOf = (el) => {
    const a = el.closest('a[href]');
    if (!a) return null;
    try {
      const u = new URL(a.href);
      if (!['http:', 'https:'].includes(u.protocol)) return null;
      const seg = u.pathname.toLowerCase().split('/').filter(Boolean);
      if (seg.length === 1 && seg[0] === 'profile.php') return u.searchParams.get('id');
      return seg.length === 1 ? decodeURIComponent(seg[0]).replace(/^@/, '') : null;
    } catch (e) { return null; }
  };
  // A name in styled Unicode (𝗕𝘂𝗱𝗶 𝗦𝗮𝗻𝘁𝗼𝘀𝗼, ｆｕｌｌｗｉｄｔｈ: display names use them) is
  // matched on the text's NFKC form; the box and matched text are the page's own
  // characters, mapped back code point by code point.
  const fold = (s) => {
    let text = '';
    const starts = [], ends = [];
    for (let i = 0; i < s.length;) {
      const cp = s.codePointAt(i);
      const w = cp > 0xffff ? 2 : 1;
      const nf = String.fromCodePoint(cp).normalize('NFKC');
      for (let k = 0; k < nf.length; k++) { starts.push(i); ends.push(i + w); }
      text += nf;
      i += w;
    }
    return {text, lower: text.toLowerCase(), starts, ends};
  };
  for (let t = walker.nextNode(); t && found.size < MAX_MATCHES; t = walker.nextNode()) {
    const lower = t.data.toLowerCase();
    let parentVisible = null;
    let folded;  // once per node, when a probe misses: null for plain ASCII (nothing to fold)
    for (const n of withText) {
      let data = t.data, starts = null, ends = null;
      if (!lower.includes(n.probe)) {
        if (folded === undefined) folded = /[^\x00-\x7f]/.test(t.data) ? fold(t.data) : null;
        if (folded === null || !folded.lower.includes(n.probe)) continue;
        ({text: data, starts, ends} = folded);
      }
      if (parentVisible === null) parentVisible = visible(t.parentElement);
      if (!parentVisible) break;
      n.re.lastIndex = 0;
      let m;
      while ((m = n.re.exec(data)) !== null) {
        if (m[0].length === 0) { n.re.lastIndex++; continue; }
        const from = starts ? starts[m.index] : m.index;
        const to = ends ? ends[m.index + m[0].length - 1] : m.index + m[0].length;
        if (t.data[from - 1] === '#') continue;  // a hashtag, not the person
        if (n.handle) {
          const other = profileLinkOf(t.parentElement);
          if (other && other !== n.handle) continue;
        }
        const range = document.createRange();
        range.setStart(t, from);
        range.setEnd(t, to);
        const rect = range.getBoundingClientRect();
        if (hasBox(rect)) record(n, 'text', t.parentElement, t, from, to - from, rect, null);
      }
    }
  }

  // 2. links to the person's profile (an avatar without text counts too)
  const byHandle = new Map();
  for (const n of compiled) {
    if (!n.handle) continue;
    if (!byHandle.has(n.handle)) byHandle.set(n.handle, []);
    byHandle.get(n.handle).push(n);
  }
  if (byHandle.size) {
    for (const a of document.querySelectorAll('a[href]')) {
      if (found.size >= MAX_MATCHES) break;
      let url;
      try { url = new URL(a.href); } catch (e) { continue; }
      if (!['http:', 'https:'].includes(url.protocol)) continue;
      const segments = url.pathname.toLowerCase().split('/').filter(Boolean);
      let handle = null;
      if (segments.length === 1 && segments[0] === 'profile.php') {
        handle = url.searchParams.get('id');
      } else if (segments.length) {
        // a page's own "%" that is no escape must not end the search
        try {
          handle = decodeURIComponent(segments[segments.length - 1]).replace(/^@/, '');
        } catch (e) { continue; }
      }
      const wanted = handle ? byHandle.get(handle) : null;
      if (!wanted) continue;
      const parent = segments.length > 1 ? segments[segments.length - 2] : null;
      for (const n of wanted) {
        if (parent && n.parents.has(parent)) continue;
        if (!visible(a)) continue;
        const rect = a.getBoundingClientRect();
        if (hasBox(rect)) record(n, 'link', a, null, 0, 0, rect, a.href);
      }
    }
  }

  const out = Array.from(found.values());
  // document order, for stable find-N numbering
  out.sort((p, q) => (p.box.y - q.box.y) || (p.box.x - q.box.x) ||
    (p.needle < q.needle ? -1 : p.needle > q.needle ? 1 : 0));
  return out;
}
