// Every container collector scrolled, back at its top (how a visitor first sees it); the
// ones just shot (indices into __collectorScrollables, in artifact order) are appended to
// __collectorContainers, where find.js reads them: its index i is container-(i+1).png.
(shotIndices) => {
  const list = globalThis.__collectorScrollables || [];
  const shot = globalThis.__collectorContainers || (globalThis.__collectorContainers = []);
  for (const i of shotIndices) shot.push(list[i]);
  for (const el of list) if (el.isConnected) el.scrollTop = 0;
  return shot.length;
}
