"""collector: preserve public web pages as hashed, indexed, verifiable evidence."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__`, looked up on first use: importlib.metadata costs tens of
    milliseconds that `collector --help` and the commands that record no version need
    not pay."""
    if name != "__version__":
        raise AttributeError(f"module 'collector' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("collector")
    except PackageNotFoundError:  # running from a source tree without an install
        value = "0.1.0+src"
    globals()["__version__"] = value
    return value
