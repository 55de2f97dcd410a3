"""ftscore: score a portfolio of AI use cases for fine-tuning versus API prompting."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ftscore")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
