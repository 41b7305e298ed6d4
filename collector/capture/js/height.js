// The page's full scroll height now.
() => document.scrollingElement.scrollHeight
