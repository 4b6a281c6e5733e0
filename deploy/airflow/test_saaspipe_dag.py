"""Tests for saaspipe_dag.py without an Airflow installation: the airflow
modules are replaced by small recording stand-ins, and the generated bash
commands are run against a fake saaspipe binary to check the exit-code
contract. Run: python3 -m unittest discover -s deploy/airflow
"""

import importlib
import json
import os
import subprocess
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class Task:
    def __init__(self, task_id, bash_command, pool=None, trigger_rule="all_success", **_):
        self.task_id, self.bash_command, self.pool, self.trigger_rule = task_id, bash_command, pool, trigger_rule
        self.downstream = []
        Task.all[task_id] = self

    def __rshift__(self, other):
        self.downstream.append(other.task_id)
        return other


class DAGStub:
    def __init__(self, **kw):
        self.kw = kw

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def install_stubs():
    Task.all = {}
    mods = {
        "airflow": types.ModuleType("airflow"),
        "airflow.operators": types.ModuleType("airflow.operators"),
        "airflow.operators.bash": types.ModuleType("airflow.operators.bash"),
        "airflow.utils": types.ModuleType("airflow.utils"),
        "airflow.utils.trigger_rule": types.ModuleType("airflow.utils.trigger_rule"),
    }
    mods["airflow"].DAG = DAGStub
    mods["airflow.operators.bash"].BashOperator = Task
    mods["airflow.utils.trigger_rule"].TriggerRule = types.SimpleNamespace(ALL_DONE="all_done")
    try:
        import yaml  # noqa: F401
    except ImportError:  # YAML is a superset of JSON: the test config is JSON
        mods["yaml"] = types.ModuleType("yaml")
        mods["yaml"].safe_load = lambda f: json.load(f)
    sys.modules.update(mods)


class DAGTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.config = os.path.join(self.tmp.name, "saaspipe.json")
        with open(self.config, "w") as f:
            json.dump({"version": 1, "connectors": [
                {"name": "okta-prod", "type": "okta"},
                {"name": "okta-emea", "type": "okta"},
                {"name": "m365", "type": "microsoft365"},
                {"name": "old", "type": "slack", "enabled": False},
            ]}, f)
        self.fake = os.path.join(self.tmp.name, "saaspipe")
        with open(self.fake, "w") as f:
            f.write('#!/bin/sh\necho "$@" > "$FAKE_ARGS"\nexit "$FAKE_RC"\n')
        os.chmod(self.fake, 0o755)
        os.environ.update(SAASPIPE_CONFIG=self.config, SAASPIPE_BIN=self.fake)
        install_stubs()
        sys.path.insert(0, HERE)
        sys.modules.pop("saaspipe_dag", None)
        self.dag = importlib.import_module("saaspipe_dag")

    def tearDown(self):
        sys.path.remove(HERE)
        self.tmp.cleanup()

    def test_tasks_pools_and_order(self):
        tasks = Task.all
        self.assertEqual(sorted(tasks), ["extract__m365", "extract__okta_emea", "extract__okta_prod", "load", "transform"])
        self.assertEqual(tasks["extract__okta_prod"].pool, "saaspipe_okta")
        self.assertEqual(tasks["extract__okta_emea"].pool, "saaspipe_okta")
        self.assertEqual(tasks["extract__m365"].pool, "saaspipe_microsoft365")
        for name in ("extract__okta_prod", "extract__okta_emea", "extract__m365"):
            self.assertEqual(tasks[name].downstream, ["transform"])
        self.assertEqual(tasks["transform"].downstream, ["load"])
        self.assertEqual(tasks["transform"].trigger_rule, "all_done")

    def run_task(self, name, rc):
        args = os.path.join(self.tmp.name, "args")
        cmd = Task.all[name].bash_command.replace("{{ ds }}", "2026-11-28")
        p = subprocess.run(["bash", "-c", cmd], env={**os.environ, "FAKE_RC": str(rc), "FAKE_ARGS": args})
        with open(args) as f:
            return p.returncode, f.read().split()

    def test_exit_codes(self):
        cases = [
            ("extract__okta_prod", 0, 0), ("extract__okta_prod", 1, 1), ("extract__okta_prod", 3, 3),
            ("extract__okta_prod", 2, 2), ("transform", 0, 0), ("transform", 1, 1),
            ("load", 0, 0), ("load", 3, 0), ("load", 1, 1), ("load", 2, 2),
        ]
        for name, rc, want in cases:
            with self.subTest(task=name, rc=rc):
                got, _ = self.run_task(name, rc)
                self.assertEqual(got, want)

    def test_arguments(self):
        _, args = self.run_task("extract__okta_emea", 0)
        self.assertEqual(args[:2], ["extract", "--config"])
        self.assertIn("--snapshot-date", args)
        self.assertEqual(args[args.index("--snapshot-date") + 1], "2026-11-28")
        self.assertEqual(args[args.index("--connector") + 1], "okta-emea")


if __name__ == "__main__":
    unittest.main()
