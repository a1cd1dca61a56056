"""Old name of :mod:`arealsirk.network.proximity` (the same module object; kept so old imports work).

Moved in the stage packages (docs/architecture.md).  ``sys.modules`` holds the new module
under this name too, so ``from arealsirk import proximity`` and monkeypatching ``proximity.<name>`` reach
the code that runs.
"""

import sys
from typing import TYPE_CHECKING

from .network.proximity import __name__ as _new_name

if TYPE_CHECKING:
    from .network.proximity import *  # noqa: F403
else:
    sys.modules[__name__] = sys.modules[_new_name]
