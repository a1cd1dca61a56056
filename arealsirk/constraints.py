"""Old name of :mod:`arealsirk.suitability.constraints` (the same module object; kept so old imports work).

Moved in the stage packages (docs/architecture.md).  ``sys.modules`` holds the new module
under this name too, so ``from arealsirk import constraints`` and monkeypatching ``constraints.<name>`` reach
the code that runs.
"""

import sys
from typing import TYPE_CHECKING

from .suitability.constraints import __name__ as _new_name

if TYPE_CHECKING:
    from .suitability.constraints import *  # noqa: F403
else:
    sys.modules[__name__] = sys.modules[_new_name]
