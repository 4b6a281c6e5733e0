"""Airflow DAG for saaspipe: one extract task per connector instance, then
transform, then load, for the logical date Airflow schedules ({{ ds }}).

Contract with the saaspipe CLI (README.md, "Command-line contract"):
  * every task passes --snapshot-date {{ ds }}: runs are idempotent per date,
    and a sealed (already published) date is a no-op that exits 0;
  * exit codes: 0 ok, 1 failure (retried), 2 usage/configuration (Airflow
    retries it like any failure and it fails the same way each time: the
    log line says to fix the config), 3 partial (published, some connectors
    stale);
  * retrying an extract task re-reads the same window: cursors are stored
    per snapshot date.

Choices made here, and why:
  * One pool per connector *type* (saaspipe_<type>, one slot by default):
    instances sharing a vendor's API quota (two Okta instances on one org,
    several Graph apps in one tenant) do not run at once. Create the pools
    with `airflow pools set saaspipe_okta 1 "saaspipe okta"` (one per type).
  * transform runs when every extract task is done, failed or not
    (trigger_rule all_done): a failed connector is carried forward from its
    last good snapshot and marked stale, so the other vendors' data still
    lands. The failed extract task stays red in the grid: that is the alert.
  * load's exit code 3 (published with stale connectors) counts as success
    for the task, for the same reason; exit 1 fails it.

Configuration (Airflow Variables or environment):
  SAASPIPE_BIN     path of the saaspipe binary (default: saaspipe on PATH)
  SAASPIPE_CONFIG  path of the saaspipe YAML config (default /etc/saaspipe/saaspipe.yaml)
  SAASPIPE_SCHEDULE cron or preset for the DAG (default @daily)
Secrets referenced by the config (${VAR}, {env: VAR}, {file: PATH}) must be
present in the workers' environment or files; they never appear here.
"""

from __future__ import annotations

import os
import shlex
from datetime import datetime, timedelta

import yaml
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.utils.trigger_rule import TriggerRule

SAASPIPE_BIN = os.environ.get("SAASPIPE_BIN", "saaspipe")
SAASPIPE_CONFIG = os.environ.get("SAASPIPE_CONFIG", "/etc/saaspipe/saaspipe.yaml")
SCHEDULE = os.environ.get("SAASPIPE_SCHEDULE", "@daily")

DEFAULT_ARGS = {
    "owner": "data-engineering",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
}


def connector_instances(config_path: str) -> list[dict]:
    """The enabled connector instances of the config, in file order.

    Reading the YAML here only names the tasks; saaspipe itself validates
    the file strictly (`saaspipe validate`) when the tasks run.
    """
    try:
        with open(config_path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
    except OSError:
        return []
    out = []
    for c in doc.get("connectors") or []:
        if c.get("enabled", True):
            out.append({"name": str(c["name"]), "type": str(c["type"])})
    return out


def saaspipe(command: str, *extra: str, ok_codes: tuple[int, ...] = (0,)) -> str:
    """A bash command running saaspipe for the DAG run's logical date; exit
    codes in ok_codes count as success."""
    args = [SAASPIPE_BIN, command, "--config", SAASPIPE_CONFIG,
            "--snapshot-date", "{{ ds }}", "--log-format", "json", *extra]
    cmd = " ".join(shlex.quote(a) if "{{" not in a else a for a in args)
    ok = " ".join(str(c) for c in ok_codes)
    return (
        f"{cmd}; rc=$?; "
        f'for ok in {ok}; do [ "$rc" -eq "$ok" ] && exit 0; done; '
        '[ "$rc" -eq 2 ] && echo "saaspipe: configuration or usage error (exit 2): fix the config; retries will fail the same way" >&2; '
        "exit $rc"
    )


with DAG(
    dag_id="saaspipe",
    description="SaaS license usage and activity → consolidated Parquet snapshots",
    schedule=SCHEDULE,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one publish per data directory at a time (saaspipe also locks)
    default_args=DEFAULT_ARGS,
    tags=["saaspipe", "saas", "licenses"],
) as dag:
    transform = BashOperator(
        task_id="transform",
        bash_command=saaspipe("transform"),
        trigger_rule=TriggerRule.ALL_DONE,
    )
    load = BashOperator(
        task_id="load",
        bash_command=saaspipe("load", "--json", ok_codes=(0, 3)),
    )
    for inst in connector_instances(SAASPIPE_CONFIG):
        extract = BashOperator(
            task_id=f"extract__{inst['name'].replace('-', '_')}",
            bash_command=saaspipe("extract", "--connector", inst["name"]),
            pool=f"saaspipe_{inst['type']}",
        )
        extract >> transform
    transform >> load
