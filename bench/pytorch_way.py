"""The PyTorch way, for `make bench`: what a user without clip-convert does.

  pytorch_way.py convert IN.pt OUT.dat   torch.jit.load, float weights to float32, the repository's .dat writer
  pytorch_way.py load IN.pt              seconds of torch.jit.load, printed as "load_s <seconds>"
"""
from __future__ import annotations

import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

from reference.released_archive import archive_state_dict  # noqa: E402
from reference.torchsharp_dat import write_dat  # noqa: E402


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "convert":
        state = archive_state_dict(torch.jit.load(sys.argv[2], map_location="cpu"))
        write_dat(sys.argv[3], {k: v.float() if v.is_floating_point() else v for k, v in state.items()})
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "load":
        started = time.perf_counter()
        torch.jit.load(sys.argv[2], map_location="cpu")
        print(f"load_s {time.perf_counter() - started:.3f}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
