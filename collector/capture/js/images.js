// Wait (bounded) for the images above the deepest point scrolled to; count the rest.
async ([timeoutMs, reachedY]) => {
  const wanted = () => Array.from(document.images).filter(i => {
    if (i.complete || !(i.currentSrc || i.src)) return false;
    const top = i.getBoundingClientRect().top + window.scrollY;
    return top <= reachedY;  // lazy images never scrolled to will not load: do not wait
  });
  const pending = wanted();
  await Promise.race([
    Promise.all(pending.map(i => new Promise(r => {
      i.addEventListener('load', r, {once: true});
      i.addEventListener('error', r, {once: true});
    }))),
    new Promise(r => setTimeout(r, timeoutMs)),
  ]);
  const imgs = Array.from(document.images);
  return {total: imgs.length, waited_for: pending.length, still_pending: wanted().length,
          broken: imgs.filter(i => i.complete && i.naturalWidth === 0
                                   && (i.currentSrc || i.src)).length};
}
