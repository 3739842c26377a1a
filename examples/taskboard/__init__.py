"""Taskboard: the reference service, built only on foundation's public API."""
