"""A small downstream project for the migration and CLI tests (tables prefixed ``m_``)."""
