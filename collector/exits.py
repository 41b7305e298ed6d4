"""Exit statuses: the one list the command line, the schedules and the watch loop share.

A scheduled run must tell "the run worked, and found something" (a deleted post is the very
finding a watch exists for) from "the run failed" (no browser, a bad list, pages that
could not be loaded, a crash). Python itself exits 1 on an unhandled exception, so 1 means
failure and pages that are not all `ok` get a status of their own. Only collector/cli/
turns errors into these statuses; the schedules (lists/schedule.py) and `collector watch`
(lists/watch.py) read them.
README.md and docs/cli.md render `EXIT_STATUSES` (docs/generate.py).
"""

from __future__ import annotations

from collector.models import Outcome

OK = 0
FAILED = 1
USAGE = 2
ENVIRONMENT = 3
NOT_OK = 4  # not `findings` (people found in captures): pages not all `ok`
SKIPPED_LOCKED = 75  # EX_TEMPFAIL, as `flock -n -E 75` in the schedules
INTERRUPTED = 130  # the shell's convention for a process stopped by Ctrl-C
TERMINATED = 143  # ... and by SIGTERM (128 + 15): `systemctl stop`, `collector watch` stopping

#: What a scheduler should not alert on: the run worked (or waited for the previous one).
SCHEDULE_SUCCESS = frozenset({OK, NOT_OK, SKIPPED_LOCKED})

# Outcomes that mean the capture could not be made as asked: nothing (or not all) of the
# page was loaded and classified. Every other outcome documents what the page is.
CAPTURE_FAILURES = frozenset({Outcome.TIMEOUT, Outcome.NETWORK_ERROR, Outcome.BROWSER_ERROR})

#: (status, name, meaning), in the order the documentation lists them.
EXIT_STATUSES: tuple[tuple[int, str, str], ...] = (
    (OK, "ok", "done, and all good: every capture `ok`, every check passed"),
    (
        FAILED,
        "failed",
        "something that should have worked did not: a capture that could not be made "
        "(`timeout`, `network_error`, `browser_error`), entries a run left uncaptured, a "
        "verification that failed, a TSA that gave no token, change detection that failed, "
        "a session that is not logged in, or an unexpected error (a Python traceback); "
        "also, as with grep, a `collector findings` query that matches nothing",
    ),
    (
        USAGE,
        "usage",
        "the request was wrong: bad URL or refused scheme, unknown capture id, bad option, "
        "a watch list with problems; nothing was captured",
    ),
    (
        ENVIRONMENT,
        "environment",
        "collector cannot work here: no browser, store not writable, index unusable, disk "
        "full, evidence that does not verify for export",
    ),
    (
        NOT_OK,
        "not_ok",
        "done, and the pages are not all `ok`: every page was captured and filed as what it "
        "is (`not_found`, `login_wall`, `private`, `http_error`, `empty`, ...). For a watch "
        "this is a result, not a failure: schedules do not alert on it",
    ),
    (
        SKIPPED_LOCKED,
        "skipped",
        "scheduled runs only (`flock -E 75`): the previous run of the list still held its "
        "lock, so this one did not start; not a failure",
    ),
    (
        INTERRUPTED,
        "interrupted",
        "stopped by Ctrl-C or SIGINT; finished captures are kept (`collector run --resume`)",
    ),
    (
        TERMINATED,
        "terminated",
        "stopped by SIGTERM (`systemctl stop`, a watch ending); finished captures are kept "
        "(`collector run --resume`)",
    ),
)


def captures_status(outcomes: list[str] | tuple[str, ...]) -> int:
    """OK when every outcome is `ok`, FAILED when a capture could not be made, else
    NOT_OK."""
    if any(o in CAPTURE_FAILURES for o in outcomes):
        return FAILED
    return OK if all(o == Outcome.OK for o in outcomes) else NOT_OK


def exit_statuses_table() -> str:
    """The Markdown table the docs show (README "Exit codes", docs/cli.md)."""
    rows = ["| status | name | meaning |", "|---|---|---|"]
    rows += [f"| {code} | {name} | {meaning} |" for code, name, meaning in EXIT_STATUSES]
    return "\n".join(rows)
