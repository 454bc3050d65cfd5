"""Benchmark: full assessment of generated cases on one core (issue: clinical core, point 7).

    .venv/bin/python bench/assess_bench.py --cases 10000

Three paths run in the same process on the same cases, so their ratios are meaningful:
  full       - validate the case dict into a Case, then assess_case (4 instruments, subtype, work-up)
  jansson    - the Jansson instrument alone through the data-driven engine, on pre-validated Cases
  reference  - a straightforward hand-written Jansson calculation over the raw dict (no engine,
               no validation, no explanations): the floor any engine is measured against
Writes JSON to stdout and to bench/results/assess.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from case_generator import generate

from cnocare.clinical.assess import assess_case
from cnocare.clinical.case import Case
from cnocare.clinical.criteria import jansson
from cnocare.clinical.facts import CaseFacts

JANSSON_AXIAL = {"clavicle", "sternum", "sacrum"} | {
    f"{p}{i}" for p, n in (("C", 7), ("T", 12), ("L", 5)) for i in range(1, n + 1)}


def reference_jansson(d: dict[str, Any]) -> int | None:
    """Plain Jansson 2009 arithmetic on a raw dict; None when an input is missing."""
    labs = {r["test"]: r for r in d["labs"]}
    if not {"wbc", "haemoglobin", "platelets", "crp"} <= labs.keys():
        return None
    normal = all(labs[t]["reference_low"] <= labs[t]["value"] <= labs[t]["reference_high"]
                 for t in ("wbc", "haemoglobin", "platelets"))
    fever = [s for s in d["symptoms"] if s["kind"] == "fever"]
    if not fever:
        return None
    lesions = [les for s in d["imaging"] for les in s["lesions"]]
    bones = {(les["site"], les.get("side")) for les in lesions}
    sides: dict[str, set[Any]] = {}
    for site, side in bones:
        sides.setdefault(site, set()).add(side)
    if not any("marginal_sclerosis" in les["findings"] for les in lesions) and not any(
            s["modality"] in ("xray", "ct") for s in d["imaging"]):
        return None
    crp = labs["crp"]["value"] * (10 if labs["crp"]["unit"] == "mg/dL" else 1)
    return (13 * normal + 10 * any({"left", "right"} <= v for v in sides.values())
            + 10 * any("marginal_sclerosis" in les["findings"] for les in lesions)
            + 9 * (not any(s["present"] for s in fever)) + 8 * any(site in JANSSON_AXIAL for site, _ in bones)
            + 7 * (len(bones) > 1) + 6 * (crp >= 10))


def timed(fn: Any, items: list[Any], *, keep: bool = False) -> tuple[list[float], list[Any]]:
    """Per-item latency. The benchmark's own inputs are frozen out of the garbage collector first, so a
    collection pass over 10,000 retained cases is not billed to whichever case happens to trigger it."""
    gc.collect()
    gc.freeze()
    lat, out = [], []
    for x in items:
        t0 = time.perf_counter_ns()
        result = fn(x)
        lat.append((time.perf_counter_ns() - t0) / 1e6)
        if keep:
            out.append(result)
    gc.unfreeze()
    return lat, out


def summary(lat: list[float]) -> dict[str, float]:
    q = statistics.quantiles(lat, n=100)
    total_s = sum(lat) / 1000
    return {"cases": len(lat), "cases_per_s": round(len(lat) / total_s, 1), "p50_ms": round(q[49], 4),
            "p99_ms": round(q[98], 4), "max_ms": round(max(lat), 4)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the issue asks
    dicts = generate(args.cases, args.seed)
    for d in dicts[:200]:  # warm caches (knowledge files, pydantic schemas)
        assess_case(Case.model_validate(d))
    full_lat, _ = timed(lambda d: assess_case(Case.model_validate(d)), dicts)
    cases = [Case.model_validate(d) for d in dicts]
    engine_lat, engine_out = timed(lambda c: jansson.assess(CaseFacts(c)), cases, keep=True)
    ref_lat, ref_out = timed(reference_jansson, dicts, keep=True)
    agree = sum(1 for e, r in zip(engine_out, ref_out, strict=True) if r is not None and e.score == r)
    comparable = sum(1 for r in ref_out if r is not None)
    result = {
        "command": f"python bench/assess_bench.py --cases {args.cases} --seed {args.seed}",
        "python": platform.python_version(), "machine": platform.machine(), "cores_used": 1,
        "full_assessment": summary(full_lat),
        "jansson_engine": summary(engine_lat),
        "jansson_reference": summary(ref_lat),
        "ratio_full_vs_reference_p50": round(statistics.median(full_lat) / statistics.median(ref_lat), 1),
        "ratio_engine_vs_reference_p50": round(statistics.median(engine_lat) / statistics.median(ref_lat), 1),
        "engine_agrees_with_reference": f"{agree}/{comparable} complete cases",
        "targets": {"cases_per_s": 2000, "p99_ms": 5},
    }
    assert agree == comparable, "engine and reference disagree"
    assert not math.isnan(result["full_assessment"]["cases_per_s"])
    text = json.dumps(result, indent=2)
    Path(__file__).parent.joinpath("results", "assess.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
