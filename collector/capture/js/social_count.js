// How many controls on the page say a social word (none of them is ever clicked).
(social) => {
  const re = new RegExp(social, 'i');
  let n = 0;
  for (const el of document.querySelectorAll('button, [role="button"], a, input[type="submit"], input[type="button"]')) {
    const words = [el.innerText, el.value, el.getAttribute('aria-label'), el.getAttribute('title'),
                   el.getAttribute('data-testid')].filter(Boolean).join(' | ');
    if (words.length <= 200 && re.test(words)) n++;
  }
  return n;
}
