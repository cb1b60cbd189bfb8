"""A rollout wave released after the user's token expired (#34), on both profiles of trusts: Heat on the user's
token fails the wave and `--continue` recovers; Heat re-authenticating by trusts goes on. Each holds a wave past a
30 s token, so they are a module of their own: the lab tier's workers run them beside the rest."""

from __future__ import annotations

import json
from pathlib import Path

ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")


def _on(lab) -> tuple[str, ...]:
    return ("--lab", "--lab-dir", str(lab.dir))


def _held_past_the_token(cli, lab, name: str) -> tuple[int, dict, str]:
    """A two-wave rollout whose 40 s soak outlasts a 30 s token: wave 2 is released on an expired token. (The soak
    follows each wave, the last too: every second of it is paid twice in the test that goes on.)"""
    code, out, err = cli("stack", "create", name, "-t", ROLLOUT_T, *_on(lab), "--region", "RegionOne", "--wait")
    assert code == 0, err + out
    waves = ("-P", "release=v2", "--waves", "RegionOne;RegionTwo,RegionThree", "--soak", "40")
    code, out, err = cli("rollout", name, *_on(lab), *waves, "--preview", "--format", "json")
    warned = [f["message"] for f in json.loads(out)["findings"] if "your token expires" in f["message"]]
    assert warned and "re-authenticates by trusts" in warned[0], out
    code, out, err = cli("rollout", name, *_on(lab), *waves, "--yes", "--format", "json")
    return code, json.loads(out), err


def _short_tokens(lab, cli):
    """Keystone's tokens live 30 s for the test (`lab up --token-expiration 30` restarts Keystone), 7200 s again
    after it."""
    import contextlib

    @contextlib.contextmanager
    def scope():
        code, out, err = cli("lab", "up", "--dir", str(lab.lab.dir), "--token-expiration", "30")
        assert code == 0 and "tokens now live 30 s" in out, err + out
        try:
            yield
        finally:
            lab.lab.set_token_expiration(7200)

    return scope()


def test_a_wave_released_after_the_token_expired_fails_without_reauthentication_and_continue_recovers(
    no_reauth_lab, cli
):
    """Heat on the user's token: the wave released after it expired fails (HTTPUnauthorized); the rollout
    says why and --continue sends the change again on a fresh token."""
    with _short_tokens(no_reauth_lab, cli):
        code, result, err = _held_past_the_token(cli, no_reauth_lab, "tok-user")
        assert code == 1 and result["result"] == "update failed", result
        # Wave 1 ran within the token; the wave released after it expired is the one that failed (its state is
        # "failed" or still "updating", as the rollout saw the master fail before or after its constituents).
        states = [w["state"] for w in result["waves"]]
        assert states[0] == "passed" and states[1] != "passed", result
        assert "does not re-authenticate by trusts" in result["message"] and "--continue" in result["message"]
        code, out, err = cli("rollout", "tok-user", *_on(no_reauth_lab), "--continue", "--yes", "--format", "json")
        assert code == 0 and json.loads(out)["result"] == "done", err + out
    code, out, err = cli("outputs", "tok-user", *_on(no_reauth_lab), "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert values[("master", "releases")] == {"web_one": "v2", "web_two": "v2", "web_three": "v2"}, values


def test_a_wave_released_after_the_token_expired_goes_on_with_reauthentication_by_trusts(production_lab, cli):
    with _short_tokens(production_lab, cli):
        code, result, err = _held_past_the_token(cli, production_lab, "tok-trust")
        assert code == 0 and result["result"] == "done", (result, err)
