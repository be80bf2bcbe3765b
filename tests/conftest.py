import json
from pathlib import Path

import pytest


def read_jsonl(path: Path) -> list[dict]:
    with open(path, "rb") as file:
        return [json.loads(line) for line in file]


@pytest.fixture
def read_records():
    return read_jsonl
