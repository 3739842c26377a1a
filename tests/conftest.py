"""Our own tests run on the databases chosen with --db / FOUNDATION_TEST_DB."""

import tests.models  # noqa: F401  (register the test tables on Base.metadata)
