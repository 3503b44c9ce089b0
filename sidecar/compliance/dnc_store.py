"""The Do-Not-Call store: registered numbers as one bitmap per list and area code.

A North American number is an area code (NPA) and a 7-digit subscriber part;
one bit per possible subscriber part makes an area code's list a 10,000,000-bit
(1.25 MB) file however many numbers it holds, so the national registry (about
250 million numbers over ~330 area codes) is ~410 MB on disk. Files are
memory-mapped read-only: opening the store costs a stat and an mmap per file,
the kernel shares the pages between the sidecar and every worker, and a scrub
is a few vectorized numpy operations per area code.

Layout: <root>/<kind>/<name>/<npa>.bits, with kind federal | state | litigator
and name e.g. 'national', 'FL'. A file is replaced atomically (written beside
it, fsynced, renamed); readers notice the change by the file's mtime and map
it again. The date each list was published and what was loaded is recorded
in the database (senw_dnc_sources / senw_dnc_loads, see dnc.py).
"""
from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SUBSCRIBERS = 10_000_000            # NXX-XXXX
BITMAP_BYTES = SUBSCRIBERS // 8     # 1,250,000
KINDS = ("federal", "state", "litigator")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_BITS = np.array([1, 2, 4, 8, 16, 32, 64, 128], dtype=np.uint8)


