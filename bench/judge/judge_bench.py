#!/usr/bin/python3
"""`make judge-bench`: does clip-verify's judgement hold on models it has never seen? (issue 12; not a unit test)

    judge_bench.py [--models N] [--seed S] [--jobs J] [--fault-models K] [--quick] [--reuse] [--no-docs]
                   [--reference-dtype float32]

1. Specificity. N random official-layout CLIPs per architecture (ModifiedResNet and ViT; default 20 each), with
   configs drawn from --seed (widths, block counts, heads, patch sizes, resolutions, context lengths, vocabularies,
   embedding sizes) and random weights from the repository's PyTorch reference (fixtures/reference), saved as
   released-style archives. Each is dumped with fixtures/dump_reference.py (noise runs on), converted with
   clip-convert and verified with clip-verify, chained and isolated. Every conversion is faithful, so every FAIL
   is a false alarm: the count must be 0. Per tap kind and mode: the margin (RMS error / bound; a tap passes at
   <= 1) distribution and its worst cases.
2. Sensitivity. For the first K models per architecture (default 10), every fault class of
   fixtures/reference/faults.py in turn, injected into a PyTorch float32 run of the same model (target blocks and
   weights drawn from the model's seed), dumped as a candidate and judged by `clip-verify compare --json` (with
   --model when compare offers it, so what-if detectors can re-run stages). Per class: the detection rate (must
   be 100%), the share whose first divergence is the fault's tap, the share whose diagnosis names its cause.
3. Writes the results into docs/judgement.md (between the judge-bench markers), per-model and per-fault rows into
   docs/judge-bench-models.csv and docs/judge-bench-faults.csv, everything (every tap's margin) into
   out/judge-bench/results.json, and prints the summary.

Runs J models at a time (default 2), each on one PyTorch thread. --quick is --models 3 --no-docs. Every model's
archive, fixture and .dat stay in out/judge-bench/models/ID; --reuse takes them from there when a previous run made
the same model (same spec), so a rerun after a verifier change only converts nothing and re-judges (the files depend
only on the spec and the PyTorch build).

--reference-dtype float32 judges against float32-only fixtures (docs/fixture-format.md#storage): each model's
fixture stored again with its reference rounded to float32 (reference/fixture_file.py's repack, the same file
dump_reference.py --reference-dtype float32 writes), verify and every fault candidate judged against that; results go
to out/judge-bench/results.float32.json and docs/ is left alone.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import math
import multiprocessing
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from typing import Dict, List, Optional, Tuple

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(ROOT, "fixtures")
CONVERT = ["dotnet", os.path.join(ROOT, "converter/bin/Release/net10.0/clip-convert.dll")]
VERIFY = ["dotnet", os.path.join(ROOT, "verifier/bin/Release/net10.0/clip-verify.dll")]
OUT = os.path.join(ROOT, "out", "judge-bench")
DOC = os.path.join(ROOT, "docs", "judgement.md")
MODELS_CSV = os.path.join(ROOT, "docs", "judge-bench-models.csv")
FAULTS_CSV = os.path.join(ROOT, "docs", "judge-bench-faults.csv")
BEGIN, END = "<!-- judge-bench:begin -->", "<!-- judge-bench:end -->"
NOISE_RUNS = 8  # dump_reference's default


# ---------------------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------------------

def sample_config(rng: random.Random, arch: str) -> Dict[str, object]:
    """A small official-layout config (ClipConfig's fields). Head counts follow the official rule (width / 64;
    a ModifiedResNet's attention pool: 32 x width / 64), which is all a released state dict can tell."""
    text_width = rng.choice([64, 128, 192])
    cfg: Dict[str, object] = {
        "embed_dim": rng.choice([16, 32, 48, 64]),
        "context_length": rng.randint(5, 16),
        "vocab_size": rng.randint(40, 600),
        "transformer_width": text_width,
        "transformer_heads": text_width // 64,
        "transformer_layers": rng.randint(1, 3),
    }
    if arch == "rn":
        cfg.update(vision_layers=[rng.randint(1, 2) for _ in range(4)], vision_width=rng.choice([2, 4, 8]),
                   vision_patch_size=None, image_resolution=32 * rng.choice([1, 2, 3]))
    else:
        patch = rng.choice([4, 8, 16])
        cfg.update(vision_layers=rng.randint(1, 3), vision_width=rng.choice([64, 128]), vision_patch_size=patch,
                   image_resolution=patch * rng.choice([2, 3, 4]))
    return cfg


def model_specs(count: int, seed: int) -> List[Dict[str, object]]:
    """``count`` models per architecture, interleaved (rn, vit, rn, ...), all drawn from ``seed``."""
    rng = random.Random(seed)
    specs = []
    for i in range(count):
        for arch in ("rn", "vit"):
            weight_seed = rng.randrange(1 << 30)
            specs.append({"id": f"{arch}{i:02d}", "arch": arch, "index": i, "config": sample_config(rng, arch),
                          "weight_seed": weight_seed, "input_seed": rng.randrange(1 << 30),
                          "fault_seed": rng.randrange(1 << 30)})
    return specs


def config_text(cfg: Dict[str, object]) -> str:
    layers = cfg["vision_layers"]
    vision = (f"RN{'-'.join(map(str, layers))} w{cfg['vision_width']}" if isinstance(layers, list)
              else f"ViT L{layers} w{cfg['vision_width']} p{cfg['vision_patch_size']}")
    return (f"{vision} r{cfg['image_resolution']} E{cfg['embed_dim']} | text L{cfg['transformer_layers']} "
            f"w{cfg['transformer_width']} h{cfg['transformer_heads']} C{cfg['context_length']} V{cfg['vocab_size']}")


# ---------------------------------------------------------------------------------------------------------
# One model, in a worker process
# ---------------------------------------------------------------------------------------------------------

def _dotnet(command: List[str]) -> Tuple[int, str, str]:
    result = subprocess.run(command, capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def _json_report(command: List[str]) -> Dict[str, object]:
    code, stdout, stderr = _dotnet(command)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(os.path.basename(c) for c in command[:3])} exit {code}: "
                           f"{(stderr.strip().splitlines() or [''])[-1]}")
    return json.loads(stdout)


