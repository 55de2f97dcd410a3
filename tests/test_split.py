"""Issue 11 (one source of truth): helpers that turn a config value into what the code uses, once."""

from __future__ import annotations

import inspect
import zipfile

import pytest

from pipeline import config, guard
from pipeline.read import read_table


def test_max_unpacked_mb_becomes_bytes_in_decimal_megabytes():
    cfg = config.load()
    assert config.max_unpacked_bytes(cfg) == cfg["input"]["max_unpacked_mb"] * 1_000_000
    assert config.max_unpacked_bytes({"input": {"max_unpacked_mb": 16}}) == 16_000_000


def test_guard_shows_sizes_in_the_same_megabytes():
    assert guard._mb(config.max_unpacked_bytes({"input": {"max_unpacked_mb": 2}})) == "2.0 MB"


def test_read_table_repeats_no_config_default():
    # the caller (run.read_input) passes the config's limits; read_table has none of its own
    params = inspect.signature(read_table).parameters
    for name in ("search_rows", "max_unpacked_bytes", "max_cells"):
        assert params[name].default is inspect.Parameter.empty, name


def test_too_big_names_the_limit_then_the_ratio():
    limit = 2 * config.BYTES_PER_MB
    assert "unpacks to more than 2.0 MB (the limit)" in guard._too_big("a.xml", limit, limit, 5, 1, 1)
    ratio = guard._too_big("xl/big.xml", 0, 10**12, 5, 200_000_000, 1_000)
    assert ratio.startswith("part xl/big.xml unpacks from 0.0 MB to more than 200.0 MB (200,000:1)")
    assert guard._too_big("a.xml", 0, limit, 5, 1_000, 1_000) is None


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_inflate_sizes_counts_each_method(tmp_path, method):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        zf.writestr("one.xml", b"x" * 70_000)
        zf.writestr("two.xml", b"y" * 10)
    with zipfile.ZipFile(path) as zf:
        found = guard.inflate_sizes(path, zf, config.BYTES_PER_MB)
    assert found.problem is None and found.sizes == {"one.xml": 70_000, "two.xml": 10} and found.inflated == 70_010
