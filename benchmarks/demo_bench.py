"""The whole pipeline twice on the bundled demo (run on demand: `python benchmarks/demo_bench.py`).

Serves the demo feeds on 127.0.0.1, makes a demo workspace, and runs `trendpapers run` (ingest,
analyze, draft, build) twice as separate processes: the second run finds no new data. Reports
each run's wall time and peak memory, their ratio, and whether the second run changed any file of
the papers or the site (it must not).
"""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trendpapers.demo import serve_demo, write_demo_workspace


def files(workspace: Path) -> dict[str, str]:
    out = {}
    for folder in (workspace / "papers", (workspace / "build" / "site").resolve()):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out[str(path.relative_to(workspace))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run(config: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "trendpapers", "-q", "-c", str(config), "run"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, serve_demo() as base:
        config = write_demo_workspace(Path(tmp) / "demo", base)
        first = run(config)
        first_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest process so far
        state = files(config.parent)
        second = run(config)
        changed = sorted(k for k, v in files(config.parent).items() if state.get(k) != v)
    print(f"first run:  {first:.1f} s, peak memory {first_mb:.0f} MB ({len(state)} files of papers and site)")
    print(f"second run: {second:.1f} s (no new data), ratio {second / first:.2f}")
    print(f"files changed by the second run: {len(changed)} {changed[:5]}")


if __name__ == "__main__":
    main()