def _margins(mode: Dict[str, object]) -> List[Dict[str, object]]:
    """Every tap and output of a report mode: name, verdict, RMS error / bound."""
    rows = []
    for tap in list(mode["taps"]) + list(mode["outputs"]):
        metrics = tap.get("metrics") or {}
        rms, bound = metrics.get("rms_error"), tap.get("bound")
        margin = (float(rms) / float(bound)) if isinstance(rms, (int, float)) and isinstance(bound, (int, float)) \
            and bound > 0 else None
        rows.append({"name": tap["name"], "verdict": tap["verdict"], "margin": margin, "reason": tap.get("reason")})
    return rows


def _diagnosis(mode: Dict[str, object]) -> Optional[str]:
    diagnosis = mode.get("diagnosis")
    return diagnosis.get("cause") if isinstance(diagnosis, dict) else None


def run_model(spec: Dict[str, object], compare_has_model: bool, with_faults: bool, reuse: bool,
              reference_dtype: str = "float64") -> Dict[str, object]:
    """Make, dump, convert and verify one model; then judge its fault candidates. Never raises: an error is a
    result of its own (``error``), reported apart from the verdicts."""
    sys.path.insert(0, FIXTURES)
    import numpy as np  # noqa: F401  (imported here: the parent process never loads torch)
    import torch
    from dump_reference import dump
    from reference.clip_reference import ClipConfig, build_model
    from reference.fixture_file import repack
    from reference.faults import NoEffect, fault_classes, load_model, make_candidate, run, targets
    from reference.inputs import standard_inputs
    from reference.released_archive import round_fp16_weights_, save_released_archive
    from reference.safetensors_file import read_safetensors, write_safetensors

    torch.set_num_threads(1)
    result: Dict[str, object] = {k: spec[k] for k in ("id", "arch", "config", "weight_seed", "input_seed")}
    times: Dict[str, float] = {}
    result["times"] = times
    folder = os.path.join(OUT, "models", str(spec["id"]))
    pt, fixture, dat = (os.path.join(folder, f"model{ext}") for ext in (".pt", ".fixture.safetensors", ".dat"))
    spec_file = os.path.join(folder, "spec.json")
    spec_text = json.dumps(spec, sort_keys=True)
    stage = "make"
    try:
        c = dict(spec["config"])
        layers = tuple(c["vision_layers"]) if isinstance(c["vision_layers"], list) else c["vision_layers"]
        cfg = ClipConfig(**{**c, "vision_layers": layers})
        made = reuse and all(os.path.isfile(p) for p in (pt, fixture, dat, spec_file)) \
            and open(spec_file, encoding="utf-8").read() == spec_text
        result["reused"] = made
        if not made:
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            t0 = time.time()
            model = build_model(cfg, int(spec["weight_seed"]))
            round_fp16_weights_(model)
            image, text = standard_inputs(cfg, int(spec["input_seed"]))
            save_released_archive(model, pt, image, text)
            times["make"] = time.time() - t0

            stage, t0 = "dump", time.time()
            dump(pt, fixture, seed=int(spec["input_seed"]), threads=1, noise=NOISE_RUNS)
            times["dump"] = time.time() - t0

            stage, t0 = "convert", time.time()
            code, _, stderr = _dotnet(CONVERT + [pt, dat])
            if code != 0:
                raise RuntimeError(f"clip-convert exit {code}: {(stderr.strip().splitlines() or [''])[-1]}")
            times["convert"] = time.time() - t0
            with open(spec_file, "w", encoding="utf-8") as f:
                f.write(spec_text)

        judged = fixture
        if reference_dtype == "float32":
            stage, judged = "repack", os.path.join(folder, "model.f32.fixture.safetensors")
            repack(fixture, judged, "float32", "none")
        stage, t0 = "verify", time.time()
        report = _json_report(VERIFY + ["verify", dat, judged, "--json"])
        result["verify"] = {m["mode"]: {"verdict": m["verdict"], "first_divergence": m["first_divergence"],
                                        "taps": _margins(m)} for m in report["modes"]}
        times["verify"] = time.time() - t0

        faults: List[Dict[str, object]] = []
        result["faults"] = faults
        if with_faults:
            stage, t0 = "faults", time.time()
            tensors, _ = read_safetensors(fixture)
            inputs = {k: tensors[k] for k in ("input.image", "input.text", "input.seed_image", "input.seed_text")}
            del tensors
            clean = run(load_model(pt, torch.float32), *(torch.from_numpy(inputs[k]) for k in inputs))
            meta = load_model(pt)
            rng = random.Random(int(spec["fault_seed"]))
            candidate_path = os.path.join(folder, "candidate.safetensors")
            for fault in fault_classes(is_resnet=not cfg.is_vit):
                where = targets(meta, fault.id)
                rng.shuffle(where)  # a target drawn from the seed; the next one if it has no effect at all
                factor = 1.0 + rng.choice([1e-5, -1e-5])
                row: Dict[str, object] = {"fault": fault.id, "cause": fault.cause}
                if fault.id == "scaled-weight":
                    row["factor"] = factor
                try:
                    for target in where:
                        row["target"] = target
                        try:
                            candidate = make_candidate(pt, inputs, fault.id, target, torch.float32, factor=factor,
                                                       clean=clean)
                            break
                        except NoEffect as e:  # e.g. a weight behind a dead ReLU: nothing to detect
                            row.setdefault("no_effect", []).append(str(e))
                    else:
                        raise NoEffect(f"{fault.id}: no target changes anything")
                    row["right_tap"] = candidate.right_tap
                    write_safetensors(candidate_path, candidate.tensors)
                    command = VERIFY + ["compare", judged, candidate_path, "--json"]
                    if compare_has_model:
                        command += ["--model", dat]
                    mode = _json_report(command)["modes"][0]
                    margins = {r["name"]: r for r in _margins(mode)}
                    row.update(verdict=mode["verdict"], first_divergence=mode["first_divergence"],
                               diagnosis=_diagnosis(mode), right_tap_margin=margins[candidate.right_tap]["margin"])
                except Exception as e:  # noqa: BLE001  (a bench row, not a crash)
                    row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                faults.append(row)
            if os.path.exists(candidate_path):
                os.remove(candidate_path)
            times["faults"] = time.time() - t0
    except Exception as e:  # noqa: BLE001
        result["error"] = f"{stage}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        result["traceback"] = traceback.format_exc(limit=4)
    return result


