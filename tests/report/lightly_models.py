"""LightlyOne's own generated API models (lightly 1.5.26, installed with --no-deps by ``make install-dev``),
the tests' independent reader of report_v2.json and selection configs.

``LIGHTLY_DID_VERSION_CHECK`` is lightly's own switch that skips its background PyPI version check on import
(the tests run offline); it changes nothing in the models.
"""

from __future__ import annotations

import os
from types import ModuleType


def lightly_models() -> ModuleType:
    """``lightly.openapi_generated.swagger_client.models`` (imports neither torch nor torchvision)."""
    os.environ.setdefault("LIGHTLY_DID_VERSION_CHECK", "True")
    from lightly.openapi_generated.swagger_client import models

    return models
