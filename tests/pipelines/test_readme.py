"""The README's example config is a config the hub accepts."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.config import load_config

README = Path(__file__).parents[2] / "README.md"


def test_readme_example_config_loads(tmp_path: Path) -> None:
    section = README.read_text(encoding="utf-8").split("## Your own sources", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert example is not None
    (tmp_path / "hub.yaml").write_text(example.group(1), encoding="utf-8")
    config = load_config(tmp_path / "hub.yaml")
    assert list(config.customer_sources) == ["crm_legacy", "webshop", "app_users"]
    assert list(config.interaction_sources) == ["webshop_orders", "webshop_consent"]
    assert config.sources["crm_legacy"].sync.mode == "incremental"
