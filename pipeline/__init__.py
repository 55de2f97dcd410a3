"""ftscore: score a portfolio of AI use cases for fine-tuning versus API prompting."""

import os
from importlib.metadata import PackageNotFoundError, version

# polars allocates with jemalloc, which by default keeps freed pages for some seconds. A run
# that builds and drops large frames one after another then holds them all: at 1M rows about
# 1 GiB more peak memory. Give freed pages back at once, unless the user configured jemalloc.
# jemalloc reads this when polars loads, so it is set before anything imports polars.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

try:
    __version__ = version("ftscore")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
