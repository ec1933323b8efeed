"""The only module that imports durable_rules, and the only one that knows its condition syntax.

durable_rules decides which rules match a *shape*: the projection of an observation onto
the fields the pack's conditions read. By construction none of the engine's data-losing
limits (docs/engine.md) can be reached:

* one session (``sid`` ``"0"``) per compiled pack, never one per outlet: the 1,024-session
  limit is never approached;
* the engine never sees an observation id. Each shape is asserted as a fact with the fixed
  id ``"q"`` into an empty session and retracted before the next one, so at most one fact is
  alive at a time and no two ids can collide in its 32-bit hash;
* facts, not events: every matching rule fires (events are consumed by the first);
* no ``post_batch``; every call is synchronous, on a :class:`QuietHost` of its own that starts
  no background threads (so ``delete_state`` can never race them);
* actions take one parameter (two would make them asynchronous), only append to a list,
  and any exception the engine swallowed into the session state is raised as
  :class:`EngineError`;
* each matcher registers its ruleset under a fresh name on its own host, deep-copied
  (registration mutates the definition), and frees it (session state, then the ruleset's C
  memory) when closed or collected, so compiling in a long-lived process keeps memory flat.
"""

from __future__ import annotations

import copy
import itertools
import reprlib
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import durable_rules_engine as _core  # type: ignore[import-not-found]
from durable import engine as _durable  # type: ignore[import-untyped]

from ._conditions import Condition
from ._errors import EngineError

_names = itertools.count(1)
#: Shapes in error messages are cut short: an input string may be megabytes long.
_shorter = reprlib.Repr()
_shorter.maxstring = _shorter.maxother = 80
_short = _shorter.repr
#: A field no observation has: the sentinel rule that brings the session into the one state in
#: which durable_rules can delete it (deleting a session whose last fact matched nothing aborts).
_RELEASE_FIELD = "service_rules_release"
# The release sentinel is one rule the engine receives besides the pack's: the compiler's
# MAX_RULES (511, not 512) leaves room for it.

#: durable_rules' operator for each ordered condition operator.
_ORDERED = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


class QuietHost(_durable.Host):  # type: ignore[misc]
    """A durable_rules host without its timer threads (all our calls are synchronous)."""

    def _run(self) -> None:  # pragma: no cover - deliberately empty
        return None


def lower(conditions: Sequence[Condition]) -> dict[str, Any]:
    """The durable_rules expression of a conjunction of conditions (nesting depth ≤ 2)."""
    tests: list[dict[str, Any]] = []
    for c in conditions:
        if c.op == "eq":
            tests.append({c.field: c.value})
        elif c.op == "in":
            tests.append({"$or": [{c.field: v} for v in c.value]})
        elif c.op == "ne":
            tests.append({"$neq": {c.field: c.value}})
        elif c.op == "exists":
            tests.append({("$ex" if c.value else "$nex"): {c.field: 1}})
        else:
            tests.append({_ORDERED[c.op]: {c.field: c.value}})
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _recorder(sink: list[str], key: str) -> Callable[[Any], None]:
    # One parameter only: durable_rules treats a two-parameter callable as asynchronous.
    def action(_closure: Any) -> None:
        sink.append(key)

    return action


def _ignore(_closure: Any) -> None:
    return None


def _release(host: Any, name: str, lock: threading.Lock) -> None:
    """Free a ruleset's session and its C memory; idempotent (a finalizer and close() may both call).

    The sentinel fact is asserted and retracted first, so the session exists and its last fact
    was handled: the only state in which ``delete_state`` is safe (docs/engine.md)."""
    with lock:
        ruleset = host._ruleset_directory.get(name)
        if ruleset is None:
            return
        sentinel = {"id": "q", "sid": "0", _RELEASE_FIELD: 1}
        host.assert_fact(name, sentinel)  # through the host: the action runs, nothing is left pending
        host.retract_fact(name, sentinel)
        del host._ruleset_directory[name]
        host._ruleset_list.remove(ruleset)
        handle = ruleset._handle
        ruleset._handle = None
        _core.delete_state(handle, "0")
        _core.delete_ruleset(handle)


class DurableMatcher:
    """Asks durable_rules which rules a shape matches; thread-safe, one fact alive at a time."""

    name = "durable_rules"

    def __init__(self, conditions: Mapping[str, Sequence[Condition]]) -> None:
        self._keys = {f"r{i}": rule_id for i, rule_id in enumerate(conditions)}
        self._fired: list[str] = []
        self._lock = threading.Lock()
        self.ruleset_name = f"service_rules_{next(_names)}"
        rules: dict[str, Any] = {
            key: {"all": [{"m": lower(conditions[rule_id])}], "run": _recorder(self._fired, key)}
            for key, rule_id in self._keys.items()
        }
        rules["release"] = {"all": [{"m": {"$ex": {_RELEASE_FIELD: 1}}}], "run": _ignore}
        definition = {self.ruleset_name: rules}
        self._host = QuietHost()
        try:
            self._host.register_rulesets(copy.deepcopy(definition))
        except Exception as exc:  # registration errors are clean in durable_rules
            raise EngineError(f"durable_rules refused the ruleset: {exc}") from exc
        self._finalizer = weakref.finalize(self, _release, self._host, self.ruleset_name, self._lock)

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """Free the ruleset now (it is freed anyway when the matcher is collected)."""
        self._finalizer()

    def matches(self, shape: Mapping[str, Any]) -> frozenset[str]:
        """The ids of every rule whose conditions hold for ``shape``."""
        fact = dict(shape)
        fact["id"] = "q"
        fact["sid"] = "0"
        with self._lock:
            if not self._finalizer.alive:
                raise EngineError("this compiled pack was closed; compile it again to score")
            self._fired.clear()
            try:
                self._host.assert_fact(self.ruleset_name, fact)
            except _durable.MessageNotHandledException:
                return frozenset()  # no rule matched; nothing was stored
            except Exception as exc:
                raise EngineError(f"durable_rules failed on {_short(shape)}: {exc}") from exc
            try:
                self._host.retract_fact(self.ruleset_name, fact)
            except Exception as exc:
                raise EngineError(f"durable_rules could not retract {_short(shape)}: {exc}") from exc
            state = self._host.get_state(self.ruleset_name, "0")
            if "exception" in state:
                raise EngineError(f"a rule action failed inside durable_rules: {state['exception']}")
            return frozenset(self._keys[k] for k in self._fired)
