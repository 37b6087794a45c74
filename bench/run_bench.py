"""`make bench`: clip-convert against the PyTorch way, PyBridge and the copy floor, on full-size checkpoints.

Never part of CI. It times the tools as a user installs them: packaging/install.sh (what `make install` runs)
installs them into CACHE/install first (clip-convert NativeAOT where this machine can build it, else
framework-dependent ReadyToRun; the report says which), and every clip-convert and clip-verify run below is that
installation's. Checkpoints come from bench/make_checkpoints.py (random weights, released structure), cached
outside the repository; this script asks it for the ones it needs. Each job's methods run alternately, REPS
times; the tables give medians of wall time and of peak RSS (/usr/bin/time). The other RN50 conversions alternate
with the .dat path (RN50.pt → .dat) too, and are compared with it as timed in their own job. Then the full-size seed table
(bench/seed_table.py), then every section script bench/sections/*.py not named _*.py (each writes its own marked
section; see run_sections). Writes docs/benchmarks.md (tables, scaling, plot, targets) and prints the same tables.

--quick: RN50 only, one rep, written to the cache folder unless --out is given: checks the whole pipeline in a
few minutes (`make bench BENCH_ARGS=--quick`).
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

from timing import ENV, timed

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PYTHON = "/usr/bin/python3"
# Set by install_tools(): the installed commands (PREFIX/bin/clip-convert, PREFIX/bin/clip-verify).
CONVERT: List[str] = []
VERIFY: List[str] = []
BRIDGE = ["dotnet", os.path.join(ROOT, "bench/PyBridgeBench/bin/Release/net10.0/pybridge-bench.dll")]
TORCH_WAY = [PYTHON, os.path.join(ROOT, "bench/pytorch_way.py")]

# What the full run measures; --quick keeps RN50 only.
CONVERSION_MODELS = ["RN50", "ViT-B/32", "ViT-L/14"]
SCALING_ONLY_MODELS = ["RN101", "RN50x4"]
SEED_MODELS = ["RN50", "RN101", "RN50x4", "ViT-B/32"]


def copy_floor(source: str, like: str, out: str) -> List[str]:
    """Read the input, then copy a file the size of the output."""
    return ["sh", "-c", f'cat "{source}" > /dev/null && cp "{like}" "{out}"']


DAT_PATH = ".dat path"


class Job:
    def __init__(self, label: str, source: str, out_ext: str, preset: str, pytorch: bool, pybridge: bool,
                 dat_path: Optional[str] = None):
        """dat_path: RN50.pt, converted to .dat alternately with this job's methods, which are then compared with it
        in the same run (not with a time measured minutes earlier, when the disk may have been quicker or slower)."""
        self.label, self.source, self.out_ext, self.preset = label, source, out_ext, preset
        self.pytorch, self.pybridge, self.dat_path = pytorch, pybridge, dat_path
        self.results: Dict[str, List[Tuple[float, float]]] = {}

    def median(self, method: str) -> Optional[Tuple[float, float]]:
        runs = self.results.get(method)
        if not runs:
            return None
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def run_job(job: Job, reps: int, scratch: str, others: bool = True) -> None:
    out = os.path.join(scratch, "out" + job.out_ext)
    like = os.path.join(scratch, "like" + job.out_ext)
    # A torch.save state dict does not say which activation the MLPs use (the archive's code does): say it.
    extra = ["--act", "quick_gelu"] if job.source.endswith(".sd.pt") else []
    subprocess.run(CONVERT + [job.source, like] + extra, check=True, capture_output=True, env=ENV)
    methods = {"clip-convert": CONVERT + [job.source, out] + extra}
    if job.pytorch and others:
        methods["PyTorch way"] = TORCH_WAY + ["convert", job.source, out]
    if job.pybridge and others:
        methods["PyBridge"] = BRIDGE + ["pybridge", job.preset, job.source, out]
    if others:
        methods["copy floor"] = copy_floor(job.source, like, out)
    dat_out = os.path.join(scratch, "dat-path.dat")
    if job.dat_path and others:
        methods[DAT_PATH] = CONVERT + [job.dat_path, dat_out]
    for rep in range(reps):
        for name, command in methods.items():
            for path in (out, dat_out):
                if os.path.exists(path):
                    os.remove(path)
            job.results.setdefault(name, []).append(timed(command)[:2])
            if rep == 0 and name == "PyTorch way":
                same = subprocess.run(["cmp", "-s", out, like]).returncode == 0
                job.results.setdefault("identical", []).append((1.0 if same else 0.0, 0.0))
        print(f"  {job.label} rep {rep + 1}/{reps}: " + ", ".join(
            f"{n} {job.results[n][-1][0]:.2f} s {job.results[n][-1][1]:.0f} MiB" for n in methods), flush=True)
    for path in (out, like, dat_out):
        if os.path.exists(path):
            os.remove(path)


def phase_profile(source: str, scratch: str) -> List[Tuple[str, float, float]]:
    """One conversion with CLIP_CONVERT_TRACE=1: each phase's wall and CPU milliseconds (converter/PhaseTrace.cs)."""
    out = os.path.join(scratch, "traced.dat")
    result = subprocess.run(CONVERT + [source, out, "-q"], capture_output=True, text=True, env=dict(ENV, CLIP_CONVERT_TRACE="1"))
    if result.returncode != 0:
        raise RuntimeError(f"traced conversion failed ({result.returncode}):\n{result.stderr[-2000:]}")
    for path in (out, out + ".json"):
        if os.path.exists(path):
            os.remove(path)
    phases = []
    for line in result.stderr.splitlines():
        m = re.match(r"trace: (.+?)\s+([\d.]+) ms wall\s+([\d.]+) ms CPU", line)
        if m:
            phases.append((m.group(1), float(m.group(2)), float(m.group(3))))
    return phases


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


