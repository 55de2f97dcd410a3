"""ftscore: score a portfolio of AI use cases for fine-tuning versus API prompting."""

import os
from importlib.metadata import PackageNotFoundError, version

# polars allocates with jemalloc, which by default keeps freed pages for ten seconds. A run
# that builds and drops large frames one after another then holds them all: at 1M rows about
# 1 GiB more peak memory. A background thread gives them back after one second instead
# (decay 0, purging on every free, cost 12 % of the wall time at 100k rows), unless the user
# configured jemalloc. jemalloc reads this when polars loads: set before anything imports it.
os.environ.setdefault("_RJEM_MALLOC_CONF", "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0")

try:
    __version__ = version("ftscore")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
