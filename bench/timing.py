"""Timing one benchmark command, shared by bench/run_bench.py and the section scripts (bench/sections/)."""
from __future__ import annotations

import os
import subprocess
from typing import List, Tuple

# The benchmark measures the machine as a user has it: no OpenBLAS overrides from the environment.
ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def timed(command: List[str]) -> Tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of one run; fails loudly if the command fails."""
    # Every run starts with nothing left for the disk to write: a method that leaves gigabytes of dirty pages behind
    # (the PyTorch way and the copy floor write without fsync) must not slow the next method's own fsync or reads.
    os.sync()
    result = subprocess.run(["/usr/bin/time", "-f", "BENCH %e %M"] + command, capture_output=True, text=True, env=ENV)
    last = [line for line in result.stderr.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not last:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    _, seconds, kib = last[-1].split()
    return float(seconds), int(kib) / 1024, result.stdout