def _run_model_star(args):
    return run_model(*args)


# ---------------------------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------------------------

def tap_kind(name: str) -> str:
    """A tap name with its block indices folded: ``visual.layer3.1.conv2`` -> ``visual.layerL.B.conv2``."""
    name = re.sub(r"\.layer\d\.\d+", ".layerL.B", name)
    return re.sub(r"\.resblocks\.\d+", ".resblocks.N", name)


def _quantile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summarise(results: List[Dict[str, object]]) -> Dict[str, object]:
    margins: Dict[Tuple[str, str, str], List[Tuple[float, str, str]]] = {}
    false_fails = []
    verified = {"rn": 0, "vit": 0}
    for r in results:
        for mode, m in r.get("verify", {}).items():
            verified[r["arch"]] += mode == "chained"
            for tap in m["taps"]:
                if tap["margin"] is not None:
                    margins.setdefault((r["arch"], mode, tap_kind(tap["name"])), []).append(
                        (tap["margin"], r["id"], tap["name"]))
                if tap["verdict"] == "fail":
                    false_fails.append({"model": r["id"], "mode": mode, "tap": tap["name"], "margin": tap["margin"],
                                        "reason": tap["reason"]})
    kinds = []
    for (arch, mode, kind), values in sorted(margins.items()):
        numbers = [v for v, _, _ in values]
        worst = max(values)
        kinds.append({"arch": arch, "mode": mode, "kind": kind, "count": len(values),
                      "median": statistics.median(numbers), "p90": _quantile(numbers, 0.9), "max": worst[0],
                      "worst": f"{worst[1]} {worst[2]}"})
    faults: Dict[str, Dict[str, object]] = {}
    for r in results:
        for row in r.get("faults", []):
            s = faults.setdefault(row["fault"], {"fault": row["fault"], "cause": row["cause"], "runs": 0,
                                                 "errors": 0, "detected": 0, "right_tap": 0, "diagnosed": 0,
                                                 "misses": [], "min_margin": None, "min_margin_case": None,
                                                 "no_effect": []})
            s["no_effect"] += [f"{r['id']}: {m}" for m in row.get("no_effect", [])]
            if "error" in row:
                s["errors"] += 1
                continue
            s["runs"] += 1
            s["detected"] += row["verdict"] == "fail"
            s["right_tap"] += row["first_divergence"] == row["right_tap"]
            s["diagnosed"] += row["diagnosis"] == row["cause"]
            if row["verdict"] != "fail" or row["first_divergence"] != row["right_tap"]:
                s["misses"].append(f"{r['id']} {row['target'] or ''} -> {row['first_divergence']}".replace("  ", " "))
            m = row.get("right_tap_margin")
            if m is not None and (s["min_margin"] is None or m < s["min_margin"]):
                s["min_margin"], s["min_margin_case"] = m, f"{r['id']} {row['right_tap']}"
    errors = [f"{r['id']}: {r['error']}" for r in results if "error" in r]
    fault_errors = [f"{r['id']} {row['fault']}: {row['error']}" for r in results for row in r.get("faults", [])
                    if "error" in row]
    return {"verified": verified, "false_fails": false_fails, "kinds": kinds, "faults": list(faults.values()),
            "errors": errors, "fault_errors": fault_errors}


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}% ({part}/{whole})" if whole else "n/a"


