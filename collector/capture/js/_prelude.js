// Helpers shared by collector's page scripts. Not a script of its own:
// collector.capture.scripts puts these declarations in front of every script that uses
// one of them (by name), inside a wrapper function, so each script stays one function
// expression.

// The element's place in the document as a CSS selector: tag:nth-of-type(i) steps up to
// the nearest ancestor with a plain id (or 12 steps), joined with " > ". What the
// manifest's `expand` records for every control clicked and container scrolled.
const selectorPath = el => {
  const steps = [];
  for (let e = el; e && e.nodeType === 1 && steps.length < 12; e = e.parentElement) {
    if (e.id && /^[A-Za-z][\w-]*$/.test(e.id)) { steps.unshift('#' + e.id); break; }
    let i = 1;
    for (let s = e.previousElementSibling; s; s = s.previousElementSibling)
      if (s.tagName === e.tagName) i++;
    steps.unshift(e.tagName.toLowerCase() + ':nth-of-type(' + i + ')');
  }
  return steps.join(' > ');
};

// A click as a person's click fires it, on exactly that element (never at coordinates,
// which could land on whatever moved under it): pointerdown, mousedown, pointerup,
// mouseup, click. Pages open things on pointerdown or mousedown as well as on click.
const pressElement = el => {
  const r = el.getBoundingClientRect();
  const at = {bubbles: true, cancelable: true, composed: true, view: window, button: 0,
              clientX: r.left + r.width / 2, clientY: r.top + r.height / 2};
  const pointer = {...at, pointerId: 1, pointerType: 'mouse', isPrimary: true};
  el.dispatchEvent(new PointerEvent('pointerdown', {...pointer, buttons: 1}));
  el.dispatchEvent(new MouseEvent('mousedown', {...at, buttons: 1}));
  el.dispatchEvent(new PointerEvent('pointerup', pointer));
  el.dispatchEvent(new MouseEvent('mouseup', at));
  el.click();
};

// What a click on an element may reach: what counts as a control of its own (a click on
// something inside it bubbles up to it).
const isInteractive = e => e.matches(
  'a, button, input, select, textarea, summary, label, [role="button"], [role="link"], ' +
  '[role="menuitem"], [role="menuitemcheckbox"], [role="switch"], [role="checkbox"], ' +
  '[role="option"], [onclick]');

// A link that leaves this document: another address (a #fragment of this page stays), a
// new window, a download. A javascript: link stays (what its code does is read apart).
const leavesPage = a => {
  const raw = (a.getAttribute('href') || '').trim();
  if (!raw || /^javascript:/i.test(raw)) return false;
  if (a.target && a.target !== '_self') return true;
  if (a.hasAttribute('download')) return true;
  let to;
  try { to = new URL(raw, document.baseURI); } catch (e) { return true; }
  return to.href.split('#')[0] !== location.href.split('#')[0];
};

// A control that submits a form when clicked.
const submitsForm = e => {
  if (e.tagName === 'INPUT') {
    return ['submit', 'image', 'reset'].includes((e.type || '').toLowerCase());
  }
  if (e.tagName === 'BUTTON') return e.form !== null && e.type !== 'button';
  return false;
};

// Laid out and not hidden by CSS: what a person could see and click.
const isShown = el => {
  if (!el.isConnected || el.getClientRects().length === 0) return false;
  const st = getComputedStyle(el);
  return st.visibility !== 'hidden' && st.display !== 'none';
};
