"""The benchmarked applications: one small ``items`` resource served three ways."""
