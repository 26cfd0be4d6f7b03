"""Benchmarks run from a source checkout: ``python -m benchmarks.tables`` and
``python -m benchmarks.speed``.  Never installed (setup.cfg packages only
gammaal and pose); the table logic itself lives in :mod:`gammaal.paper`.
"""
