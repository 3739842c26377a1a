"""Register the web tests' models before the session's schema is built."""

import tests.foundation.web.models  # noqa: F401
