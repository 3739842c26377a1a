"""Reusable contract suites for repositories, services, APIs and migrations."""
