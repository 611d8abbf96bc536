"""Shared by the scoring tests: the public vectors and a tolerant comparison."""
import json
import math
from pathlib import Path

VECTORS_PATH = Path(__file__).resolve().parent.parent / "data" / "scoring_vectors.json"
TOLERANCE = 0.001


def load_vectors() -> dict[str, list[dict]]:
    with VECTORS_PATH.open(encoding="utf-8") as file:
        return json.load(file)


def vector_params(kind: str) -> list:
    """(input, expected) pairs for pytest.mark.parametrize, with the vector id as test id."""
    import pytest

    return [pytest.param(v["input"], v["expected"], id=v["id"]) for v in load_vectors()[kind]]


def mismatches(expected: object, actual: object, path: str = "") -> list[str]:
    """Every place where ``actual`` differs from ``expected``; numbers within 0.001.

    Booleans and None must match exactly (True is not 1.0 here).
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or 'result'}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing from the result")
            else:
                problems += mismatches(value, actual[key], f"{path}.{key}")
        return problems
    numeric = (int, float)
    if (isinstance(expected, numeric) and not isinstance(expected, bool)
            and isinstance(actual, numeric) and not isinstance(actual, bool)):
        return [] if math.isclose(expected, actual, rel_tol=0, abs_tol=TOLERANCE) else [
            f"{path}: expected {expected!r}, got {actual!r}"]
    if expected == actual and type(expected) is type(actual):
        return []
    return [f"{path}: expected {expected!r}, got {actual!r}"]
