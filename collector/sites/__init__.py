"""Knowledge of particular sites, as data, and the rules that use it: the one URL policy,
platforms, post links, page markers and the classification they decide.

In import order:

- `urls`       the one URL policy (what collector opens) and the one proxy reading/redaction;
- `platforms`  the platform table: hosts, aliases, handle rules, canonical profile URLs;
- `posts`      which links are posts; the canonical URL a watch list captures;
- `markers`    the page markers per platform, consent buttons, logged-in probes (data);
- `classify`   what a rendered page really is: evidence -> verdict -> the capture's outcome.

A site changing its UI is an edit to `markers` (or `posts`); a new platform is a row in
`platforms` plus its marker table.
"""
