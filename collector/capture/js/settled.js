// After a click: wait until the document has not changed for quietMs (at most capMs),
// then say how big it is. doc tells a new document (a navigation) from the same one.
async ([quietMs, capMs]) => {
  await new Promise(resolve => {
    let timer = null;
    const done = () => { observer.disconnect(); clearTimeout(cap); resolve(); };
    const observer = new MutationObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    observer.observe(document, {subtree: true, childList: true, characterData: true,
                                attributes: true});
    timer = setTimeout(done, quietMs);
    const cap = setTimeout(done, capMs);
  });
  return {
    nodes: document.getElementsByTagName('*').length,
    text: document.body ? document.body.innerText.length : 0,
    doc: performance.timeOrigin,
    url: location.href,
  };
}
