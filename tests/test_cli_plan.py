"""`sharekit plan` / `sharekit apply` as a user meets them: confirmation, signals, saved-plan
hints, and names that must not act on a terminal or in Markdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_plan_apply import sk, write  # noqa: F401 - the fixture is used by name

ESC = "\x1b"


def test_a_breaking_apply_asks_for_the_share_name(sk, tmp_path, monkeypatch):
    import sharekit.cli.plan as plan_cli

    config = write(tmp_path, views=1)
    assert sk("apply", "-f", str(config), "--local", "--yes").exit_code == 0
    write(tmp_path, views=1, columns="ORDER_ID, CUSTOMER_ID, LASTUPDATED")
    monkeypatch.setattr(plan_cli, "_interactive", lambda: True)
    from typer.testing import CliRunner

    from sharekit.cli import app

    answer_y = CliRunner().invoke(app, ["apply", "-f", str(config), "--local"], input="y\n")
    assert answer_y.exit_code == 1
    assert "BREAK what consumers read. Type the share name (SK_SHARE)" in answer_y.output
    assert "Apply cancelled; nothing was changed." in answer_y.stderr
    typed = CliRunner().invoke(app, ["apply", "-f", str(config), "--local"], input="SK_SHARE\n")
    assert typed.exit_code == 0, typed.output + typed.stderr
    assert "Applied 1 change in" in typed.output


def test_a_plain_apply_asks_yes_or_no(sk, tmp_path, monkeypatch):
    import sharekit.cli.plan as plan_cli

    config = write(tmp_path, views=1)
    monkeypatch.setattr(plan_cli, "_interactive", lambda: True)
    from typer.testing import CliRunner

    from sharekit.cli import app

    result = CliRunner().invoke(app, ["apply", "-f", str(config), "--local"], input="n\n")
    assert result.exit_code == 1 and "Apply cancelled" in result.stderr
    assert "No changes." not in sk("plan", "-f", str(config), "--local").output


def test_the_saved_plan_hint_repeats_the_options_that_name_the_account(sk, tmp_path):
    config = write(tmp_path, views=1)
    result = sk("plan", "-f", str(config), "--local", "--out", str(tmp_path / "my plan.json"))
    assert f"apply it with `sharekit apply '{tmp_path / 'my plan.json'}' -f {config} --local`" in result.stderr


def test_escape_sequences_in_names_are_shown_not_sent_to_the_terminal(sk, tmp_path):
    config = write(tmp_path, views=1)
    text = config.read_text().replace("comment: For Optimove", 'comment: "red \\e[31m alert \\e]0;title\\a"')
    config.write_text(text)
    result = sk("plan", "-f", str(config), "--local")
    assert result.exit_code == 0, result.output + result.stderr
    assert ESC not in result.output and "\a" not in result.output  # rich drops BEL itself
    assert "COMMENT = 'red \\x1b[31m alert \\x1b]0;title'" in result.output


def test_markdown_keeps_pipes_and_backticks_inside_their_cell(sk, tmp_path):
    config = write(tmp_path, views=1)
    config.write_text(config.read_text().replace("comment: For Optimove", "comment: 'a | b ``` c'"))
    md = sk("plan", "-f", str(config), "--local", "--format", "markdown").output
    lines = md.splitlines()
    share = next(i for i, line in enumerate(lines) if "CREATE SHARE" in line)
    assert lines[share - 1] == "````sql" and lines[share + 1] == "````"  # longer than the ``` inside


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_apply_stops_cleanly_and_reports(tmp_path, signum, code):
    config = write(tmp_path, views=6)
    env = {**os.environ, "SHAREKIT_LOCAL_DIR": str(tmp_path / "account"), "SHAREKIT_LOCAL_LATENCY_MS": "300",
           "COLUMNS": "200"}
    env.pop("SHAREKIT_LOCAL_FAIL_AT", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "sharekit", "apply", "-f", str(config), "--local", "--yes", "--workers", "1"],
        env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    printed = []
    for line in process.stdout:  # the plan is printed just before the first statement is sent
        printed.append(line)
        if line.startswith("Plan: "):
            break
    time.sleep(1.0)  # a few statements in
    process.send_signal(signum)
    rest, stderr = process.communicate(timeout=120)
    stdout = "".join(printed) + rest
    assert process.returncode == code, stdout + stderr
    name = signal.Signals(signum).name
    assert f"Error: apply stopped by {name}: " in stderr
    assert "not started" in stderr and "Run `sharekit plan` to see what is left" in stderr
    assert "Traceback" not in stderr
    done = stderr.count("  done ")
    plan = subprocess.run([sys.executable, "-m", "sharekit", "plan", "-f", str(config), "--local", "--format", "json"],
                          env={**env, "SHAREKIT_LOCAL_LATENCY_MS": "0"}, capture_output=True, text=True)
    left = json.loads(plan.stdout)["summary"]["total"]
    assert left > 0 and done > 0  # interrupted midway: some done, the rest still planned


def test_saved_plan_out_refuses_a_fifo(sk, tmp_path):
    config = write(tmp_path, views=1)
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    result = sk("plan", "-f", str(config), "--local", "--out", str(fifo))
    assert result.exit_code == 1
    assert f"Error: cannot write --out {fifo} is a FIFO: sharekit replaces only regular files" in result.stderr
    assert Path(fifo).is_fifo()
