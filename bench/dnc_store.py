"""The Do-Not-Call store at registry scale: memory, disk, load time and scrub rate
for 25 million and 250 million registered numbers (synthetic, at the national
registry's density of about 760,000 numbers per area code: 250 million over
330 area codes, 25 million over 33, a regional subscription), next to a
Python set of the same numbers at the size that fits in memory (25 million),
in the same run.

Each figure is measured in a child process of its own, so one measurement's
memory does not count in another's:
- disk: allocated blocks of the store's files (a set: its pickle);
- load: opening the store (stat + mmap of every file) / unpickling the set;
- memory: resident set growth of the process after loading and scrubbing
  (the store's is file-backed pages actually touched: shared with every
  process that maps them, and reclaimable);
- scrub: numbers checked per second, half registered, half not, in batches
  of 1 million, after a warm-up batch.

    .venv/bin/python bench/dnc_store.py [--sizes 25000000,250000000] [--dir /tmp/x]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sidecar.compliance.dnc_store import SUBSCRIBERS, DncStore

ALL_CODES = [c for c in range(201, 990) if c % 100 != 11 and (c // 10) % 10 != 9][:330]
PER_CODE = 250_000_000 // 330
QUERIES = 4_000_000
BATCH = 1_000_000


def rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def codes_for(count: int) -> list[int]:
    return ALL_CODES[:max(1, min(len(ALL_CODES), round(count / PER_CODE)))]


def synthetic(count: int, seed: int = 7) -> dict[int, np.ndarray]:
    """Subscriber parts per area code (exchange 200-999), about count in all."""
    rng = np.random.default_rng(seed)
    codes = codes_for(count)
    per = count // len(codes)
    return {c: rng.integers(2_000_000, SUBSCRIBERS, per, dtype=np.int64) for c in codes}


def queries(parts: dict[int, np.ndarray], n: int, seed: int = 11) -> np.ndarray:
    """n numbers: half registered (drawn from the lists), half random."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(list(parts), n)
    per_code = np.bincount(codes[: n // 2], minlength=1000)
    hit = np.concatenate([c * SUBSCRIBERS + parts[c][rng.integers(0, parts[c].size, k)]
                          for c in parts if (k := int(per_code[c]))])
    miss = codes[n // 2:].astype(np.int64) * SUBSCRIBERS + rng.integers(2_000_000, SUBSCRIBERS,
                                                                        n - n // 2)
    out = np.concatenate([hit, miss])
    rng.shuffle(out)
    return out


def build_store(root: Path, count: int) -> tuple[float, int]:
    store = DncStore(root)
    t = time.perf_counter()
    parts = synthetic(count)
    distinct = 0
    for code, sub in parts.items():
        distinct += store.replace("federal", "national", code * SUBSCRIBERS + sub)
    return time.perf_counter() - t, distinct


def measure_store(root: str, count: int, out: mp.Queue) -> None:
    parts = synthetic(count)
    q = queries(parts, QUERIES)
    del parts
    base = rss()
    t = time.perf_counter()
    store = DncStore(Path(root))
    mapped = store.open_all()
    load = time.perf_counter() - t
    store.contains("federal", "national", q[:BATCH])          # warm-up
    t = time.perf_counter()
    hits = 0
    for i in range(0, q.size, BATCH):
        hits += int(store.contains("federal", "national", q[i:i + BATCH]).sum())
    rate = q.size / (time.perf_counter() - t)
    out.put({"load_s": load, "files": mapped, "rss": rss() - base, "rate": rate,
             "hits": hits, "mapped": mapped * 1_250_000})


def measure_set(path: str, count: int, out: mp.Queue) -> None:
    parts = synthetic(count)
    q = queries(parts, QUERIES).tolist()
    del parts
    base = rss()
    t = time.perf_counter()
    with open(path, "rb") as fh:
        numbers = pickle.load(fh)
    load = time.perf_counter() - t
    memory = rss() - base
    t = time.perf_counter()
    hits = sum(1 for x in q if x in numbers)
    rate = len(q) / (time.perf_counter() - t)
    out.put({"load_s": load, "rss": memory, "rate": rate, "hits": hits})


def write_set(path: Path, count: int) -> float:
    t = time.perf_counter()
    parts = synthetic(count)
    numbers: set[int] = set()
    for code, sub in parts.items():
        numbers.update((code * SUBSCRIBERS + sub).tolist())
    with open(path, "wb") as fh:
        pickle.dump(numbers, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return time.perf_counter() - t


def in_child(target, *args) -> dict:  # type: ignore[no-untyped-def]
    out: mp.Queue = mp.Queue()
    p = mp.Process(target=target, args=(*args, out))
    p.start()
    got = out.get()
    p.join()
    return got


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="25000000,250000000")
    ap.add_argument("--set-size", type=int, default=25_000_000,
                    help="the Python set baseline's size (the size that fits)")
    ap.add_argument("--dir", default="")
    args = ap.parse_args()
    base = Path(args.dir or tempfile.mkdtemp(prefix="senw-dnc-bench-"))
    print(f"DNC store benchmark ({QUERIES:,} lookups per case)")
    rows = []
    for count in (int(x) for x in args.sizes.split(",")):
        root = base / f"store-{count}"
        shutil.rmtree(root, ignore_errors=True)
        build_s, distinct = build_store(root, count)
        disk = DncStore(root).disk_bytes()
        m = in_child(measure_store, str(root), count)
        rows.append((f"bitmap store, {distinct / 1e6:,.1f}M in {len(codes_for(count))} area codes",
                     disk, m))
        print(f"  built {distinct:,} distinct numbers in {build_s:.1f} s")
        shutil.rmtree(root, ignore_errors=True)
    if args.set_size:
        path = base / "set.pickle"
        write_set(path, args.set_size)
        m = in_child(measure_set, str(path), args.set_size)
        rows.append((f"Python set, {args.set_size / 1e6:,.0f}M numbers (baseline)",
                     path.stat().st_blocks * 512, m))
        path.unlink()
    print(f"\n{'':48} {'memory':>10} {'disk':>10} {'load':>9} {'scrub/s':>12}")
    for label, disk, m in rows:
        print(f"{label:48} {mb(m['rss']):>10} {mb(disk):>10} {m['load_s'] * 1000:>7.0f}ms "
              f"{m['rate'] / 1e6:>10.2f}M")
    print("\nmemory = resident growth after load + scrub (store: touched file pages, "
          "shared and reclaimable; its mapped size equals its disk size)")
    if not args.dir:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