def render(summary: Dict[str, object], meta: Dict[str, object]) -> str:
    out = io.StringIO()
    w = out.write
    w(f"{BEGIN}\n")
    w("### Last run\n\n")
    w("Written by `bench/judge/judge_bench.py`; do not edit by hand (the next run rewrites it).\n\n")
    w(f"- command: `{meta['command']}`\n")
    w(f"- date: {meta['date']}; wall time {meta['wall_s'] / 60:.1f} min, {meta['jobs']} models at a time\n")
    w(f"- machine: {meta['cpu']}, {meta['cores']} cores; load average {meta['load_start']} at the start, "
      f"{meta['load_end']} at the end (other jobs were running)\n")
    w(f"- git: {meta['git']}; torch {meta['torch']}\n")
    verified = summary["verified"]
    w(f"- models: {verified['rn']} ModifiedResNet + {verified['vit']} ViT, configs and weights drawn from "
      f"`--seed {meta['seed']}` (per model: docs/judge-bench-models.csv); every tap and output of each judged "
      f"chained and isolated" + (f" ({meta['reused']} models' archive, fixture and .dat made by an earlier run of the "
                                 f"same seed, `--reuse`)" if meta["reused"] else "") + "\n\n")

    w("#### False FAILs (faithful conversions judged FAIL; must be 0)\n\n")
    ff = summary["false_fails"]
    w(f"**{len(ff)}**" + (" false FAIL verdicts:\n\n" if ff else ".\n\n"))
    for f in ff:
        w(f"- {f['model']} {f['mode']} `{f['tap']}`: margin {f['margin']:.3g} ({f['reason']})\n")
    if ff:
        w("\n")
    if summary["errors"]:
        w("Models that could not be made, dumped, converted or verified (not counted above):\n\n")
        for e in summary["errors"]:
            w(f"- {e}\n")
        w("\n")

    w("#### Margin per tap kind (RMS error / bound; a tap passes at <= 1)\n\n")
    w("Block indices folded (`layerL.B`, `resblocks.N`); the worst case named by model and tap.\n\n")
    w("| arch | mode | tap kind | n | median | p90 | max | worst |\n|---|---|---|---:|---:|---:|---:|---|\n")
    for k in summary["kinds"]:
        w(f"| {k['arch']} | {k['mode']} | `{k['kind']}` | {k['count']} | {k['median']:.3f} | {k['p90']:.3f} | "
          f"{k['max']:.3f} | {k['worst']} |\n")
    w("\n")

    w("#### Fault classes (PyTorch float32 candidates, `clip-verify compare --json`)\n\n")
    w("detected: judged FAIL (must be 100%); right tap: the first divergence is the tap where the fault enters; "
      "diagnosed: the report's diagnosis names the fault's cause; smallest margin: the right tap's RMS error / "
      "bound, lowest over the models (how far from a miss).\n\n")
    w("| fault | cause | runs | detected | right tap | diagnosed | smallest margin (model, tap) |\n"
      "|---|---|---:|---:|---:|---:|---|\n")
    for s in summary["faults"]:
        margin = f"{s['min_margin']:.3g} ({s['min_margin_case']})" if s["min_margin"] is not None else "n/a"
        w(f"| {s['fault']} | {s['cause']} | {s['runs']} | {_pct(s['detected'], s['runs'])} | "
          f"{_pct(s['right_tap'], s['runs'])} | {_pct(s['diagnosed'], s['runs'])} | {margin} |\n")
    w("\n")
    no_effect = [m for s in summary["faults"] for m in s["no_effect"]]
    if no_effect:
        w("Targets drawn first that change no tap or output (a weight behind a dead ReLU; the next target in the "
          "model's draw was used):\n\n")
        for m in no_effect:
            w(f"- {m}\n")
        w("\n")
    misses = [(s["fault"], m) for s in summary["faults"] for m in s["misses"]]
    if misses:
        w("Not caught, or first divergence elsewhere (model, target -> first divergence):\n\n")
        for fault, m in misses:
            w(f"- {fault}: {m}\n")
        w("\n")
    if summary["fault_errors"]:
        w("Fault runs that errored (not counted):\n\n")
        for e in summary["fault_errors"]:
            w(f"- {e}\n")
        w("\n")
    if not meta["compare_has_model"]:
        w("`clip-verify compare` had no `--model` option in this build: the what-if detectors could not run.\n\n")
    w(f"{END}\n")
    return out.getvalue()


