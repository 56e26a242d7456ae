"""Importers: one module per source format, behind one interface (see base.py, registry.py).

``ingest`` imports ``graph`` and ``ontology`` only. Use::

    from ingest import run_import
    report = run_import(store, "training", "demo/data/wikiedu_training")
"""

from .base import ImportFailed, Importer, ImportPlan, Issue, Progress, Report
from .registry import get, kinds, register, run_import

__all__ = ["ImportFailed", "Importer", "ImportPlan", "Issue", "Progress", "Report",
           "get", "kinds", "register", "run_import"]
