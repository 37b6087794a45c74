"""Full-size released-style CLIP checkpoints with random weights, for `make bench` (never committed).

For each preset asked for, in the cache folder (default ~/.cache/cliptools-bench):
  NAME.pt     the released TorchScript archive form (fp16-class weights float16), by the repository's reference
  NAME.sd.pt  torch.save of the archive's state dict (what PyBridge and most fine-tuning code start from)
Files already there are kept. Weights are random (seeded), so nothing official is needed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

from reference.clip_reference import PRESETS, build_model  # noqa: E402
from reference.inputs import standard_inputs  # noqa: E402
from reference.released_archive import archive_state_dict, round_fp16_weights_, save_released_archive  # noqa: E402


def file_stem(preset: str) -> str:
    return preset.replace("/", "-").replace("@", "-")


def make(preset: str, folder: str, seed: int) -> None:
    stem = os.path.join(folder, file_stem(preset))
    if not os.path.exists(stem + ".pt"):
        started = time.time()
        cfg = PRESETS[preset]
        model = build_model(cfg, seed)
        round_fp16_weights_(model)
        image, text = standard_inputs(cfg, seed)
        save_released_archive(model, stem + ".pt.part", image[:1], text[:1])
        os.replace(stem + ".pt.part", stem + ".pt")
        print(f"made {stem}.pt in {time.time() - started:.0f} s", flush=True)
    if not os.path.exists(stem + ".sd.pt"):
        state = archive_state_dict(torch.jit.load(stem + ".pt", map_location="cpu"))
        torch.save(state, stem + ".sd.pt.part")
        os.replace(stem + ".sd.pt.part", stem + ".sd.pt")
        print(f"made {stem}.sd.pt", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="+", choices=sorted(PRESETS))
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/cliptools-bench"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for preset in args.presets:
        make(preset, args.cache, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
