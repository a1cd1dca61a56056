"""Progress and cancellation callbacks shared by every long-running function.

Long work accepts ``progress`` (a callable taking a fraction in [0, 1] and a
short message) and ``is_cancelled`` (a callable returning ``True`` when the user
asked to stop).  The CLI passes a tqdm bar, QGIS its feedback object, notebooks
``tqdm.auto``.  :class:`Progress` turns nested stages into one overall fraction.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import CancelledError

__all__ = ["CancelFn", "Progress", "ProgressFn", "no_progress"]

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that does nothing.

    Parameters
    ----------
    fraction
        Overall fraction of the work done, in [0, 1]; ignored.
    message
        Short description of the current stage; ignored.
    """


class Progress:
    """Report progress of a sub-range ``[start, stop]`` of the overall work.

    Parameters
    ----------
    progress
        Callback receiving the overall fraction and a message, or ``None``.
    is_cancelled
        Callback that returns ``True`` when the user has asked to stop, or ``None``.
    start, stop
        The part of the overall range this object reports into.

    Examples
    --------
    >>> p = Progress(None)
    >>> sub = p.sub(0.0, 0.5)
    >>> sub(1.0, "half way overall")
    """

    def __init__(self, progress: ProgressFn | None, is_cancelled: CancelFn | None = None,
                 *, start: float = 0.0, stop: float = 1.0) -> None:
        self._progress = progress or no_progress
        self._is_cancelled = is_cancelled or (lambda: False)
        self.start = start
        self.stop = stop

    def __call__(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` of this sub-range done; raise if cancelled."""
        self.check()
        fraction = min(max(fraction, 0.0), 1.0)
        self._progress(self.start + (self.stop - self.start) * fraction, message)

    def check(self) -> None:
        """Raise :class:`CancelledError` when the user has cancelled."""
        if self._is_cancelled():
            raise CancelledError("cancelled by the user")

    def sub(self, start: float, stop: float) -> Progress:
        """A child reporting into ``[start, stop]`` of this object's range."""
        span = self.stop - self.start
        return Progress(self._progress, self._is_cancelled,
                        start=self.start + span * start, stop=self.start + span * stop)
