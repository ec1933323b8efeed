"""The only module that imports durable_rules.

durable_rules decides which rules match a *shape*: the projection of an observation onto
the fields the pack's conditions read. By construction none of the engine's data-losing
limits (ENGINE-NOTES.md) can be reached:

* one session (``sid`` ``"0"``) per compiled pack, never one per outlet: the 1,024-session
  limit is never approached;
* the engine never sees an observation id. Each shape is asserted as a fact with the fixed
  id ``"q"`` into an empty session and retracted before the next one, so at most one fact is
  alive at a time and no two ids can collide in its 32-bit hash;
* facts, not events: every matching rule fires (events are consumed by the first);
* no ``post_batch``; every call is synchronous, on a :class:`QuietHost` that starts no
  background threads (so ``delete_state`` can never race them);
* actions take one parameter (two would make them asynchronous), only append to a list,
  and any exception the engine swallowed into the session state is raised as
  :class:`EngineError`;
* each compiled pack registers a ruleset under a fresh name, so several packs, and the same
  pack twice, live in one process; the definition is deep-copied (registration mutates it).
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as _durable  # type: ignore[import-untyped]

from ._errors import EngineError

_names = itertools.count(1)
_host_lock = threading.Lock()
_host: Any = None


class QuietHost(_durable.Host):  # type: ignore[misc]
    """A durable_rules host without its timer threads (all our calls are synchronous)."""

    def _run(self) -> None:  # pragma: no cover - deliberately empty
        return None


def _shared_host() -> Any:
    global _host
    with _host_lock:
        if _host is None:
            _host = QuietHost()
        return _host


def _recorder(sink: list[str], key: str) -> Callable[[Any], None]:
    # One parameter only: durable_rules treats a two-parameter callable as asynchronous.
    def action(_closure: Any) -> None:
        sink.append(key)

    return action


class DurableMatcher:
    """Asks durable_rules which rules a shape matches; thread-safe, one fact alive at a time."""

    name = "durable_rules"

    def __init__(self, expressions: Mapping[str, dict[str, Any]]) -> None:
        self._keys = {f"r{i}": rule_id for i, rule_id in enumerate(expressions)}
        self._fired: list[str] = []
        self._lock = threading.Lock()
        self.ruleset_name = f"service_rules_{next(_names)}"
        definition = {
            self.ruleset_name: {
                key: {"all": [{"m": expressions[rule_id]}], "run": _recorder(self._fired, key)}
                for key, rule_id in self._keys.items()
            }
        }
        self._host = _shared_host()
        try:
            self._host.register_rulesets(copy.deepcopy(definition))
        except Exception as exc:  # registration errors are clean in durable_rules
            raise EngineError(f"durable_rules refused the ruleset: {exc}") from exc

    def matches(self, shape: Mapping[str, Any]) -> frozenset[str]:
        """The ids of every rule whose conditions hold for ``shape``."""
        fact = dict(shape)
        fact["id"] = "q"
        fact["sid"] = "0"
        with self._lock:
            self._fired.clear()
            try:
                self._host.assert_fact(self.ruleset_name, fact)
            except _durable.MessageNotHandledException:
                return frozenset()  # no rule matched; nothing was stored
            except Exception as exc:
                raise EngineError(f"durable_rules failed on {shape!r}: {exc}") from exc
            try:
                self._host.retract_fact(self.ruleset_name, fact)
            except Exception as exc:
                raise EngineError(f"durable_rules could not retract {shape!r}: {exc}") from exc
            state = self._host.get_state(self.ruleset_name, "0")
            if "exception" in state:
                raise EngineError(f"a rule action failed inside durable_rules: {state['exception']}")
            return frozenset(self._keys[k] for k in self._fired)
