"""Old name of :mod:`arealsirk.network._ch` (the same module object; kept so old imports work).

The contraction hierarchy moved into the network stage (docs/architecture.md).  ``sys.modules``
holds the new module under this name too, so ``from arealsirk import _ch`` reaches the code that
runs.  Still imported by ``arealsirk/network/proximity.py`` (``from .._ch import ...``); once that
reads ``from ._ch import ...`` this shim can go.
"""

import sys
from typing import TYPE_CHECKING

from .network._ch import __name__ as _new_name

if TYPE_CHECKING:
    from .network._ch import *  # noqa: F403
else:
    sys.modules[__name__] = sys.modules[_new_name]
