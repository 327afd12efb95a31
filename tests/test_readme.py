"""The README's set-up commands are the ones CI runs, and the market overview the checks refer to ships."""

import re

from tests.conftest import REPO


def _bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    setup = readme[readme.index("## Two commands") : readme.index("## What you can do today")]
    start, test = _bash_blocks(setup)[:2]
    assert start.startswith("python3 -m venv .venv && . .venv/bin/activate && ") and start.endswith("depin dashboard")
    assert test.startswith("python3 -m venv .venv && . .venv/bin/activate && ") and test.endswith("pytest")
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == test


def test_the_market_overview_ships_with_its_claims():
    overview = (REPO / "docs" / "market-overview-2026.txt").read_text()
    claims = (REPO / "docs" / "MARKET_OVERVIEW.md").read_text()
    for phrase in ("upwards of $300", "$3.00 and $7.00 daily", "RunPodDecentralized$0.79 - $1.29"):
        assert phrase in overview
    for checked in ("price table", "100-hour example", "due-diligence steps", "$3.00 to $7.00 daily"):
        assert checked in claims
