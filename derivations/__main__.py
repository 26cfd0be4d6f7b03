"""``python -m derivations [--quick] [family ...]``: run the derivations, one line per identity.

Exit status 0 iff every identity is verified.
"""
from __future__ import annotations

import argparse
import sys
import time

from . import FAMILIES, run_all


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m derivations", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes only (k <= 4 for the symbolic integrals)")
    parser.add_argument("families", nargs="*", metavar="family", help=f"subset of {', '.join(FAMILIES)} (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {list(FAMILIES)}")
    families = tuple(args.families) or FAMILIES
    start = time.perf_counter()
    results = run_all(quick=args.quick, families=families)
    for identity in results:
        print(identity.line())
    failed = [r for r in results if not r.verified]
    elapsed = time.perf_counter() - start
    print(f"{len(results) - len(failed)}/{len(results)} identities verified in {elapsed:.1f} s")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
