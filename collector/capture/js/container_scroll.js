// Scroll one inner container (by index in __collectorScrollables) by dy, or to `to`,
// then two frames for what that triggers. Returns where it is, or null if it is gone.
async ([index, dy, to]) => {
  const el = (globalThis.__collectorScrollables || [])[index];
  if (!el || !el.isConnected) return null;
  if (to === null) el.scrollBy(0, dy); else el.scrollTop = to;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight};
}
