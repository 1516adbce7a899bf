"""Evaluation: rules × entries → findings.  Pure: no files, no printing.

* :mod:`.plan` decides which rules run (columns present, project fields given)
  and indexes the entry rules by category;
* :mod:`.context` builds what a condition reads from an entry, caching what
  ledgers repeat (categories, descriptions, payees);
* :mod:`.state` keeps what rules about totals and repeats need, compactly, so
  memory grows with the findings and the groups, not with the ledger;
* :mod:`.findings` turns findings into :class:`~qianqi_rules.models.Violation`
  objects and counts the money to recover once per yuan, waivers applied;
* :mod:`.checker` is the :class:`Checker` that ties them together.
"""

from .checker import Checker

__all__ = ["Checker"]
