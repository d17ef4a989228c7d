"""Words of the Studio form built on the server: segment totals and what an automatic change
did, problems by their field (see lang.py)."""

EN: dict[str, str] = {
    "form.clip_is": "✓ **{total} s** — the clip is as long as its segments.",
    "form.clip_too_long": "⚠ **{total} s** — a clip is at most {most} s: shorten the segments "
    "by {over} s.",
    "form.clip_now": "The clip is now {clip} s, the sum of its segments.",
    "form.resplit": "A clip is at most {most} s: the {count} segments now share it evenly.",
    "form.split": "Split evenly: {count} segments share {clip} s.",
    "form.split_grew": "{count} segments need at least {need} s: each is now {least} s and the "
    "clip is {need} s.",
    "form.clamped": "Segment {n}: {raw} s is outside {least}-{most} s, so it reads {seconds} s.",
    "form.fix_first": "**Please fix this before generating (nothing was sent):**",
    # A visitor's key checked at Generate (service.Studio._check_visitor_key).
    "form.key_refused": "{message} Nothing was sent: not charged.",
    "form.key_checks": "{message} Nothing was sent.",
}
ZH: dict[str, str] = {
    "form.clip_is": "✓ **{total} 秒** — 视频时长等于各分段之和。",
    "form.clip_too_long": "⚠ **{total} 秒** — 视频最长 {most} 秒：请把分段共缩短 {over} 秒。",
    "form.clip_now": "视频现在是 {clip} 秒，即各分段之和。",
    "form.resplit": "视频最长 {most} 秒：{count} 个分段现在平均分配。",
    "form.split": "平均分配：{count} 个分段共 {clip} 秒。",
    "form.split_grew": "{count} 个分段至少需要 {need} 秒：每段现为 {least} 秒，视频为 {need} 秒。",
    "form.clamped": "分段 {n}：{raw} 秒超出 {least}–{most} 秒，按 {seconds} 秒计。",
    "form.fix_first": "**生成前请先修正（尚未发送任何内容）：**",
    "form.key_refused": "{message} 什么都没有发送：没有收费。",
    "form.key_checks": "{message} 什么都没有发送。",
}