def write_docs(section: str) -> None:
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    elif "\n## The judge bench\n" in text:  # first run: at the end of the section that explains the bench
        head, rest = text.split("\n## The judge bench\n", 1)
        body, sep, tail = rest.partition("\n## ")
        text = head + "\n## The judge bench\n" + body.rstrip("\n") + "\n\n" + section + (
            "\n## " + tail if sep else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(DOC, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_csvs(results: List[Dict[str, object]]) -> None:
    with open(MODELS_CSV, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["model", "arch", "config", "weight_seed", "input_seed", "mode", "verdict", "first_divergence",
                      "worst_tap", "worst_margin", "error"])
        for r in results:
            if "verify" not in r:
                out.writerow([r["id"], r["arch"], config_text(r["config"]), r["weight_seed"], r["input_seed"],
                              "", "", "", "", "", r.get("error", "")])
            for mode, m in r.get("verify", {}).items():
                judged = [t for t in m["taps"] if t["margin"] is not None]
                worst = max(judged, key=lambda t: t["margin"]) if judged else None
                out.writerow([r["id"], r["arch"], config_text(r["config"]), r["weight_seed"], r["input_seed"], mode,
                              m["verdict"], m["first_divergence"] or "", worst["name"] if worst else "",
                              f"{worst['margin']:.4g}" if worst else "", r.get("error", "")])
    with open(FAULTS_CSV, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["model", "fault", "cause", "target", "right_tap", "verdict", "first_divergence", "diagnosis",
                      "right_tap_margin", "error"])
        for r in results:
            for row in r.get("faults", []):
                margin = row.get("right_tap_margin")
                out.writerow([r["id"], row["fault"], row["cause"], row.get("target") or "", row.get("right_tap", ""),
                              row.get("verdict", ""), row.get("first_divergence") or "", row.get("diagnosis") or "",
                              f"{margin:.4g}" if margin is not None else "", row.get("error", "")])


def print_summary(summary: Dict[str, object]) -> None:
    v = summary["verified"]
    print(f"verified: {v['rn']} ModifiedResNet + {v['vit']} ViT; false FAILs: {len(summary['false_fails'])}")
    for f in summary["false_fails"]:
        print(f"  FALSE FAIL {f['model']} {f['mode']} {f['tap']}: margin {f['margin']:.3g}")
    for e in summary["errors"]:
        print(f"  ERROR {e}")
    top = sorted(summary["kinds"], key=lambda k: -k["max"])[:8]
    print("largest margins: " + "; ".join(f"{k['arch']} {k['mode']} {k['kind']} {k['max']:.3f}" for k in top))
    for s in summary["faults"]:
        print(f"  {s['fault']:18} detected {_pct(s['detected'], s['runs']):14} right tap "
              f"{_pct(s['right_tap'], s['runs']):14} diagnosed {_pct(s['diagnosed'], s['runs']):14} "
              f"min margin {s['min_margin'] if s['min_margin'] is None else round(s['min_margin'], 3)}")
    for e in summary["fault_errors"]:
        print(f"  FAULT ERROR {e}")


def _git() -> str:
    try:
        head = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True).stdout.strip()
        return head[:100]
    except OSError:
        return "unknown"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=20, help="models per architecture (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the configs and weights (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="models at a time (default 2)")
    parser.add_argument("--fault-models", type=int, default=10,
                        help="fault-inject the first K models per architecture (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 models per architecture, docs untouched")
    parser.add_argument("--reuse", action="store_true",
                        help="take archive, fixture and .dat from a previous run's out/judge-bench/models when the spec matches")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/ (results.json is written)")
    parser.add_argument("--reference-dtype", choices=("float64", "float32"), default="float64",
                        help="judge against float32-only fixtures (results.float32.json, docs untouched)")
    args = parser.parse_args(argv)
    if args.reference_dtype == "float32":
        args.no_docs = True
    if args.quick:
        args.models, args.no_docs = min(args.models, 3), True
    for tool in (CONVERT, VERIFY):
        if not os.path.isfile(tool[1]):
            print(f"judge_bench: {tool[1]} not built (make judge-bench builds it)", file=sys.stderr)
            return 2
    help_text = _dotnet(VERIFY + ["compare", "--help"])[1]
    compare_has_model = "--model" in help_text
    fault_models = args.fault_models
    specs = model_specs(args.models, args.seed)
    os.makedirs(OUT, exist_ok=True)
    load_start = " ".join(f"{x:.1f}" for x in os.getloadavg())
    t0 = time.time()
    work = [(s, compare_has_model, s["index"] < fault_models, args.reuse, args.reference_dtype) for s in specs]
    results: List[Dict[str, object]] = []
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=None) as pool:
        for r in pool.imap(_run_model_star, work):
            results.append(r)
            verdicts = " ".join(f"{m} {v['verdict']}" for m, v in r.get("verify", {}).items())
            caught = sum(1 for f in r.get("faults", []) if f.get("verdict") == "fail")
            print(f"[{time.time() - t0:6.0f} s] {r['id']} {config_text(r['config'])}: {verdicts or r.get('error')}; "
                  f"faults caught {caught}/{len(r.get('faults', []))}", flush=True)
    meta = {"command": "make judge-bench" if not sys.argv[1:] else "bench/judge/judge_bench.py " + " ".join(sys.argv[1:]),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "wall_s": time.time() - t0, "jobs": args.jobs, "cpu": _cpu(), "cores": os.cpu_count(),
            "load_start": load_start, "load_end": " ".join(f"{x:.1f}" for x in os.getloadavg()), "git": _git(),
            "torch": _torch_version(), "seed": args.seed, "compare_has_model": compare_has_model,
            "reused": sum(1 for r in results if r.get("reused")), "reference_dtype": args.reference_dtype}
    results_file = os.path.join(OUT, "results.json" if args.reference_dtype == "float64" else "results.float32.json")
    summary = summarise(results)
    with open(results_file, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "summary": summary, "models": results}, f, indent=1)
    print_summary(summary)
    if not args.no_docs:
        write_docs(render(summary, meta))
        write_csvs(results)
        print(f"wrote {os.path.relpath(DOC, ROOT)}, {os.path.relpath(MODELS_CSV, ROOT)}, "
              f"{os.path.relpath(FAULTS_CSV, ROOT)}")
    print(f"raw results: {os.path.relpath(results_file, ROOT)}")
    fails = len(summary["false_fails"]) + sum(s["runs"] - s["detected"] for s in summary["faults"])
    return 1 if fails else 0


def _torch_version() -> str:
    out = subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"], capture_output=True,
                         text=True).stdout.strip()
    return out or "unknown"


if __name__ == "__main__":
    sys.exit(main())
