"""Turning capture jobs into filed captures: the runner, the browser (the only Playwright
importer), the page run and its scripts, filing (artifacts, WARC, the manifest), admission,
sessions, and running their coroutines (loop).
"""
