"""COGS (Kim & Linzen 2020): English sentences to neo-Davidsonian logical forms, and SLOG's structural cases.

Pure functions of a RandomStream and plain values; no files, splits or engine.

* :mod:`.lexicon`: the word classes and verb forms (package data);
* :mod:`.syntax`: trees, the 12 verb frames, rendering to words;
* :mod:`.logical_form`: the COGS LF of a tree, and primitive lambda terms;
* :mod:`.parser`: the oracle, sentence -> tree -> LF;
* :mod:`.sampler`: drawing trees as the COGS data distributes them;
* :mod:`.categories`: the 21 generalization categories, SLOG's, the exposures;
* :mod:`.corpus`: the parts of a corpus (in-distribution, primitives, exposures, one per category).
"""
