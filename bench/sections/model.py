#!/usr/bin/python3
"""`make bench` section "model": loading, running and verifying a full-size RN50, TorchSharp against PyTorch.

    model.py --out OUT.md --cache DIR [--reps N] [--quick]

Measured (each pair alternating, medians of N; wall time and peak RSS of the whole process from /usr/bin/time):
- load: ClipModel.Load of RN50.dat (bench/ModelBench, published as packaging/install.sh publishes clip-verify:
  ReadyToRun, no tiered compilation; timed inside the process once libtorch is loaded) against torch.jit.load of
  RN50.pt (timed after `import torch`);
- run, batch 1 and batch 8: `clip-verify run RN50.dat --inputs` against the PyTorch way (the archive loaded as
  the official CPU loader does, float32, encode_image, encode_text, logits, outputs written as safetensors);
- verify: `clip-verify RN50.dat RN50.fixture.safetensors` (chained and isolated) against a batch-1 run; the fixture
  is made once by fixtures/dump_reference.py (its time and peak RSS reported when it is made) and kept in
  DIR/model-bench/.
clip-verify is the installed one when make bench passes it (CLIPTOOLS_BENCH_VERIFY, set by bench/run_bench.py), else
the build output.
Writes the marked section "model" of OUT.md (the section contract in bench/README.md).
"""
from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
from typing import Dict, List, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures"))
from timing import ENV, timed  # noqa: E402
from reference.fixture_file import read_manifest  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PYTHON = "/usr/bin/python3"
NAME = "model"
BUILT = {"verify": "verifier/bin/Release/net10.0", "convert": "converter/bin/Release/net10.0",
         "modelbench": "bench/ModelBench/bin/Release/net10.0"}


def alternate(methods: Dict[str, List[str]], reps: int, inner: bool = False) -> Dict[str, Tuple[float, float]]:
    """Median (seconds, peak MiB) per method, the methods run in turn reps times. With inner, the seconds are the
    last word the command prints (a time it measured itself)."""
    runs: Dict[str, List[Tuple[float, float]]] = {name: [] for name in methods}
    for rep in range(reps):
        for name, command in methods.items():
            seconds, rss, stdout = timed(command)
            runs[name].append((float(stdout.split()[-1]) if inner else seconds, rss))
        print(f"  rep {rep + 1}/{reps}: " + ", ".join(f"{n} {r[-1][0]:.2f} s {r[-1][1]:.0f} MiB" for n, r in runs.items()),
              flush=True)
    return {n: (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r)) for n, r in runs.items()}


