from pathlib import Path

import pandas as pd
import pytest

ASEM = Path(__file__).resolve().parent / "data" / "coinr_asem"
REPO = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="session")
def asem_framework():
    from countyinno.engines.composite import Framework

    return Framework.from_csv(ASEM / "ASEM_iMeta.csv", ASEM / "ASEM_iData.csv")


@pytest.fixture(scope="session")
def asem_config():
    import yaml

    return yaml.safe_load((REPO / "examples" / "coinr_asem" / "pipeline.yaml").read_text())


@pytest.fixture(scope="session")
def asem_expected():
    return pd.read_csv(ASEM / "expected_results.csv").set_index("uCode")
