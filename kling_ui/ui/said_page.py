"""Words of the page as a whole, built on the server (see lang.py)."""

EN: dict[str, str] = {
    "page.expired": "This page has expired: reload it to go on.",
}
ZH: dict[str, str] = {
    "page.expired": "此页面已过期：请刷新后继续。",
}
