"""The embedded demo region and the shared data folders.

* :mod:`arealsirk.demo.datasets` -- :func:`~arealsirk.demo.datasets.demo_region` (written
  once, cached) and the shared data/bench folder look-ups (old name ``arealsirk.datasets``);
* :mod:`arealsirk.demo._generate` -- the deterministic generator (old name
  ``arealsirk._demo``).
"""
