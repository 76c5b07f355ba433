"""Setting up an installation: reference data from the plan (seed) and a demo contest."""
