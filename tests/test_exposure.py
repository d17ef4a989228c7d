"""What a visitor can reach through the service: never the operator's account, never a
link to a deleted job's files, never a server path or an operator's command."""

from __future__ import annotations

from kling_ui.service import OPERATOR, Caller

from .conftest import RH_KEY


def visitor(address: str = "addr-1", owner: str = "b-visitor") -> Caller:
    return Caller(owner, address=address)


async def test_check_key_with_an_empty_field_never_reads_the_servers_account(studio, fake_rh):
    """The server has a RunningHub key; a visitor's empty field must not show its account."""
    for empty in ("", "   ", None):
        said = await studio.check_key(visitor(), "runninghub", empty)
        assert "type" in said.lower() and "key" in said.lower(), said
        assert "¥" not in said and "balance" not in said and "running" not in said
    assert fake_rh.calls_to("account") == []  # nothing was sent to the provider
    own = await studio.check_key(visitor(), "runninghub", RH_KEY)
    assert "RunningHub: ready" in own and "¥35.20" in own
    # The operator (not a visitor) still reads the server key's account.
    assert "¥35.20" in await studio.check_key(OPERATOR, "runninghub", None)


async def test_key_checks_are_counted_per_network_address(studio, fake_rh):
    for n in range(10):  # a fresh owner each time: the count follows the address
        said = await studio.check_key(visitor(owner=f"b-{n}"), "runninghub", "wrong")
        assert "refused the key" in said
    refused = await studio.check_key(visitor(owner="b-new"), "runninghub", RH_KEY)
    assert refused.startswith("Too many key checks") and "¥" not in refused
    assert len(fake_rh.calls_to("account")) == 10  # the eleventh was never sent
    other = await studio.check_key(visitor(address="addr-2"), "runninghub", RH_KEY)
    assert "RunningHub: ready" in other
    # Empty fields send nothing, so they don't use up the budget either.
    assert "type" in (await studio.check_key(visitor(address="addr-3"), "runninghub", "")).lower()
