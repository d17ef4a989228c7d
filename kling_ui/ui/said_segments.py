"""The segment editor's words built on the server (segments.py; see lang.py)."""

EN: dict[str, str] = {
    "seg.first": "Add a segment first.",
    "seg.write": "write what happens in it",
    "seg.long": "{count} characters; the limit is {limit}",
    "seg.length": "give it a length of {low}-{high} s",
    "seg.outside": "{seconds} s is outside {low}-{high} s; it counts as {clamped} s",
    "seg.and": "{first}; {rest}",
    "seg.row": "⚠ Segment {n}: {problems}.",
    "seg.add": "+ Add segment ({count} of {most})",
    "seg.full": "{most} of {most} segments (the most)",
}

ZH: dict[str, str] = {
    "seg.first": "请先添加一个分段。",
    "seg.write": "请写下这一段发生什么",
    "seg.long": "{count} 个字符；上限为 {limit}",
    "seg.length": "请给它 {low}–{high} 秒的时长",
    "seg.outside": "{seconds} 秒超出 {low}–{high} 秒；按 {clamped} 秒计算",
    "seg.and": "{first}；{rest}",
    "seg.row": "⚠ 第 {n} 段：{problems}。",
    "seg.add": "+ 添加分段（{count} / {most}）",
    "seg.full": "已有 {most} / {most} 个分段（最多）",
}
