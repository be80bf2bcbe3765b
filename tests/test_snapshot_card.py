"""The dataset card tells a reader how to install the genforge that built the snapshot."""

import genforge
from snapshot_helpers import build_small


def test_the_card_installs_from_source_until_a_release_exists(tmp_path):
    build_small(tmp_path / "snap")
    card = (tmp_path / "snap" / "README.md").read_text("utf-8")
    regenerate = card[card.index("## Regenerate and verify"):]
    assert "pip install 'genforge==" not in card  # no index serves it yet
    assert f"genforge {genforge.__version__} is not on a package index yet" in regenerate
    assert "python3 -m pip install path/to/genforge-source" in regenerate
    assert "genforge snapshot verify path/to/this/folder" in regenerate
