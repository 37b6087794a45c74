#!/usr/bin/python3
"""The PyTorch side of `clip-verify run` for bench/sections/model.py: what a PyTorch user runs.

    model_torch_run.py CHECKPOINT.pt INPUTS.npz OUT.safetensors

The released archive is loaded as the official CPU loader does (torch.jit.load, graphs' float16 and device
constants retargeted, weights to float32), then image and text features and both logits are computed without
gradients and written as float32 safetensors, like `clip-verify run`.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))

from reference.archive_taps import load_archive  # noqa: E402
from reference.safetensors_file import write_safetensors  # noqa: E402


@torch.no_grad()
def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    checkpoint, inputs, out = sys.argv[1:]
    model, _ = load_archive(checkpoint, torch.float32, torch.device("cpu"))
    with np.load(inputs) as data:
        image, text = torch.from_numpy(data["image"]), torch.from_numpy(data["text"])
    image_features = model.encode_image(image)
    text_features = model.encode_text(text)
    per_image, per_text = model(image, text)
    write_safetensors(out, {"image_features": image_features.float().numpy(), "text_features": text_features.float().numpy(),
                            "logits_per_image": per_image.float().numpy(), "logits_per_text": per_text.float().numpy()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