def stem(preset: str) -> str:
    return preset.replace("/", "-").replace("@", "-")


def make_checkpoints(cache: str, presets: List[str]) -> None:
    """The cached full-size checkpoints (generated once; bench/make_checkpoints.py keeps what is there)."""
    subprocess.run([PYTHON, os.path.join(ROOT, "bench/make_checkpoints.py"), "--cache", cache] + presets, check=True, env=ENV)


def install_tools(prefix: str) -> str:
    """packaging/install.sh PREFIX, as `make install` runs it; sets CONVERT and VERIFY to the installed commands and
    returns how clip-convert was built, from the wrapper install.sh wrote."""
    result = subprocess.run(["sh", os.path.join(ROOT, "packaging/install.sh"), prefix, "dotnet", PYTHON, "Release"],
                            capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        raise RuntimeError(f"packaging/install.sh {prefix} failed ({result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")
    print((result.stderr + result.stdout).strip(), flush=True)
    CONVERT[:] = [os.path.join(prefix, "bin", "clip-convert")]
    VERIFY[:] = [os.path.join(prefix, "bin", "clip-verify")]
    with open(CONVERT[0]) as f:
        native = "/aot/clip-convert" in f.read()
    rid = subprocess.run(["sh", os.path.join(ROOT, "packaging/host_rid.sh")], capture_output=True, text=True).stdout.strip()
    return f"{'NativeAOT' if native else 'framework-dependent (install.sh could not build it NativeAOT here)'}, {rid}"


def seed_table(cache: str, presets: List[str]) -> List[dict]:
    """bench/seed_table.py's rows: the seed logit by TorchSharp, PyTorch float32 and float64."""
    result = subprocess.run([PYTHON, os.path.join(ROOT, "bench/seed_table.py"), "--cache", cache, "--verify", VERIFY[0],
                             "--convert", CONVERT[0]] + presets, capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        raise RuntimeError(f"bench/seed_table.py failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_sections(out: str, cache: str, reps: int, quick: bool) -> List[str]:
    """Runs every bench/sections/*.py (the contract is in bench/README.md); each writes its own marked section of
    OUT. Returns the failures, so one broken section does not stop the others."""
    failures = []
    # Helpers a section calls (a PyTorch side, shared code) are named _*.py and are not sections.
    for script in sorted(glob.glob(os.path.join(ROOT, "bench", "sections", "[!_]*.py"))):
        command = [PYTHON, script, "--out", out, "--cache", cache, "--reps", str(reps)] + (["--quick"] if quick else [])
        print(f"section {os.path.relpath(script, ROOT)}", flush=True)
        # A section that times clip-verify times the installed one (the same binary a user runs), when there is one.
        env = dict(ENV, CLIPTOOLS_BENCH_VERIFY=VERIFY[0]) if VERIFY else ENV
        if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
            failures.append(os.path.relpath(script, ROOT))
    return failures


def marked_sections(path: str) -> List[str]:
    """The sections other benchmarks write into the report, marked by begin/end comments, in file order."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        text = f.read()
    return [m.group(0) for m in re.finditer(r"<!-- ([\w-]+): begin.*?-->.*?<!-- \1: end -->\n?", text, flags=re.S)]


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/cliptools-bench"))
    parser.add_argument("--reps", type=int, default=None, help="alternating runs per job (5; 1 with --quick)")
    parser.add_argument("--out", default=None, help="the report (docs/benchmarks.md; CACHE/benchmarks-quick.md with --quick)")
    parser.add_argument("--note", default="", help="a line about the machine's state (load) for the report")
    parser.add_argument("--quick", action="store_true", help="RN50 only, one rep: a check of the whole pipeline")
    parser.add_argument("--no-sections", action="store_true", help="skip bench/sections/*.py")
    args = parser.parse_args()
    reps = args.reps or (1 if args.quick else 5)
    out_path = args.out or (os.path.join(args.cache, "benchmarks-quick.md") if args.quick else os.path.join(ROOT, "docs", "benchmarks.md"))
    c = args.cache
    os.makedirs(c, exist_ok=True)
    conversion_models = ["RN50"] if args.quick else CONVERSION_MODELS
    scaling_models = [] if args.quick else SCALING_ONLY_MODELS
    seed_models = ["RN50"] if args.quick else SEED_MODELS
    make_checkpoints(c, list(dict.fromkeys(conversion_models + scaling_models + seed_models)))
    started = datetime.datetime.utcnow()
    load_before = load_note()

    # The tools as a user installs them; and a copy of the built PyBridge bench. Neither changes if the working tree
    # is rebuilt during the run.
    print("installing the tools (packaging/install.sh)", flush=True)
    convert_build = install_tools(os.path.join(c, "install"))
    tools = os.path.join(c, "tools")
    shutil.rmtree(tools, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "bench/PyBridgeBench/bin/Release/net10.0"), os.path.join(tools, "bridge"), symlinks=True)
    BRIDGE[1] = os.path.join(tools, "bridge", "pybridge-bench.dll")
    scratch = os.path.join(c, "scratch")
    os.makedirs(scratch, exist_ok=True)
    pdparams = os.path.join(c, "RN50.pdparams")
    if not os.path.exists(pdparams):
        subprocess.run(CONVERT + [os.path.join(c, "RN50.pt"), pdparams], check=True, capture_output=True, env=ENV)

    jobs = [Job(f"{stem(m)}.pt → .dat", f"{c}/{stem(m)}.pt", ".dat", m, True, False) for m in conversion_models]
    rn50 = f"{c}/RN50.pt"
    jobs.insert(1, Job("RN50.sd.pt → .dat", f"{c}/RN50.sd.pt", ".dat", "RN50", False, True, dat_path=rn50))
    jobs += [Job("RN50.pdparams → .dat", pdparams, ".dat", "RN50", False, False, dat_path=rn50),
             Job("RN50.pt → .pdparams", rn50, ".pdparams", "RN50", False, False, dat_path=rn50),
             Job("RN50.pt → .safetensors", rn50, ".safetensors", "RN50", False, False, dat_path=rn50)]
    jobs = [j for j in jobs if os.path.exists(j.source)]
    scaling_jobs = [Job(f"{stem(m)}.pt → .dat", f"{c}/{stem(m)}.pt", ".dat", m, False, False) for m in scaling_models]
    scaling_jobs = [j for j in scaling_jobs if os.path.exists(j.source)]
    for job in jobs:
        print(f"{job.label}", flush=True)
        run_job(job, reps, scratch)
    for job in scaling_jobs:
        print(f"{job.label} (scaling)", flush=True)
        run_job(job, reps, scratch, others=False)
    profile = phase_profile(f"{c}/RN50.pt", scratch)
    print("seed table", flush=True)
    seeds = seed_table(c, seed_models)
    load_after = load_note()
    minutes = (datetime.datetime.utcnow() - started).total_seconds() / 60

    def cell(job: Job, method: str) -> str:
        m = job.median(method)
        return "" if m is None else f"{m[0]:.2f} s, {m[1]:.0f} MiB"

    def ratio(job: Job) -> Optional[float]:
        ours = job.median("clip-convert")
        other = job.median("PyTorch way") or job.median("PyBridge")
        return other[0] / ours[0] if ours and other else None

    lines = ["# Benchmarks", "",
             f"Written by `make bench` (bench/run_bench.py{' --quick' if args.quick else ''}) on {started:%Y-%m-%d %H:%M} UTC in "
             f"{minutes:.0f} minutes, {os.cpu_count()} CPUs, medians of {reps} alternating run{'s' if reps > 1 else ''}; "
             "wall time and peak RSS from `/usr/bin/time`. Checkpoints: bench/make_checkpoints.py (random weights in the "
             "released files' exact structure and dtypes), cached in ~/.cache/cliptools-bench. clip-convert and clip-verify "
             f"are the installed tools (`packaging/install.sh`, what `make install` runs): clip-convert {convert_build}.",
             "", f"**Machine load** (1 / 5 / 15-minute load averages): {load_before} at the start, {load_after} at the end."
             + (f" {args.note}" if args.note else ""), ""]
    lines += ["## Conversion", "",
              "| job | clip-convert | PyTorch way | PyBridge | copy floor | speed-up vs the other way | same bytes as the PyTorch way |",
              "|---|---|---|---|---|---|---|"]
    for job in jobs:
        r = ratio(job)
        same = job.results.get("identical")
        lines.append(f"| {job.label} | {cell(job, 'clip-convert')} | {cell(job, 'PyTorch way')} | {cell(job, 'PyBridge')} | "
                     f"{cell(job, 'copy floor')} | {'' if r is None else f'{r:.2f}x'} | {'' if not same else ('yes' if same[0][0] else 'NO')} |")
    base = next((j for j in jobs if j.label == "RN50.pt → .dat"), None)
    others = []
    if base and base.median("clip-convert"):
        lines += ["", "Other RN50 conversions against the `.dat` path's time (RN50.pt → .dat, converted alternately with "
                  "each of them in the same job):", ""]
        for job in jobs:
            if job.label.startswith("RN50") and job is not base and job.median("clip-convert"):
                m = job.median("clip-convert")
                dat = job.median(DAT_PATH) or base.median("clip-convert")
                others.append((job.label, m[0] / dat[0], m[1]))
                lines.append(f"- {job.label}: {m[0]:.2f} s against {dat[0]:.2f} s, {others[-1][1]:.2f}x, {m[1]:.0f} MiB")

    # Targets of issue 14, checked against this run.
    def target(text: str, value: str, holds: bool) -> str:
        return f"| {text} | {value} | {'yes' if holds else '**no**'} |"

    by_label = {j.label: j for j in jobs}
    rows = []
    for label, want, other in (("RN50.pt → .dat", 3.5, "PyTorch way"), ("RN50.sd.pt → .dat", 3.0, "PyBridge"),
                               ("ViT-B-32.pt → .dat", 3.5, "PyTorch way"), ("ViT-L-14.pt → .dat", 3.5, "PyTorch way")):
        job = by_label.get(label)
        if job and ratio(job):
            rows.append(target(f"{label} at least {want}x faster than the {other}", f"{ratio(job):.2f}x", ratio(job) >= want))
    for label, limit in (("RN50.pt → .dat", 100), ("RN50.sd.pt → .dat", 100), ("ViT-B-32.pt → .dat", 120), ("ViT-L-14.pt → .dat", 120)):
        job = by_label.get(label)
        if job and job.median("clip-convert"):
            rss = job.median("clip-convert")[1]
            rows.append(target(f"{label} peak RSS at most {limit} MiB", f"{rss:.0f} MiB", rss <= limit))
    for label, time_ratio, rss in others:
        rows.append(target(f"{label} within 1.3x the .dat path, at most 150 MiB", f"{time_ratio:.2f}x, {rss:.0f} MiB",
                           time_ratio <= 1.3 and rss <= 150))
    if rows:
        lines += ["", "### Targets (issue 14)", "", "| target | this run | holds |", "|---|---|---|"] + rows

    if profile:
        wall, cpu = sum(p[1] for p in profile), sum(p[2] for p in profile)
        lines += ["", "### Where clip-convert's time goes (RN50.pt → .dat)", "",
                  "One run with `CLIP_CONVERT_TRACE=1` (converter/PhaseTrace.cs): wall and CPU time of each phase, CPU summed "
                  "over the process's threads (the converting thread, the hashing and writing thread, and in a framework-dependent "
                  "build the JIT's). On a shared "
                  "machine the CPU column is the steadier one.", "",
                  "| phase | wall ms | CPU ms |", "|---|---|---|"]
        lines += [f"| {name} | {w:.0f} | {u:.0f} |" for name, w, u in profile]
        lines.append(f"| total | {wall:.0f} | {cpu:.0f} |")

    points = []
    for job in jobs + scaling_jobs:
        if job.label.endswith(".pt → .dat") and ".sd." not in job.label and job.median("clip-convert"):
            m = job.median("clip-convert")
            points.append((job.label.split(".")[0], os.path.getsize(job.source) / 1e6, m[0], m[1]))
    points.sort(key=lambda p: p[1])
    lines += ["", "## Scaling (released .pt → .dat)", "", "| model | checkpoint MB | clip-convert s | peak RSS MiB | MB/s |", "|---|---|---|---|---|"]
    for name, size, seconds, rss in points:
        lines.append(f"| {name} | {size:.0f} | {seconds:.2f} | {rss:.0f} | {size / seconds:.0f} |")
    if len(points) >= 2:
        with open(os.path.join(os.path.dirname(out_path), "benchmarks-scaling.svg"), "w") as f:
            f.write(svg_plot(points))
        lines += ["", "![time and peak RSS against checkpoint size](benchmarks-scaling.svg)"]
    lines += ["", "## Seed check at full size", "",
              "The Paddle port's check (an image of all 0.5 against a text of all ones, `logits_per_image`) on the released-style "
              "archives with random weights: TorchSharp (clip-convert to .dat, then `clip-verify run`) beside PyTorch running "
              "the archive itself in float32 and float64 (bench/seed_table.py). Random weights make small logits, so the "
              "relative differences are the figures to read.", "",
              "| model | TorchSharp fp32 | PyTorch fp32 | PyTorch fp64 | TorchSharp vs fp64 (relative) | PyTorch fp32 vs fp64 (relative) |",
              "|---|---|---|---|---|---|"]
    for row in seeds:
        ref = row["pytorch_fp64"]
        lines.append(f"| {row['model']} | {row['torchsharp_fp32']:.6f} | {row['pytorch_fp32']:.6f} | {ref:.6f} | "
                     f"{abs(row['torchsharp_fp32'] - ref) / abs(ref):.1e} | {abs(row['pytorch_fp32'] - ref) / abs(ref):.1e} |")
    lines += ["", "## Commands", "",
              "- clip-convert: `clip-convert IN OUT`, installed by `packaging/install.sh ~/.cache/cliptools-bench/install` "
              f"(what `make install` runs; here {convert_build})",
              "- PyTorch way: `bench/pytorch_way.py convert IN.pt OUT.dat` (torch.jit.load, float32, the reference .dat writer)",
              "- PyBridge: `bench/PyBridgeBench` (TorchSharp.PyBridge 1.4.4 `load_py` of IN.sd.pt into `Clip`, then `Module.save`)",
              "- copy floor: `cat IN > /dev/null && cp <a file the size of OUT> OUT`",
              "- seed table: `bench/seed_table.py --verify clip-verify --convert clip-convert RN50 RN101 RN50x4 ViT-B/32` "
              "(the installed commands)",
              "- where clip-convert's time goes: `CLIP_CONVERT_TRACE=1 clip-convert IN OUT` prints each phase's wall and CPU time", ""]
    # Keep the sections other benchmarks write into this file (make input-bench, bench/sections/*.py).
    kept = marked_sections(out_path)
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "".join("\n" + block for block in kept))
    print("\n".join(lines), flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    failures = [] if args.no_sections else run_sections(out_path, c, reps, args.quick)
    print(f"wrote {out_path}", flush=True)
    if failures:
        print(f"bench: section script(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
