"""Stage 2, suitability: where a facility may go and how good each place is.

* :mod:`arealsirk.suitability.maths` -- pure maths: AHP weights, weight normalisation,
  value transforms (Linear, FuzzyLinear, Sigmoid, Threshold, Categories);
* :mod:`arealsirk.suitability.constraints` -- exclusions (protected areas, lakes,
  settlements, slope) and the removed-candidate report;
* :mod:`arealsirk.suitability.scoring` -- criteria, weighted scoring, sensitivity;
* :mod:`arealsirk.suitability.raster` -- raster criteria, weighted overlay, zonal statistics;
* :mod:`arealsirk.suitability.candidates` -- candidate sites from zones, points or a
  suitability raster.

The old flat names (``arealsirk.constraints``, ``arealsirk.scoring``, ``arealsirk.raster``,
``arealsirk.candidates``) are the same module objects.  Import rules: this package may
import the network stage, never a workflow, theme, web map, pipeline or CLI.
"""
