"""The seed check at full size, for `make bench`: the Paddle port's table, with random weights.

    seed_table.py --verify CLIP_VERIFY --convert CLIP_CONVERT [--cache DIR] PRESET...

CLIP_VERIFY and CLIP_CONVERT are the installed commands (make bench passes those) or the built .dll files.

For each preset's released-style archive in the cache (bench/make_checkpoints.py), the logit of an image of all
0.5 against a text of all ones (`logits_per_image`), computed three ways:
  PyTorch float32 and float64: the archive itself (torch.jit.load, dtype constants retargeted, weights cast, as
    fixtures/dump_reference.py loads it), without graph optimisation;
  TorchSharp float32: `clip-convert ARCHIVE MODEL.dat`, then `clip-verify run MODEL.dat --inputs SEED --out OUT`.
Prints one JSON list: [{"model", "file", "torchsharp_fp32", "pytorch_fp32", "pytorch_fp64"}, ...].
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

from reference.archive_taps import archive_config, load_archive  # noqa: E402
from reference.inputs import seed_inputs  # noqa: E402
from reference.safetensors_file import read_safetensors, write_safetensors  # noqa: E402


def file_stem(preset: str) -> str:
    return preset.replace("/", "-").replace("@", "-")


@torch.no_grad()
def pytorch_logit(path: str, dtype: torch.dtype) -> float:
    archive, _ = load_archive(path, dtype, torch.device("cpu"))
    image, text = seed_inputs(archive_config(archive))
    with torch.jit.optimized_execution(False):
        per_image, _ = archive(image.to(dtype), text)
    return float(per_image[0, 0])


def torchsharp_logit(verify: list, convert: list, path: str, scratch: str) -> float:
    archive = torch.jit.load(path, map_location="cpu")
    image, text = seed_inputs(archive_config(archive))
    del archive
    inputs, out = os.path.join(scratch, "seed.safetensors"), os.path.join(scratch, "seed_out.safetensors")
    write_safetensors(inputs, {"image": image.numpy().astype(np.float32), "text": text.numpy().astype(np.int64)})
    dat = os.path.join(scratch, "model.dat")
    for stale in (out, dat):
        if os.path.exists(stale):
            os.remove(stale)
    result = subprocess.run(convert + [path, dat, "-q"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"clip-convert {path} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    result = subprocess.run(verify + ["run", dat, "--inputs", inputs, "--out", out], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"clip-verify run {path} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    arrays, _ = read_safetensors(out)
    return float(arrays["logits_per_image"].reshape(-1)[0])


def command(tool: str) -> list:
    """A built .dll runs through dotnet; an installed command runs itself."""
    return ["dotnet", tool] if tool.endswith(".dll") else [tool]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="+")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/cliptools-bench"))
    parser.add_argument("--verify", required=True, help="clip-verify: the installed command or clip-verify.dll")
    parser.add_argument("--convert", required=True, help="clip-convert: the installed command or clip-convert.dll")
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    rows = []
    with tempfile.TemporaryDirectory(prefix="seed-", dir=args.cache) as scratch:
        for preset in args.presets:
            path = os.path.join(args.cache, file_stem(preset) + ".pt")
            if not os.path.exists(path):
                print(f"seed table: no {path}, skipped", file=sys.stderr)
                continue
            rows.append({"model": preset, "file": os.path.basename(path),
                         "torchsharp_fp32": torchsharp_logit(command(args.verify), command(args.convert), path, scratch),
                         "pytorch_fp32": pytorch_logit(path, torch.float32),
                         "pytorch_fp64": pytorch_logit(path, torch.float64)})
            print(f"seed table: {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
