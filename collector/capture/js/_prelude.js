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
