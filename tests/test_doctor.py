"""Checking keys and balances spends nothing; a balance too low stops a job before submit."""

from __future__ import annotations

import pytest

from kling_ui.doctor import check_provider
from kling_ui.errors import InputError
from kling_ui.request import parse_request
from kling_ui.testing import FakeRunComfy, FakeRunningHub, serve_on_loopback

from .conftest import RC_KEY, RH_KEY, ROOT, cli_env, cli_here


async def test_each_provider_reports_its_balance_in_its_currency(
    settings, client, fake_rc, fake_rh
):
    fake_rh.account["remainMoney"] = "35.20"
    rh = await check_provider("runninghub", settings, client)
    assert rh.ready and rh.balance == pytest.approx(35.2) and rh.currency == "CNY"
    assert rh.task_count == 0 and "¥35.20" in rh.message
    rc = await check_provider("runcomfy", settings, client)
    assert rc.ready and rc.balance == pytest.approx(25.0) and "$25.00" in rc.message
    wrong = await check_provider("runninghub", settings, client, api_key="not-the-key")
    assert not wrong.ready and wrong.key_present and not wrong.key_accepted
    assert "RunningHub refused the key" in wrong.message
    assert fake_rc.submits == 0 and fake_rh.submits == 0


async def test_a_missing_key_says_where_to_get_one(settings, client):
    bare = settings.with_provider("runcomfy", api_key=None)
    report = await check_provider("runcomfy", bare, client)
    assert not report.key_present and "no key yet" in report.message


@pytest.mark.parametrize("kind", ["runcomfy", "runninghub"])
async def test_a_balance_lower_than_the_estimate_stops_the_job_before_submit(
    kind, manager, make_image, fake_rc, fake_rh
):
    if kind == "runninghub":
        fake_rh.account["remainMoney"] = "2.10"
        have, need = "¥2.10", "¥3.45"
    else:
        fake_rc.balance = 0.3
        have, need = "$0.30", "$0.56"
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 5})
    with pytest.raises(InputError) as caught:
        await manager.submit(request, provider=kind)
    message = caught.value.user_message
    assert have in message and need in message
    assert fake_rc.submits == 0 and fake_rh.submits == 0 and manager.store.list() == []


async def test_an_unreadable_balance_lets_the_job_go_on(manager, make_image, fake_rc):
    from kling_ui.testing import Fault

    fake_rc.inject("balance", Fault.server_error(503))
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    job = await manager.wait((await manager.submit(request, provider="runcomfy")).id)
    assert job.state == "succeeded" and fake_rc.submits == 1


def test_doctor_prints_balances_and_exits_by_readiness(tmp_path):
    rc, rh = FakeRunComfy(api_key=RC_KEY), FakeRunningHub(api_key=RH_KEY)
    with serve_on_loopback(rc.app) as rc_url, serve_on_loopback(rh.app) as rh_url:
        env = cli_env(
            tmp_path / "data",
            RUNCOMFY_API_KEY=RC_KEY,
            RUNCOMFY_BASE_URL=rc_url,
            RUNNINGHUB_API_KEY=RH_KEY,
            RUNNINGHUB_BASE_URL=rh_url,
        )
        run = cli_here("doctor", env=env, cwd=ROOT)  # main(), not a process: it is not about one
        assert run.returncode == 0, run.stderr
        assert "RunComfy: ready, balance $25.00" in run.stdout
        assert "RunningHub: ready, balance ¥35.20" in run.stdout
        env["RUNNINGHUB_API_KEY"] = "wrong-key"
        bad = cli_here("doctor", env=env, cwd=ROOT)
        assert bad.returncode != 0 and "RunningHub refused the key" in bad.stdout
        assert "wrong-key" not in bad.stdout + bad.stderr
    assert rc.submits == 0 and rh.submits == 0
