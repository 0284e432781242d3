"""`sharekit export --format json` is the text report's content: the same run on two copies of an
account, once as text and once as JSON, names the same target, views, files, rows, sizes and
watermarks (run ids differ: they are each run's start)."""

from __future__ import annotations

import json
import re
import shutil

import tests.test_export as base

project = base.project  # the fixture, used by name

RUN = re.compile(r"\d{8}T\d{12}Z")


def test_json_holds_what_the_text_report_says(cli, project, tmp_path):
    config, local_dir = project(customers="true")
    twin = tmp_path / "twin"
    shutil.copytree(local_dir, twin)
    text = cli("export", "-f", config, "--local", "--local-dir", local_dir, "--download", tmp_path / "a")
    as_json = cli("export", "-f", config, "--local", "--local-dir", twin, "--download", tmp_path / "b",
                  "--format", "json")
    assert text.exit_code == 0 and as_json.exit_code == 0, text.output + as_json.output
    report = json.loads(as_json.stdout)
    shown = RUN.sub("RUN", " ".join(text.stdout.split()))
    assert report["target"] == f"the local account ({twin})"
    assert f"sharekit export to {report['stage']} on the local account" in shown
    facts = [report["format"]]
    for view in report["views"]:
        facts += [view["view"], f"{view['rows']} rows in {len(view['files'])} file"]
        facts += [f"watermark {view['watermark']}" if view["incremental"] else "whole view"]
        facts += [f"{RUN.sub('RUN', f['name'])} {f['rows']} rows, {f['size']} bytes" for f in view["files"]]
        facts += [f"downloaded {name}" for name in view["downloaded"]]
    missing = [fact for fact in facts if fact not in shown]
    assert not missing, f"in the JSON, not in the text: {missing}\n{shown}"
    summary = report["summary"]
    assert f"Exported {summary['rows']} rows in {summary['files']} files from {summary['views']} views." in shown
    assert f"in {report['stats']['queries']} queries" in shown
