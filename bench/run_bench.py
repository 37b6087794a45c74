"""`make bench`: clip-convert against the PyTorch way, PyBridge and the copy floor, on full-size checkpoints.

Never part of CI. Checkpoints come from bench/make_checkpoints.py (random weights, released structure), cached
outside the repository. Each job's methods run alternately, REPS times; the table gives medians of wall time and
of peak RSS (/usr/bin/time). Writes docs/benchmarks.md (tables, scaling, plot) and prints the same tables.
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
from typing import Dict, List, Optional, Tuple

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PYTHON = "/usr/bin/python3"
CONVERT = ["dotnet", os.path.join(ROOT, "converter/bin/Release/net10.0/clip-convert.dll")]
BRIDGE = ["dotnet", os.path.join(ROOT, "bench/PyBridgeBench/bin/Release/net10.0/pybridge-bench.dll")]
TORCH_WAY = [PYTHON, os.path.join(ROOT, "bench/pytorch_way.py")]

# The benchmark measures the machine as a user has it: no OpenBLAS overrides from the environment.
ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def timed(command: List[str]) -> Tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of one run; fails loudly if the command fails."""
    result = subprocess.run(["/usr/bin/time", "-f", "BENCH %e %M"] + command, capture_output=True, text=True, env=ENV)
    last = [line for line in result.stderr.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not last:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    _, seconds, kib = last[-1].split()
    return float(seconds), int(kib) / 1024, result.stdout


def copy_floor(source: str, like: str, out: str) -> List[str]:
    """Read the input, then copy a file the size of the output."""
    return ["sh", "-c", f'cat "{source}" > /dev/null && cp "{like}" "{out}"']


class Job:
    def __init__(self, label: str, source: str, out_ext: str, preset: str, pytorch: bool, pybridge: bool):
        self.label, self.source, self.out_ext, self.preset = label, source, out_ext, preset
        self.pytorch, self.pybridge = pytorch, pybridge
        self.results: Dict[str, List[Tuple[float, float]]] = {}

    def median(self, method: str) -> Optional[Tuple[float, float]]:
        runs = self.results.get(method)
        if not runs:
            return None
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def run_job(job: Job, reps: int, scratch: str) -> None:
    out = os.path.join(scratch, "out" + job.out_ext)
    like = os.path.join(scratch, "like" + job.out_ext)
    subprocess.run(CONVERT + [job.source, like], check=True, capture_output=True, env=ENV)
    methods = {"clip-convert": CONVERT + [job.source, out]}
    if job.pytorch:
        methods["PyTorch way"] = TORCH_WAY + ["convert", job.source, out]
    if job.pybridge:
        methods["PyBridge"] = BRIDGE + ["pybridge", job.preset, job.source, out]
    methods["copy floor"] = copy_floor(job.source, like, out)
    for rep in range(reps):
        for name, command in methods.items():
            if os.path.exists(out):
                os.remove(out)
            job.results.setdefault(name, []).append(timed(command)[:2])
            if rep == 0 and name == "PyTorch way":
                same = subprocess.run(["cmp", "-s", out, like]).returncode == 0
                job.results.setdefault("identical", []).append((1.0 if same else 0.0, 0.0))
        print(f"  {job.label} rep {rep + 1}/{reps}: " + ", ".join(
            f"{n} {job.results[n][-1][0]:.2f} s {job.results[n][-1][1]:.0f} MiB" for n in methods), flush=True)
    for path in (out, like):
        if os.path.exists(path):
            os.remove(path)


def load_times(dat: str, pt: str, reps: int) -> Dict[str, Tuple[float, float]]:
    """Model loading inside the process (seconds) and the process's peak RSS, medians."""
    runs: Dict[str, List[Tuple[float, float]]] = {"TorchSharp (ClipWeights.LoadModel)": [], "PyTorch (torch.jit.load)": []}
    for _ in range(reps):
        for name, command in (("TorchSharp (ClipWeights.LoadModel)", BRIDGE + ["load", dat]),
                              ("PyTorch (torch.jit.load)", TORCH_WAY + ["load", pt])):
            _, rss, stdout = timed(command)
            seconds = float(stdout.split()[-1])
            runs[name].append((seconds, rss))
    return {n: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v)) for n, v in runs.items()}


