"""Which key pays: the one offered with the request, else the server's; never shown."""

from __future__ import annotations

from kling_ui.keys import PayingKey, key_choices, resolve_key


def test_an_offered_key_pays_before_the_servers(settings):
    server = settings.server_key("runcomfy")
    assert server
    assert resolve_key("runcomfy", "  mine-1234  ", settings) == PayingKey("mine-1234", "offered")
    assert resolve_key("runcomfy", " ", settings) == PayingKey(server, "server")
    assert resolve_key("runcomfy", None, settings) == PayingKey(server, "server")
    assert [k.source for k in key_choices("runcomfy", "mine", settings)] == ["offered", "server"]


def test_no_key_at_all_is_none(settings):
    bare = settings.with_provider("runcomfy", api_key=None)
    assert resolve_key("runcomfy", "", bare) is None
    assert key_choices("runcomfy", None, bare) == []


def test_a_paying_key_never_shows_its_value():
    key = PayingKey("sk-secret-5678", "offered")
    assert "sk-secret-5678" not in repr(key) + str(key)
    assert key.offered and not PayingKey("x", "server").offered
