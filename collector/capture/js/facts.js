// What the rendered page is: title, size, text, links, and which probe selectors exist.
(probe) => {
  const d = document.documentElement, b = document.body;
  const media = Array.from(document.querySelectorAll('img,video,canvas,svg,iframe,picture'))
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1; });
  return {
    title: document.title,
    user_agent: navigator.userAgent,
    width: Math.max(d.scrollWidth, b ? b.scrollWidth : 0, d.clientWidth),
    height: Math.max(d.scrollHeight, b ? b.scrollHeight : 0, d.clientHeight),
    text: b ? b.innerText : '',
    elements: document.getElementsByTagName('*').length,
    body_html_length: b ? b.innerHTML.length : 0,
    visible_media: media.length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href).slice(0, 5000),
    wait_for_found: probe.waitFor ? document.querySelector(probe.waitFor) !== null : null,
    present_selectors: probe.selectors.filter(s => {
      try { return document.querySelector(s) !== null; } catch (e) { return false; }
    }),
  };
}
