"""Response: stop a miner and what brings it back, journaled and reversible.

plan.py turns findings into actions; engine.py runs them with the journal (journal.py);
processes.py suspends and kills trees; quarantine.py moves files with their metadata;
persistence.py edits start-up files a line at a time; undo.py reverses a response.
"""

from __future__ import annotations

from .engine import Engine, Response, Result
from .interface import Action, ActionError, ActionKind, JournalError, RespondError
from .journal import Journal, quarantine_dir
from .plan import Plan, PlanOptions, build
from .processes import Protection
from .undo import UndoResult, undo

__all__ = [
    "Action",
    "ActionError",
    "ActionKind",
    "Engine",
    "Journal",
    "JournalError",
    "Plan",
    "PlanOptions",
    "Protection",
    "RespondError",
    "Response",
    "Result",
    "UndoResult",
    "build",
    "quarantine_dir",
    "undo",
]
