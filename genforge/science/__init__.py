"""Split science: divergences, MCD and easy-to-hard split plans, difficulty selection, sweeps and the audit.

Everything here works for any task through the task contract (``structure``,
``difficulty``) and writes task folders in exactly the engine's format, so
``genforge validate``, ``snapshot`` and ``evaluate`` read them unchanged.
"""