def split_numbers(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """10-digit numbers (int64) -> (area codes, subscriber parts)."""
    return numbers // SUBSCRIBERS, numbers % SUBSCRIBERS


def valid_nanp(numbers: np.ndarray) -> np.ndarray:
    """Mask of 10-digit NANP numbers: NPA and NXX both 200-999."""
    npa, sub = split_numbers(numbers)
    return (npa >= 200) & (npa <= 999) & (sub // 10_000 >= 200)


@dataclass
class _Mapped:
    mtime_ns: int
    bits: np.ndarray
    handle: mmap.mmap


@dataclass
class DncStore:
    root: Path
    _maps: dict[tuple[str, str, int], _Mapped] = field(default_factory=dict)

    # -- paths ---------------------------------------------------------------

    def list_dir(self, kind: str, name: str) -> Path:
        if kind not in KINDS or not _NAME.match(name):
            raise ValueError(f"unknown DNC list {kind}/{name}")
        return self.root / kind / name

    def lists(self) -> list[tuple[str, str]]:
        """Every (kind, name) with at least one area code on disk."""
        out = []
        for kind in KINDS:
            base = self.root / kind
            if base.is_dir():
                out += [(kind, p.name) for p in sorted(base.iterdir())
                        if p.is_dir() and any(p.glob("*.bits"))]
        return out

    def area_codes(self, kind: str, name: str) -> list[int]:
        d = self.list_dir(kind, name)
        return sorted(int(p.stem) for p in d.glob("*.bits")) if d.is_dir() else []

    # -- writing ---------------------------------------------------------------

    def replace(self, kind: str, name: str, numbers: np.ndarray,
                area_codes: Iterable[int] | None = None) -> int:
        """A full list: every area code in `numbers` (or in `area_codes`, which
        may name codes with no number left) holds exactly these numbers.
        Returns how many distinct numbers were written."""
        npa, sub = split_numbers(numbers.astype(np.int64, copy=False))
        codes = {int(c) for c in np.unique(npa)} | set(area_codes or ())
        order = np.argsort(npa, kind="stable")
        npa, sub = npa[order], sub[order]
        total = 0
        for code in sorted(codes):
            lo, hi = np.searchsorted(npa, [code, code + 1])
            flags = np.zeros(SUBSCRIBERS, dtype=bool)
            flags[sub[lo:hi]] = True
            total += int(flags.sum())
            self._write(kind, name, code, np.packbits(flags, bitorder="little"))
        return total

    def change(self, kind: str, name: str, added: np.ndarray, deleted: np.ndarray
               ) -> tuple[int, int]:
        """A change list: set the added numbers, clear the deleted ones (per area
        code, each file replaced atomically). Returns (added, deleted) counts of
        bits that actually changed."""
        a_npa, a_sub = split_numbers(added.astype(np.int64, copy=False))
        d_npa, d_sub = split_numbers(deleted.astype(np.int64, copy=False))
        n_add = n_del = 0
        for code in sorted(set(np.unique(a_npa).tolist()) | set(np.unique(d_npa).tolist())):
            current = self._read_copy(kind, name, int(code))
            flags = np.unpackbits(current, bitorder="little").astype(bool)
            before = int(flags.sum())
            flags[d_sub[d_npa == code]] = False
            mid = int(flags.sum())
            flags[a_sub[a_npa == code]] = True
            after = int(flags.sum())
            n_del += before - mid
            n_add += after - mid
            self._write(kind, name, int(code), np.packbits(flags, bitorder="little"))
        return n_add, n_del

    def clear(self, kind: str, name: str) -> None:
        d = self.list_dir(kind, name)
        if d.is_dir():
            for p in d.glob("*.bits"):
                p.unlink()

    def _read_copy(self, kind: str, name: str, code: int) -> np.ndarray:
        path = self.list_dir(kind, name) / f"{code}.bits"
        if not path.exists():
            return np.zeros(BITMAP_BYTES, dtype=np.uint8)
        return np.fromfile(path, dtype=np.uint8)

    def _write(self, kind: str, name: str, code: int, packed: np.ndarray) -> None:
        d = self.list_dir(kind, name)
        d.mkdir(parents=True, exist_ok=True)
        final = d / f"{code}.bits"
        tmp = d / f".{code}.bits.{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(packed.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)

    # -- reading ---------------------------------------------------------------

    def _bits(self, kind: str, name: str, code: int) -> np.ndarray | None:
        path = self.list_dir(kind, name) / f"{code}.bits"
        key = (kind, name, code)
        try:
            st = path.stat()
        except FileNotFoundError:
            self._maps.pop(key, None)
            return None
        got = self._maps.get(key)
        if got is not None and got.mtime_ns == st.st_mtime_ns:
            return got.bits
        with open(path, "rb") as fh:
            handle = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        bits = np.frombuffer(handle, dtype=np.uint8)
        self._maps[key] = _Mapped(st.st_mtime_ns, bits, handle)
        return bits

    def open_all(self) -> int:
        """Map every file now (what a process does at start); returns how many."""
        n = 0
        for kind, name in self.lists():
            for code in self.area_codes(kind, name):
                n += self._bits(kind, name, code) is not None
        return n

    def contains(self, kind: str, name: str, numbers: np.ndarray) -> np.ndarray:
        """Mask: which of the 10-digit `numbers` are on the list."""
        numbers = np.asarray(numbers, dtype=np.int64)
        out = np.zeros(numbers.shape, dtype=bool)
        if numbers.size == 0:
            return out
        npa, sub = split_numbers(numbers)
        order = np.argsort(npa, kind="stable")
        s_npa = npa[order]
        codes, starts = np.unique(s_npa, return_index=True)
        ends = np.append(starts[1:], s_npa.size)
        for code, lo, hi in zip(codes.tolist(), starts.tolist(), ends.tolist(), strict=True):
            bits = self._bits(kind, name, int(code))
            if bits is None:
                continue
            idx = order[lo:hi]
            part = sub[idx]
            out[idx] = (bits[part >> 3] & _BITS[part & 7]) != 0
        return out

    def count(self, kind: str, name: str) -> int:
        total = 0
        for code in self.area_codes(kind, name):
            bits = self._bits(kind, name, code)
            if bits is not None:
                total += int(np.unpackbits(bits).sum())
        return total

    def disk_bytes(self) -> int:
        return sum(p.stat().st_blocks * 512 for p in self.root.rglob("*.bits"))
