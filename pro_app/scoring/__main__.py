"""``python -m pro_app.scoring KIND [FILE]``: score JSON from FILE or standard input.

KIND is haq-di, mrss, criss or rcriss (spec section 7).  A JSON object in gives one
object out; an array gives an array, in order.  Inputs and outputs use the field
names of tests/data/scoring_vectors.json.  Bad input: exit status 2 and one line on
standard error naming the field, e.g. ``[3].followup.pt_global: must be between 0
and 10``.  The app's default conventions apply.
"""
import argparse
import json
import sys

from .batch import KINDS, score_json
from .errors import ScoringInputError


def _reject_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, which are not JSON and not scores.
    raise ScoringInputError("input", f"{name} is not a valid JSON number")


def _unique_keys(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            # json keeps the last of two equal keys silently; with scores that hides a typo.
            raise ScoringInputError("input", f"key '{key}' appears twice in one object")
    return dict(pairs)


def parse_json(text: str) -> object:
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise ScoringInputError(
            "input", f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pro_app.scoring",
        description="Score HAQ-DI, mRSS, ACR-CRISS or revised CRISS from JSON (object or array).",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    parser.add_argument("file", nargs="?", help="JSON file to read (default: standard input)")
    args = parser.parse_args(argv)

    try:
        if args.file in (None, "-"):
            text = sys.stdin.read()
        else:
            try:
                with open(args.file, encoding="utf-8") as infile:
                    text = infile.read()
            except OSError as error:
                raise ScoringInputError(args.file, f"cannot read the file: {error.strerror}") from None
            except UnicodeDecodeError:
                raise ScoringInputError(args.file, "cannot read the file: not UTF-8 text") from None
        results = score_json(args.kind, parse_json(text))
    except ScoringInputError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early; not an error in the scores.
        sys.stdout = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