def publish_like_clip_verify(project: str, out: str) -> str:
    """Publishes project into out (replacing the build output copied there) as packaging/install.sh publishes
    clip-verify; says how the timed binary was compiled."""
    rid = subprocess.run(["sh", os.path.join(ROOT, "packaging/host_rid.sh")], capture_output=True, text=True, check=True).stdout.strip()
    staging = out + ".publish"
    result = subprocess.run(["dotnet", "publish", os.path.join(ROOT, project), "-c", "Release", "-r", rid, "--self-contained", "false",
                             "-p:PublishReadyToRun=true", "-p:TieredCompilation=false", "-o", staging, "--nologo", "-v", "q"],
                            capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        return "the build output (the ReadyToRun publish failed here)"
    shutil.rmtree(out)
    os.rename(staging, out)
    return f"ReadyToRun for {rid} without tiered compilation, as `make install` compiles clip-verify"


def make_inputs(path: str, batch: int, resolution: int, context: int, vocab: int) -> None:
    """batch images (normal noise, float32) and batch texts (ids with the end-of-text id last), as .npz."""
    rng = np.random.default_rng(batch)
    image = rng.standard_normal((batch, 3, resolution, resolution)).astype(np.float32)
    text = np.zeros((batch, context), dtype=np.int64)
    for i in range(batch):
        length = 3 + (i * 7) % (context - 3)
        text[i, 0] = vocab - 2
        text[i, 1:length - 1] = rng.integers(1, vocab - 2, length - 2)
        text[i, length - 1] = vocab - 1
    np.savez(path, image=image, text=text)


def write_section(out: str, lines: List[str]) -> None:
    begin = f"<!-- {NAME}: begin (written by make bench, bench/sections/{NAME}.py) -->"
    block = "\n".join([begin] + lines + [f"<!-- {NAME}: end -->"]) + "\n"
    text = open(out).read() if os.path.exists(out) else ""
    pattern = re.compile(rf"<!-- {NAME}: begin.*?-->.*?<!-- {NAME}: end -->\n?", flags=re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text + ("" if text.endswith("\n") or not text else "\n") + "\n" + block
    with open(out, "w") as f:
        f.write(text)


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/cliptools-bench"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1 rep of each, to check the pipeline")
    args = parser.parse_args()
    reps = 1 if args.quick else max(1, args.reps)
    checkpoint = os.path.join(args.cache, "RN50.pt")
    if not os.path.exists(checkpoint):
        print(f"{NAME}: {checkpoint} missing (bench/make_checkpoints.py RN50 makes it)", file=sys.stderr)
        return 2
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "bench/ModelBench/ModelBench.csproj"), "-c", "Release", "-nologo", "-v", "q"],
                   check=True, env=ENV)
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "verifier/Verifier.csproj"), "-c", "Release", "-nologo", "-v", "q"],
                   check=True, env=ENV)
    work = os.path.join(args.cache, "model-bench")
    scratch = os.path.join(work, "scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    # Copies of the built tools, so a rebuild in the working tree during the run changes nothing.
    tools = {name: os.path.join(scratch, name) for name in BUILT}
    for name, built in BUILT.items():
        shutil.copytree(os.path.join(ROOT, built), tools[name], symlinks=True)
    # The load is timed in model-bench compiled as packaging/install.sh compiles clip-verify (ReadyToRun, no tiered
    # compilation), so ClipModel.Load runs the code the installed clip-verify runs, not code the JIT compiles first.
    modelbench_build = publish_like_clip_verify("bench/ModelBench/ModelBench.csproj", tools["modelbench"])
    # make bench passes the installed clip-verify (ReadyToRun, as a user runs it); alone, the section copies the build
    # output. Verify and the batch-1 run it is compared with are always the same binary.
    installed = os.environ.get("CLIPTOOLS_BENCH_VERIFY", "")
    verify = [installed] if installed else ["dotnet", os.path.join(tools["verify"], "clip-verify.dll")]
    verify_build = ("the installed `clip-verify` (packaging/install.sh, ReadyToRun)" if installed
                    else "the build output of verifier/ (`dotnet clip-verify.dll`, not ReadyToRun)")
    dat = os.path.join(scratch, "RN50.dat")
    subprocess.run(["dotnet", os.path.join(tools["convert"], "clip-convert.dll"), checkpoint, dat], check=True,
                   capture_output=True, env=ENV)

    fixture = os.path.join(work, "RN50.fixture.safetensors")
    stamp = os.path.join(work, "RN50.fixture.source")
    source = f"{os.path.getsize(checkpoint)} {os.path.getmtime(checkpoint)}"
    dump_note = ""
    if not (os.path.exists(fixture) and os.path.exists(stamp) and open(stamp).read() == source):
        print("making the RN50 fixture (dump_reference.py)", flush=True)
        seconds, rss, _ = timed([PYTHON, os.path.join(ROOT, "fixtures/dump_reference.py"), checkpoint, "--out", fixture])
        with open(stamp, "w") as f:
            f.write(source)
        dump_note = f"`dump_reference.py RN50.pt` made the fixture in this run: {seconds:.1f} s, {rss:.0f} MiB peak RSS."

    lines = ["## Model loading, running and verification (RN50)", "",
             f"Written by `make bench` (bench/sections/{NAME}.py) on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, "
             f"{os.cpu_count()} CPUs, load average before the run {load_average()}; medians of {reps} alternating runs"
             + (" (quick mode: one run each, not a measurement)" if args.quick else "")
             + "; wall time and peak RSS of the whole process from `/usr/bin/time`. "
             f"`clip-verify` (run and verify) is {verify_build}; `model-bench` (the load) is {modelbench_build}.", ""]

    print("load", flush=True)
    load = alternate({"TorchSharp": ["dotnet", os.path.join(tools["modelbench"], "model-bench.dll"), "load", dat],
                      "PyTorch": [PYTHON, os.path.join(ROOT, "bench/pytorch_way.py"), "load", checkpoint]}, reps, inner=True)
    lines += ["| load | TorchSharp: ClipModel.Load(RN50.dat) | PyTorch: torch.jit.load(RN50.pt) | ratio |", "|---|---|---|---|",
              f"| seconds in process | {load['TorchSharp'][0]:.2f} s | {load['PyTorch'][0]:.2f} s | {load['TorchSharp'][0] / load['PyTorch'][0]:.2f}x |",
              f"| process peak RSS | {load['TorchSharp'][1]:.0f} MiB | {load['PyTorch'][1]:.0f} MiB | {load['TorchSharp'][1] / load['PyTorch'][1]:.2f}x |", ""]

    runs = {}
    for batch in (1, 8):
        print(f"run batch {batch}", flush=True)
        inputs = os.path.join(scratch, f"inputs{batch}.npz")
        make_inputs(inputs, batch, 224, 77, 49408)
        runs[batch] = alternate({
            "TorchSharp": verify + ["run", dat, "--inputs", inputs, "--out", os.path.join(scratch, f"ts{batch}.safetensors")],
            "PyTorch": [PYTHON, os.path.join(ROOT, "bench/sections/_model_torch_run.py"), checkpoint, inputs,
                        os.path.join(scratch, f"pt{batch}.safetensors")]}, reps)
    lines += ["| run (whole process: load, encode, write) | TorchSharp: `clip-verify run` | PyTorch | time ratio | RSS ratio |",
              "|---|---|---|---|---|"]
    for batch, r in runs.items():
        ts, pt = r["TorchSharp"], r["PyTorch"]
        lines.append(f"| batch {batch} | {ts[0]:.2f} s, {ts[1]:.0f} MiB | {pt[0]:.2f} s, {pt[1]:.0f} MiB | "
                     f"{ts[0] / pt[0]:.2f}x | {ts[1] / pt[1]:.2f}x |")

    print("verify", flush=True)
    inputs1 = os.path.join(scratch, "inputs1.npz")
    checked = alternate({"clip-verify": verify + [dat, fixture, "-q"],
                         "run batch 1": verify + ["run", dat, "--inputs", inputs1, "--out", os.path.join(scratch, "v1.safetensors")]},
                        reps)
    cv, b1 = checked["clip-verify"], checked["run batch 1"]
    lines += ["", "| verify (chained and isolated, every tap) | `clip-verify RN50.dat RN50.fixture` | batch-1 `run` | ratio |",
              "|---|---|---|---|",
              f"| time | {cv[0]:.2f} s | {b1[0]:.2f} s | {cv[0] / b1[0]:.2f}x |",
              f"| peak RSS | {cv[1]:.0f} MiB | {b1[1]:.0f} MiB | |", ""]
    lines += ["Targets (issue 14): loading no slower than `jit.load`; `run`'s peak RSS at most 1.2x PyTorch's; "
              "`clip-verify` at most 2.5x a batch-1 `run` and at most 2 GB peak RSS.",
              f"The fixture: {os.path.getsize(fixture) / 1e9:.2f} GB, {len(read_manifest(fixture)['taps'])} taps, standard inputs (2 images, 3 texts). {dump_note}",
              "", "Commands: `model-bench load RN50.dat` (bench/ModelBench), `pytorch_way.py load RN50.pt`, "
              "`clip-verify run RN50.dat --inputs inputsN.npz --out O`, `bench/sections/_model_torch_run.py RN50.pt inputsN.npz O`, "
              "`clip-verify RN50.dat RN50.fixture.safetensors -q`."]
    write_section(args.out, lines)
    print("\n".join(lines))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
