"""collector: preserve public web pages as hashed, indexed, verifiable evidence."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("collector")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.1.0+src"
