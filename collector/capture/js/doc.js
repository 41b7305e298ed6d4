// Which document is shown: performance.timeOrigin is the same for as long as one document
// lives (history.pushState and replaceState keep it), and new for every navigation.
() => performance.timeOrigin
