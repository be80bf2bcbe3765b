import json
import os
import tempfile
from pathlib import Path

import pytest

# `genforge list` caches the task summaries (genforge/task_list.py): the tests keep theirs out of the
# user's cache folder, in one folder for the session (subprocesses inherit it).
os.environ.setdefault("GENFORGE_CACHE_DIR", tempfile.mkdtemp(prefix="genforge-test-cache-"))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, "rb") as file:
        return [json.loads(line) for line in file]


@pytest.fixture
def read_records():
    return read_jsonl
