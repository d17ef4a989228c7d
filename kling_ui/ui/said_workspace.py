"""Words of the workspace (the Studio's draft, the Story tab's saved stories), built on the
server (see lang.py)."""

EN: dict[str, str] = {
    "draft.saved": "Draft saved on this server (restored when you come back).",
    "draft.refused": "The draft was not saved: {problem}",
    "draft.new": "A new, empty draft. Your saved stories and History are kept.",
    "draft.restored": "Your draft is back: the form as you left it.",
    "story.saved": "Saved as “{name}”.",
    "story.default_name": "Story {when}",
    "story.refused": "The story was not saved: {problem}",
    "story.deleted": "“{name}” was deleted (its videos stay in History).",
    "story.missing": "That story is not available.",
    "story.none": "No saved stories yet: a story is saved when you save, preview or generate it.",
    "story.opened": "Opened “{name}”.",
    "story.new": "A new, empty story.",
    "shot.paid": "Shot {n}: paid {money}; reused when run again, never paid twice",
    "shot.made": "Shot {n}: made",
    "shot.failed": "Shot {n}: failed",
    "shot.waiting": "Shot {n}: not made yet",
}
ZH: dict[str, str] = {
    "draft.saved": "草稿已保存在服务器上（回来时会恢复）。",
    "draft.refused": "草稿未保存：{problem}",
    "draft.new": "新的空白草稿。已保存的故事和历史记录都保留。",
    "draft.restored": "草稿已恢复：表单和您离开时一样。",
    "story.saved": "已保存为“{name}”。",
    "story.default_name": "故事 {when}",
    "story.refused": "故事未保存：{problem}",
    "story.deleted": "已删除“{name}”（其视频仍在历史记录中）。",
    "story.missing": "该故事不可用。",
    "story.none": "还没有保存的故事：保存、预览或生成故事时会自动保存。",
    "story.opened": "已打开“{name}”。",
    "story.new": "新的空白故事。",
    "shot.paid": "镜头 {n}：已付费 {money}；再次生成时复用，不会重复付费",
    "shot.made": "镜头 {n}：已生成",
    "shot.failed": "镜头 {n}：失败",
    "shot.waiting": "镜头 {n}：尚未生成",
}
