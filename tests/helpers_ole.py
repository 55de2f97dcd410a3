"""Old Office files built byte by byte: a compound file (OLE2 / CFB) and BIFF records.

Shared by test_guard.py (the guard itself) and test_inputs.py (refusals through the CLI).
"""

from __future__ import annotations

import struct

# A minimal compound file (OLE2 / CFB, [MS-CFB] version 3, 512-byte sectors),
# written the way Office writes them: FAT, directory, mini FAT and mini stream
# for streams under 4096 bytes, normal sectors for the others. Only root-level
# streams. The guard reads the directory through the FAT and the Workbook
# stream's first records through the mini FAT, so these files exercise the
# real lookup path, not a byte search. (The byte-search fallback is tested
# separately with a file whose directory cannot be followed.)
ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096


def _dir_entry(name: str, kind: int, start: int, size: int, child: int = NOSTREAM,
               right: int = NOSTREAM) -> bytes:
    raw_name = (name + "\0").encode("utf-16-le") if name else b""
    entry = raw_name.ljust(64, b"\0")
    entry += struct.pack("<HBB", len(raw_name), kind, 1)  # name length, type, black
    entry += struct.pack("<III", NOSTREAM, right, child)
    entry += b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16  # clsid, state, times
    entry += struct.pack("<IQ", start, size)
    assert len(entry) == 128
    return entry


def build_cfb(streams: dict[str, bytes]) -> bytes:
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB's sibling order
    small = [n for n in names if len(streams[n]) < CUTOFF]
    big = [n for n in names if len(streams[n]) >= CUTOFF]

    def sectors(n: int, size: int) -> int:
        return -(-n // size)

    # the mini stream and its FAT
    mini_start: dict[str, int] = {}
    mini_data = bytearray()
    minifat: list[int] = []
    for n in small:
        mini_start[n] = len(minifat)
        count = max(sectors(len(streams[n]), MINI), 1)
        minifat += [len(minifat) + k + 1 for k in range(count - 1)] + [ENDOFCHAIN]
        mini_data += streams[n].ljust(count * MINI, b"\0")

    n_dir = sectors(len(names) + 1, SECTOR // 128)
    n_minifat = sectors(len(minifat) * 4, SECTOR) if minifat else 0
    n_ministream = sectors(len(mini_data), SECTOR)
    big_sizes = [sectors(len(streams[n]), SECTOR) for n in big]
    body = n_dir + n_minifat + n_ministream + sum(big_sizes)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + body:
        n_fat += 1
    assert n_fat <= 109

    fat: list[int] = [FATSECT] * n_fat
    next_free = n_fat

    def chain(count: int) -> int:
        nonlocal next_free
        if count == 0:
            return ENDOFCHAIN
        start = next_free
        fat.extend([start + k + 1 for k in range(count - 1)] + [ENDOFCHAIN])
        next_free += count
        return start

    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat)
    ministream_start = chain(n_ministream)
    big_start = {n: chain(c) for n, c in zip(big, big_sizes)}
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))

    entries = [_dir_entry("Root Entry", 5, ministream_start, len(mini_data), child=1 if names else NOSTREAM)]
    for i, n in enumerate(names, start=1):
        start = mini_start[n] if n in mini_start else big_start[n]
        right = i + 1 if i < len(names) else NOSTREAM
        entries.append(_dir_entry(n, 2, start, len(streams[n]), right=right))
    # unused entries: empty name, type 0, no siblings
    unused = _dir_entry("", 0, 0, 0)
    directory = b"".join(entries) + unused * (n_dir * (SECTOR // 128) - len(entries))

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, CUTOFF, minifat_start,
                          n_minifat, ENDOFCHAIN, 0)
    header += struct.pack("<109I", *(list(range(n_fat)) + [FREESECT] * (109 - n_fat)))
    assert len(header) == 512

    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += directory
    if n_minifat:
        out += struct.pack(f"<{len(minifat)}I", *minifat).ljust(n_minifat * SECTOR, b"\xff")
    out += bytes(mini_data).ljust(n_ministream * SECTOR, b"\0")
    for n, count in zip(big, big_sizes):
        out += streams[n].ljust(count * SECTOR, b"\0")
    return bytes(out)


def biff(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", t, len(d)) + d for t, d in records)
