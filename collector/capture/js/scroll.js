// Scroll the window one step down; report where it is and how tall the page now is.
// Two animation frames let IntersectionObserver callbacks run after the scroll.
async (dy) => {
  const el = document.scrollingElement || document.documentElement;
  window.scrollBy(0, dy);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {y: window.scrollY, height: el.scrollHeight, view: window.innerHeight};
}
