"""Register the web tests' models (the security tests use them) before the schema is built."""

import tests.foundation.web.models  # noqa: F401
