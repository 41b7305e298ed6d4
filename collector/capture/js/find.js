// Placeholder: the findings helper writes the real search (collector's interaction
// evidence, issue 11 section 2). Receives the needles as a list of
// {id, kind, value, platform}; returns a JSON-able list of matches.
// The scrolled inner containers are in globalThis.__collectorContainers (see
// collector/capture/expand.py for their geometry in container-N.png).
(needles) => []
