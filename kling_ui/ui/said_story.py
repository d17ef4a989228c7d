"""The Story tab's words built on the server (story_shots.py, story_tab.py; see lang.py)."""

EN: dict[str, str] = {
    "story.cost_free": "**Cost: free** — {shots}, {seconds} s on the offline preview.",
    "story.cost_shot": "shot {n}: {money}",
    "story.cost": "**Estimated cost: about {money}** on {provider} ({each}).",
    "story.reused": "reused (made before, not paid again)",
    "story.made": "made",
    "story.made_cost": "{note}, {money}",
    "story.row_done": "- Shot {n}: ✓ {note}",
    "story.row_failed": "- Shot {n}: ✗ {why}",
    "story.making": "**Making shot {n} of {total}** on {provider}…",
    "story.stopped": "**The story stopped:** {why}",
    "story.ready": "**Your film is ready** (below). Press again after a change: shots that are "
    "the same are reused, only what changed is made.",
    "story.stopped_before": "**The story stopped before the film.** Fix the shot marked ✗ and "
    "press again: finished shots are kept.",
    "story.tick": "**Tick “Yes, spend the estimated cost”** to generate the story on "
    "{provider}. Nothing was sent.",
    "story.fix": "**Please fix this first (nothing was sent):**",
    "story.status.skipped": "skipped",
    "story.status.failed": "failed",
}

ZH: dict[str, str] = {
    "story.cost_free": "**费用：免费** —— {shots}，共 {seconds} 秒，使用离线预览。",
    "story.cost_shot": "镜头 {n}：{money}",
    "story.cost": "**预估费用：约 {money}**，在 {provider} 上（{each}）。",
    "story.reused": "已复用（之前做过，不再付费）",
    "story.made": "已生成",
    "story.made_cost": "{note}，{money}",
    "story.row_done": "- 镜头 {n}：✓ {note}",
    "story.row_failed": "- 镜头 {n}：✗ {why}",
    "story.making": "**正在生成第 {n} / {total} 个镜头**，在 {provider} 上……",
    "story.stopped": "**故事已停止：** {why}",
    "story.ready": "**你的影片已完成**（见下方）。修改后再按一次：相同的镜头会被复用，"
    "只生成改动的部分。",
    "story.stopped_before": "**故事在成片前停止了。** 修正标有 ✗ 的镜头后再按一次："
    "已完成的镜头会保留。",
    "story.tick": "**勾选“是的，花费预估费用”**才能在 {provider} 上生成故事。什么都没有发送。",
    "story.fix": "**请先修正以下问题（什么都没有发送）：**",
    "story.status.skipped": "已跳过",
    "story.status.failed": "失败",
}
