"""Source text for the crash tests' child processes: a store wrapper that stops at one method.

The child runs it (``exec`` of the text, or as the head of its script) and wraps the real
store, so the parent can kill it at a known point of a write.
"""

PAUSING_STORE = '''
import time


class PausingStore:
    """Forwards to the real store; at ``method`` it runs ``before`` (part of the work), prints
    ``marker`` and waits to be killed."""

    def __init__(self, inner, method, marker, before=None):
        self._inner, self._method, self._marker, self._before = inner, method, marker, before

    def __getattr__(self, name):
        if name != self._method:
            return getattr(self._inner, name)

        def pause(*args, **kwargs):
            if self._before is not None:
                self._before(self._inner, *args, **kwargs)
            print(self._marker, flush=True)
            time.sleep(60)
        return pause
'''
