"""Snapshots: a suite of tasks built into one folder with checksums, cards and exports.

``suite`` reads and resolves suite files, ``build`` writes a snapshot,
``verify`` checks one; ``card``, ``croissant``, ``genbench`` and
``lm_eval_export`` write the metadata files from the built data.
"""