def svg_plot(points: List[Tuple[str, float, float, float]]) -> str:
    """Time (s) and peak RSS (MiB) of clip-convert against checkpoint size (MB), as a small hand-made SVG."""
    width, height, pad = 640, 320, 50
    max_size = max(p[1] for p in points) * 1.1
    max_time = max(p[2] for p in points) * 1.2
    max_rss = max(max(p[3] for p in points) * 1.2, 150)

    def x(v: float) -> float:
        return pad + (width - 2 * pad) * v / max_size

    def y(v: float, top: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="black"/>',
             f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#1f77b4"/>',
             f'<line x1="{width - pad}" y1="{pad}" x2="{width - pad}" y2="{height - pad}" stroke="#d62728"/>',
             f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">checkpoint size (MB)</text>',
             f'<text x="12" y="{pad - 14}" fill="#1f77b4">time (s), max {max_time:.1f}</text>',
             f'<text x="{width - 12}" y="{pad - 14}" fill="#d62728" text-anchor="end">peak RSS (MiB), max {max_rss:.0f}</text>']
    for color, index, top in (("#1f77b4", 2, max_time), ("#d62728", 3, max_rss)):
        coords = " ".join(f"{x(p[1]):.1f},{y(p[index], top):.1f}" for p in points)
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"/>')
        for p in points:
            parts.append(f'<circle cx="{x(p[1]):.1f}" cy="{y(p[index], top):.1f}" r="4" fill="{color}"/>')
    for p in points:
        parts.append(f'<text x="{x(p[1]):.1f}" y="{height - pad + 16}" text-anchor="middle">{p[0]} ({p[1]:.0f})</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/cliptools-bench"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    parser.add_argument("--note", default="", help="a line about the machine's state (load) for the report")
    args = parser.parse_args()
    c = args.cache
    # Run copies of the built tools, so a rebuild in the working tree during the run changes nothing.
    tools = os.path.join(c, "tools")
    shutil.rmtree(tools, ignore_errors=True)
    for name, built in (("convert", "converter/bin/Release/net10.0"), ("bridge", "bench/PyBridgeBench/bin/Release/net10.0")):
        shutil.copytree(os.path.join(ROOT, built), os.path.join(tools, name), symlinks=True)
    CONVERT[1] = os.path.join(tools, "convert", "clip-convert.dll")
    BRIDGE[1] = os.path.join(tools, "bridge", "pybridge-bench.dll")
    scratch = os.path.join(c, "scratch")
    os.makedirs(scratch, exist_ok=True)
    pdparams = os.path.join(c, "RN50.pdparams")
    if not os.path.exists(pdparams):
        subprocess.run(CONVERT + [os.path.join(c, "RN50.pt"), pdparams], check=True, capture_output=True, env=ENV)

    jobs = [Job("RN50.pt → .dat", f"{c}/RN50.pt", ".dat", "RN50", True, False),
            Job("RN50.sd.pt → .dat", f"{c}/RN50.sd.pt", ".dat", "RN50", False, True),
            Job("ViT-B-32.pt → .dat", f"{c}/ViT-B-32.pt", ".dat", "ViT-B/32", True, False),
            Job("ViT-L-14.pt → .dat", f"{c}/ViT-L-14.pt", ".dat", "ViT-L/14", True, False),
            Job("RN50.pdparams → .dat", pdparams, ".dat", "RN50", False, False),
            Job("RN50.pt → .pdparams", f"{c}/RN50.pt", ".pdparams", "RN50", False, False),
            Job("RN50.pt → .safetensors", f"{c}/RN50.pt", ".safetensors", "RN50", False, False)]
    jobs = [j for j in jobs if os.path.exists(j.source)]
    for job in jobs:
        print(f"{job.label}", flush=True)
        run_job(job, args.reps, scratch)
    dat = os.path.join(scratch, "RN50.dat")
    subprocess.run(CONVERT + [f"{c}/RN50.pt", dat], check=True, capture_output=True, env=ENV)
    loading = load_times(dat, f"{c}/RN50.pt", args.reps)
    os.remove(dat)

    def cell(job: Job, method: str) -> str:
        m = job.median(method)
        return "" if m is None else f"{m[0]:.2f} s, {m[1]:.0f} MiB"

    lines = ["# Benchmarks", "",
             f"Written by `make bench` (bench/run_bench.py) on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, "
             f"{os.cpu_count()} CPUs, medians of {args.reps} alternating runs; wall time and peak RSS from `/usr/bin/time`. "
             "Checkpoints: bench/make_checkpoints.py (random weights in the released files' exact structure and dtypes).",
             ""]
    if args.note:
        lines += [f"**Machine state:** {args.note}", ""]
    lines += ["## Conversion", "",
              "| job | clip-convert | PyTorch way | PyBridge | copy floor | speed-up vs the other way | same bytes as the PyTorch way |",
              "|---|---|---|---|---|---|---|"]
    for job in jobs:
        ours = job.median("clip-convert")
        other = job.median("PyTorch way") or job.median("PyBridge")
        ratio = f"{other[0] / ours[0]:.2f}x" if ours and other else ""
        same = job.results.get("identical")
        lines.append(f"| {job.label} | {cell(job, 'clip-convert')} | {cell(job, 'PyTorch way')} | {cell(job, 'PyBridge')} | "
                     f"{cell(job, 'copy floor')} | {ratio} | {'' if not same else ('yes' if same[0][0] else 'NO')} |")
    base = next((j for j in jobs if j.label == "RN50.pt → .dat"), None)
    if base and base.median("clip-convert"):
        lines += ["", "Other RN50 conversions against the `.dat` path's time:", ""]
        for job in jobs:
            if job.label.startswith("RN50") and job is not base and job.median("clip-convert"):
                lines.append(f"- {job.label}: {job.median('clip-convert')[0] / base.median('clip-convert')[0]:.2f}x, "
                             f"{job.median('clip-convert')[1]:.0f} MiB")
    points = []
    for job in jobs:
        if job.label.endswith(".pt → .dat") and ".sd." not in job.label and job.median("clip-convert"):
            m = job.median("clip-convert")
            points.append((job.label.split(".")[0], os.path.getsize(job.source) / 1e6, m[0], m[1]))
    lines += ["", "## Scaling (released .pt → .dat)", "", "| model | checkpoint MB | clip-convert s | peak RSS MiB | MB/s |", "|---|---|---|---|---|"]
    for name, size, seconds, rss in points:
        lines.append(f"| {name} | {size:.0f} | {seconds:.2f} | {rss:.0f} | {size / seconds:.0f} |")
    if len(points) >= 2:
        with open(os.path.join(os.path.dirname(args.out), "benchmarks-scaling.svg"), "w") as f:
            f.write(svg_plot(points))
        lines += ["", "![time and peak RSS against checkpoint size](benchmarks-scaling.svg)"]
    lines += ["", "## Model loading (RN50)", "", "| loader | seconds (in process) | process peak RSS |", "|---|---|---|"]
    for name, (seconds, rss) in loading.items():
        lines.append(f"| {name} | {seconds:.2f} s | {rss:.0f} MiB |")
    lines += ["", "## Commands", "", "- clip-convert: `dotnet converter/bin/Release/net10.0/clip-convert.dll IN OUT`",
              "- PyTorch way: `bench/pytorch_way.py convert IN.pt OUT.dat` (torch.jit.load, float32, the reference .dat writer)",
              "- PyBridge: `bench/PyBridgeBench` (TorchSharp.PyBridge 1.4.4 `load_py` of IN.sd.pt into `Clip`, then `Module.save`)",
              "- copy floor: `cat IN > /dev/null && cp <a file the size of OUT> OUT`",
              "- loading: `pybridge-bench load RN50.dat` (`ClipWeights.LoadModel`) and `bench/pytorch_way.py load RN50.pt`", ""]
    # Keep sections other benchmarks write into this file (make input-bench), marked by begin/end comments.
    kept = []
    if os.path.exists(args.out):
        with open(args.out) as f:
            kept = re.findall(r"<!-- [\w-]+: begin.*?-->.*?<!-- [\w-]+: end -->\n?", f.read(), flags=re.S)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "".join("\n" + block for block in kept))
    print("\n".join(lines))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
