"""How refused actions are explained (pure)."""

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.actions import explain


def test_busy_conflict_says_wait_or_cancel():
    err = explain(CloudError("conflict", "Stack demo is in UPDATE_IN_PROGRESS", "R1"), "suspend", "demo")
    assert err.kind == "conflict" and "busy" in str(err) and "cancel" in str(err) and not err.sent


def test_refused_connection_means_nothing_was_sent():
    err = explain(CloudError("unavailable", "connection refused or failed", "R2"), "delete", "demo")
    assert "nothing was sent" in str(err) and not err.sent


def test_timeout_means_check_before_retrying():
    err = explain(CloudError("unavailable", "timed out: no answer", "R2"), "delete", "demo")
    assert err.sent and err.kind == "unknown"
    assert "check before retrying: mrconsole events demo --region R2" in str(err)


def test_validation_error_quotes_heat():
    err = explain(CloudError("invalid", "Property error: resources.x.properties.value", "R1"), "create", "demo")
    assert "Heat refused to create demo: Property error" in str(err)


def test_a_refusal_for_missing_deferred_auth_says_why_and_what_to_do():
    err = explain(CloudError("invalid", "Missing required credential: X-Auth-Key", "RegionTwo"), "create", "waiter")
    assert "password deferred auth" in str(err) and "wait condition handle" in str(err) and "trusts" in str(err)


def test_a_delete_failed_removing_credentials_says_delete_again_and_nothing_else_does():
    from mrconsole.core.diagnosis.why import RootCause

    def root(status, reason):
        return RootCause("RegionOne", "dk", "0f3c", None, "", status, reason)

    said = root("DELETE_FAILED", "Error deleting project: Unable to establish connection").instead
    assert "resources" in said and "delete it again: mrconsole stack delete 0f3c --region RegionOne" in said
    assert root("DELETE_FAILED", "Error deleting trust: 503").instead
    assert not root("DELETE_FAILED", "Resource DELETE failed: volume busy").instead
    assert not root("CREATE_FAILED", "Error deleting project").instead


# Heat's reason, as the production lab's RegionOne gave it (tests/lab/test_database.py makes it happen).
PURGE_REASON = (
    "(pymysql.err.IntegrityError) (1451, 'Cannot delete or update a parent row: a foreign key constraint fails "
    "(`regionone`.`resource`, CONSTRAINT `resource_ibfk_1` FOREIGN KEY (`current_template_id`) REFERENCES "
    "`raw_template` (`id`))')\n[SQL: DELETE FROM raw_template WHERE raw_template.id = %(id)s]\n"
    "[parameters: {'id': 1}]\n(Background on this error at: https://sqlalche.me/e/21/gkpj)"
)


def test_a_failed_clean_up_of_the_previous_template_says_check_the_stack_it_started_from():
    from mrconsole.core.diagnosis.why import RootCause
    from mrconsole.models import Stack

    alone = RootCause("RegionOne", "px", "33d9", None, "stack", "UPDATE_FAILED", PURGE_REASON)
    assert "end of px's update" in alone.instead and alone.instead.endswith("stack check px --region RegionOne")
    master = Stack("RegionOne", "9a1e", "shop", "UPDATE_FAILED")
    constituent = RootCause(
        "RegionTwo", "shop-web", "77b0", None, "stack", "ROLLBACK_FAILED", PURGE_REASON, start=master
    )
    assert "end of shop-web's rollback" in constituent.instead
    assert constituent.instead.endswith("stack check shop --region RegionOne")
    other = PURGE_REASON.replace("current_template_id", "stack_id")
    assert not RootCause("RegionOne", "px", "33d9", None, "stack", "UPDATE_FAILED", other).instead
    assert not RootCause("RegionOne", "px", "33d9", None, "stack", "UPDATE_COMPLETE", PURGE_REASON).instead


def test_an_action_that_ended_failed_says_next_what_why_knows_else_where_to_look(capsys):
    import asyncio
    from types import SimpleNamespace

    from mrconsole.cli.stack_cmd import _why_next
    from mrconsole.core.acting.actions import ActionResult
    from mrconsole.models import Stack, StackDetail

    class Region:
        def __init__(self, stack):
            self.stack = stack

        async def get_stack(self, ref, **kw):
            if self.stack is None:
                raise CloudError("unavailable", "connection refused or failed", "RegionOne")
            return StackDetail(self.stack)

        async def resources(self, stack, nested_depth=0):
            return []

        async def template(self, stack):
            return {"heat_template_version": "2018-08-31", "resources": {}}

    result = ActionResult("update", "RegionOne", "px", "33d9", True, "", "req-1", None)
    failed = Stack("RegionOne", "33d9", "px", "UPDATE_FAILED", PURGE_REASON)
    for stack, said in (
        (failed, "next: Heat reached the end of px's update"),
        (None, "next: mrconsole why px --region RegionOne (its root cause, across regions)"),
        (Stack("RegionOne", "33d9", "px", "UPDATE_FAILED", "Resource UPDATE failed: x"), "next: mrconsole why px"),
    ):
        fleet = SimpleNamespace(region=lambda name, s=stack: Region(s), region_names=["RegionOne"])
        asyncio.run(_why_next(fleet, result))
        assert capsys.readouterr().err.startswith(said)
