"""Time the scoring engine: 100,000 random comparisons or questionnaires per score (fixed seed).

Run from the repository root: ``python bench/bench_scoring.py``.  Inputs are plain
mappings, as the app and the command line pass them, so the times include input
validation.  About 5 % of pairs have a Step-1 event and 5 % a missing value.
Prints figures only; nothing is asserted about time.
"""
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pro_app.scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS, acr_criss, revised_criss, score_haq_di  # noqa: E402

N = 100_000
SEED = 20240611


def random_core_set(rng: random.Random) -> dict:
    return {
        "mrss": rng.randint(0, 51),
        "fvc_pct": round(rng.uniform(40, 130), 1),
        "pt_global": rng.randint(0, 10),
        "md_global": round(rng.uniform(0, 10), 1),
        "haq_di": round(rng.randint(0, 24) * 0.125, 3),
    }


def random_pair(rng: random.Random) -> tuple[dict, dict, dict]:
    baseline, followup = random_core_set(rng), random_core_set(rng)
    if rng.random() < 0.05:
        rng.choice((baseline, followup))[rng.choice(list(baseline))] = None
    step1 = {event: rng.random() < 0.0125 for event in ("renal_crisis", "fvc_decline", "lv_failure", "pah")}
    return baseline, followup, step1


def random_questionnaire(rng: random.Random) -> tuple[dict, list, list]:
    items = {code: (None if rng.random() < 0.05 else rng.randint(0, 3))
             for category in HAQ_CATEGORIES for code in HAQ_ITEMS[category]}
    aids = rng.sample(sorted(HAQ_AIDS), rng.randint(0, 3))
    help_ = rng.sample(HAQ_CATEGORIES, rng.randint(0, 2))
    return items, aids, help_


def time_all(name: str, unit: str, score, inputs: list) -> None:
    started = time.perf_counter()
    for args in inputs:
        score(*args)
    seconds = time.perf_counter() - started
    print(f"{name:<9} {N:,} {unit}s in {seconds:5.2f} s: {seconds / N * 1e6:6.1f} us per {unit}, "
          f"{N / seconds:>7,.0f} {unit}s per second")


def main() -> None:
    rng = random.Random(SEED)
    pairs = [random_pair(rng) for _ in range(N)]
    questionnaires = [random_questionnaire(rng) for _ in range(N)]
    print(f"Python {sys.version.split()[0]}, seed {SEED}")
    time_all("ACR-CRISS", "comparison", acr_criss, pairs)
    time_all("rCRISS", "comparison", revised_criss, pairs)
    time_all("HAQ-DI", "questionnaire", score_haq_di, questionnaires)


if __name__ == "__main__":
    main()
