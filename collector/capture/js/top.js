// Back to the top of the page, and two frames for what that triggers.
async () => {
  window.scrollTo(0, 0);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}
