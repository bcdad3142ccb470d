"""The matcher: a pure library (DataFrames and arrays in and out) that never imports app/.

Filled in by the matcher issue; kept as a package now so the layout and the lint/type checks are in place.
"""
