"""What to capture and when: watch lists (the TOML format, CSV import), runs over a list, the
`collector watch` loop, and schedule text and its installation.
"""
