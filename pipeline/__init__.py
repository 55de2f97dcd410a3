"""ftscore: score a portfolio of AI use cases for fine-tuning versus API prompting."""

import os
from importlib.metadata import PackageNotFoundError, version

# polars allocates with jemalloc, which by default keeps freed pages for ten seconds. A run
# that builds and drops large frames one after another then holds them all: at 1M rows about
# 1 GiB more peak memory. Give them back at once (measured at 1M rows: scoring peaks at 1.9 GiB,
# against 2.05 with a background thread and a 0.1-1 s decay; the price is about 1 s of scoring
# at 100k rows), unless the user configured jemalloc. It is read when polars loads, so it is
# set before anything imports polars.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

try:
    __version__ = version("ftscore")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
