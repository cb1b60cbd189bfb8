"""What Heat does on the production lab's MariaDB that sqlite never shows: a foreign key refused.

Heat 27, at the end of an update, deletes the stack's previous template (heat/engine/stack.py `purge_db`); in
the lab tier's rollouts a resource row still named it twice, MariaDB refused (1451) and Heat marked a finished
update UPDATE_FAILED. That race cannot be timed from outside, so this test makes the same refusal happen on
purpose: another stack's resource row is pointed at the template the update will delete (a write to Heat's own
database, the fault), and Heat does the rest. Heat is the oracle for what it then says and what clears it."""

from __future__ import annotations

import contextlib
import json

TEMPLATE = """heat_template_version: 2018-08-31
parameters:
  release: {type: string, default: v1}
resources:
  r:
    type: OS::Heat::Value
    properties: {value: {get_param: release}}
outputs:
  release: {value: {get_attr: [r, value]}}
"""


def _on(lab) -> tuple[str, ...]:
    return ("--lab", "--lab-dir", str(lab.dir), "--region", "RegionOne")


def _show(cli, lab, name: str) -> dict:
    code, out, err = cli("stack", "show", name, *_on(lab), "-f", "json")
    assert code == 0, err + out
    return json.loads(out)


@contextlib.contextmanager
def _template_still_referenced(lab, stack_name: str, holder_name: str, column: str = "raw_template_id"):
    """One of `holder_name`'s resource rows names `stack_name`'s current template (`column`: or, during an
    update, the one before it, which the update's end deletes), as long as the block runs; its own template
    again afterwards."""
    import sqlalchemy

    assert column in ("raw_template_id", "prev_raw_template_id")
    url = lab.lab.layout().database_url("RegionOne")
    assert url and url.startswith("mysql"), f"the production lab keeps Heat's data in MariaDB, not {url!r}"
    engine = sqlalchemy.create_engine(url)
    point = sqlalchemy.text("UPDATE resource SET current_template_id = :t WHERE stack_id = :s")
    with engine.begin() as db:
        rows = db.execute(
            sqlalchemy.text(f"SELECT name, id, raw_template_id, {column} FROM stack WHERE deleted_at IS NULL")
        )
        stacks = {name: (stack_id, own, pointed) for name, stack_id, own, pointed in rows}
        assert stacks[stack_name][2] is not None, (stack_name, column)
        db.execute(point, {"t": stacks[stack_name][2], "s": stacks[holder_name][0]})
    try:
        yield
    finally:
        with engine.begin() as db:
            db.execute(point, {"t": stacks[holder_name][1], "s": stacks[holder_name][0]})  # its own again
        engine.dispose()


def test_an_update_failed_by_heats_template_clean_up_is_explained_and_a_check_clears_it(lab, cli, tmp_path):
    template = tmp_path / "value.yaml"
    template.write_text(TEMPLATE)
    for name in ("purge-a", "purge-b"):
        code, out, err = cli("stack", "create", name, "-t", str(template), *_on(lab), "--wait")
        assert code == 0, err + out
    with _template_still_referenced(lab, "purge-a", "purge-b"):
        code, out, err = cli("stack", "update", "purge-a", "-P", "release=v2", *_on(lab), "--yes", "--wait")
        assert code != 0, out
        # Said with the failure: what `why` knows of it.
        assert "next: Heat reached the end of purge-a's update" in err, err
        assert "stack check purge-a --region RegionOne" in err, err
        shown = _show(cli, lab, "purge-a")
        # Heat's own answer: the update reached its end (the output is the new value), the status says FAILED.
        assert shown["stack_status"] == "UPDATE_FAILED" and "1451" in shown["stack_status_reason"], shown
        assert shown["outputs"]["release"] == "v2", shown
        code, out, err = cli("why", "purge-a", *_on(lab), "--format", "json")
        assert code != 0 and out, err
        report = json.loads(out)
        said = report["what_to_do"]
        assert "end of purge-a's update" in said and said.endswith("stack check purge-a --region RegionOne"), said
        # What it says to do, done: Heat checks the resources and the stack is no longer failed.
        code, out, err = cli("stack", "check", "purge-a", *_on(lab), "--yes", "--wait")
        assert code == 0, err + out
        assert _show(cli, lab, "purge-a")["stack_status"] == "CHECK_COMPLETE"
    # And the stack updates as any other afterwards.
    code, out, err = cli("stack", "update", "purge-a", "-P", "release=v3", *_on(lab), "--yes", "--wait")
    assert code == 0, err + out
    shown = _show(cli, lab, "purge-a")
    assert shown["stack_status"] == "UPDATE_COMPLETE" and shown["outputs"]["release"] == "v3", shown


def test_a_rollout_whose_update_heats_clean_up_failed_finishes_after_the_check(lab, cli, tmp_path):
    """Met in the lab tier: a rollout's master update reached its end and Heat's clean-up of the template before
    it failed (MariaDB 1451), so the update ended UPDATE_FAILED with every wave's change made. The rollout says
    what clears it; after that `stack check`, `rollout --continue` finishes: no breakpoint is left anywhere and
    every region has the change."""
    from tests.lab.test_rollout import _hooks_in, _rollout, _seed, read

    gate = tmp_path / "gate.sh"
    gate.write_text("#!/bin/sh\necho not yet\nexit 1\n")
    gate.chmod(0o755)
    holder = tmp_path / "value.yaml"
    holder.write_text(TEMPLATE)
    code, out, err = cli("stack", "create", "purge-holder", "-t", str(holder), *_on(lab), "--wait")
    assert code == 0, err + out
    _seed(lab, "roll-purge")
    code, out, err = _rollout(cli, "roll-purge", "-P", "release=v2", "--gate-cmd", str(gate), "--yes")
    assert code == 1 and json.loads(out)["result"] == "gate failed", err + out  # the master's update held
    gate.write_text("#!/bin/sh\nexit 0\n")
    with _template_still_referenced(lab, "roll-purge", "purge-holder", column="prev_raw_template_id"):
        code, out, err = _rollout(cli, "roll-purge", "--continue", "--yes")
        assert code != 0, err + out
        said = json.dumps(json.loads(out))
        assert "Heat's clean-up after the update failed" in said, said
        assert "mrconsole why roll-purge --region RegionOne" in said, said
        assert _show(cli, lab, "roll-purge")["stack_status"] == "UPDATE_FAILED"
    code, out, err = cli("stack", "check", "roll-purge", *_on(lab), "--yes", "--wait")
    assert code == 0, err + out
    code, out, err = _rollout(cli, "roll-purge", "--continue", "--yes")
    assert code == 0, err + out
    state = read(lab, "roll-purge")
    assert state["master"].status.endswith("_COMPLETE"), state["master"]
    assert _hooks_in(state["master_env"]) == {}
    for resource, c in state["constituents"].items():
        assert c["release"] == "v2" and _hooks_in(c["env"]) == {}, (resource, c)
