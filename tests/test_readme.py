"""README.md and .ci/run agree: CI installs and tests exactly as the README tells a user to."""

from __future__ import annotations

import re

from conftest import REPO_ROOT


def readme_commands() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)\n```", text, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_block = next(block for block in readme_commands() if "pytest" in block)
    ci_script = (REPO_ROOT / ".ci" / "run").read_text()
    for command in test_block.split(" && "):
        assert command.strip() in ci_script, command
    runs = [line for line in ci_script.splitlines() if test_block.strip() in line]
    assert len(runs) == 2, runs  # with the real corpora, and as on a fresh machine (no data):
    fresh = ci_script.split(runs[0], 1)[1]
    assert "env -u RNNJAX_DATA_DIR -u NLTK_DATA HOME=" in fresh


def test_readme_main_job_trains_bbc_news() -> None:
    assert any(
        "python -m rnnjax.train --config configs/bbc_news.py --workdir runs/bbc_news" in block
        for block in readme_commands()
    )
