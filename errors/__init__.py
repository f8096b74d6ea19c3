"""The hub's error family: what went wrong in terms a user can act on.

Every error a stage raises for a problem a person can fix is a ``HubError``, and says
whether trying again can help:

- ``TransientError``: the source or the warehouse could not be reached right now; the
  same step may succeed later, so Dagster retries it (as each source's and the
  warehouse's ``max_retries`` allow).
- ``TerminalError``: a config, a source's shape, a refused request or a decision that
  cannot stand; retrying changes nothing until someone acts, so nothing retries it.

Bad data is not an error: rows and values are set aside in quarantine with their reason,
and the run goes on. An exception outside this family is a defect of the hub itself.
"""

from __future__ import annotations


class HubError(Exception):
    """A problem the user can fix; the message names the culprit and the fix."""


class TransientError(HubError):
    """A problem that may pass by itself: the step is worth another try later."""


class TerminalError(HubError):
    """A problem that stays until someone acts: retrying the step does not help."""


__all__ = ["HubError", "TerminalError", "TransientError"]
