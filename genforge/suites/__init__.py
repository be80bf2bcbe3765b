"""Built-in suite files (package data): ``default.yaml`` is the suite named ``default``."""
