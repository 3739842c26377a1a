"""A downstream service built on the foundation: the documented contract-suite example."""
