"""The page's fixed words in English and Simplified Chinese (many RunningHub users read it).

Gradio picks the language from the browser (gr.I18n); a component shows `t("key")`. Words
made while a job runs (status, errors, costs) are English for now: they are built on the
server, which doesn't know the page's language.
"""

from __future__ import annotations

import gradio as gr

from ..providers.registry import PROVIDERS, paid_providers

_PAID = " or ".join(PROVIDERS[n].label for n in paid_providers())
_PAID_ZH = " 或 ".join(PROVIDERS[n].label for n in paid_providers())

EN: dict[str, str] = {
    "title": "# Kling Video O3 Pro Studio\nTurn a still into a video: add a start frame, "
    "describe the motion, press Generate. No key? The **offline preview** renders a free "
    "animatic of your timing and framing.",
    "tab.studio": "Studio",
    "tab.story": "Story",
    "tab.history": "History",
    "examples": "**Try an example** (fills the form):",
    "start": "Start frame",
    "end": "End frame (optional)",
    "frames.hint": "Frames: jpg, png, webp or bmp; each side at least 300 px; no wider or "
    "taller than 2.5:1. An end frame can't be combined with segments.",
    "crop": "Crop the frames to",
    "prompt": "Prompt",
    "prompt.placeholder": "Describe the motion, camera move, light and action, e.g. “Slow "
    "push-in as she turns toward the camera and smiles.”",
    "duration": "Duration (seconds)",
    "shot_type": "Shot type",
    "sound": "Generate sound (costs more: the estimate below says how much)",
    "segments": "Segments: timed prompts (optional)",
    "segments.hint": "Split the clip into shots, each with its own prompt and length (3-15 s). "
    "The lengths must add up to the clip's duration. Leave empty for one continuous shot. "
    "With segments the model follows the segment prompts; the main prompt above is still "
    "required but is not what it films.",
    "segment.split": "Split evenly",
    "segment.fill": "Fill the rest",
    "segment.clear": "Clear segments",
    "provider": "Generate with",
    "model": "Model",
    "keys": "Your API keys (optional)",
    "keys.hint": f"Use your own {_PAID} key. Keys stay in this browser tab (or on this device "
    "if you tick Remember); they are never stored on the server or shown again.",
    "remember": "Remember my keys on this device",
    "own_limit": "My own daily limit in US dollars (optional; kept on this device): Generate "
    "stops before a clip would pass it",
    "check_key": "Check key",
    "generate": "Generate",
    "cancel": "Cancel",
    "check_again": "Check again",
    "result": "Result",
    "continue": "Continue from last frame",
    "details": "Details",
    "ready": "Ready. Fill in the form and press **Generate**.",
    "history.hint": "Jobs started from this browser, newest first. Running jobs keep going "
    "when you close the tab and update here. Select a card to watch, re-use or delete.",
    "history.video": "Video",
    "history.select": "Select a job above.",
    "history.open": "Open in studio",
    "history.reuse": "Re-use settings",
    "history.delete": "Delete",
    "history.confirm": "Yes, delete",
    "history.keep": "Keep it",
    "history.restore": "Restore",
    "history.search": "Search the prompts",
    "history.status": "Status",
    "history.provider": "Made with",
    "history.all": "All",
    "history.running": "Under way",
    "history.done": "Done",
    "history.failed": "Failed",
    "history.canceled": "Canceled",
    "history.films": "Story films",
    "history.table": "Everything as a table",
    "story.hint": "Chain shots into one film. **Shot 1** starts from the start frame below; "
    "every next shot starts where the one before ended (or from its own frame). Preview the "
    "whole story for free, then generate it on a provider and get one MP4.",
    "story.start": "Start frame of shot 1",
    "story.provider": "Provider for the story (keys: the Studio tab's)",
    "story.crossfade": "Soft cross-fade between shots (0.5 s)",
    "story.confirm": "Yes, spend the estimated cost above on this story",
    "story.preview": "Preview the story (free)",
    "story.generate": "Generate the story",
    "story.film": "Film",
}

ZH: dict[str, str] = {
    "title": "# 可灵 Kling Video O3 Pro 工作室\n把一张静态图变成视频：添加首帧，描述运动，点击"
    "“生成”。没有密钥？**离线预览**会免费渲染一段动态分镜，展示时长与构图。",
    "tab.studio": "工作室",
    "tab.story": "故事",
    "tab.history": "历史",
    "examples": "**试试示例**（一键填好表单）：",
    "start": "首帧",
    "end": "尾帧（可选）",
    "frames.hint": "图片：jpg、png、webp 或 bmp；每边至少 300 像素；宽高比不超过 2.5:1。"
    "尾帧不能与分段同时使用。",
    "crop": "将图片裁剪为",
    "prompt": "提示词",
    "prompt.placeholder": "描述动作、镜头运动、光线和情节，例如：“镜头缓缓推近，她转向镜头微笑。”",
    "duration": "时长（秒）",
    "shot_type": "镜头类型",
    "sound": "生成声音（费用更高：下方估价会显示多少）",
    "segments": "分段：定时提示词（可选）",
    "segments.hint": "把视频分成几个镜头，每段有自己的提示词和时长（3–15 秒），各段时长之和"
    "必须等于视频时长。留空则为一个连续镜头。使用分段时模型按分段提示词拍摄；上方的主提示词"
    "仍需填写，但不会被拍摄。",
    "segment.split": "平均分配",
    "segment.fill": "补满剩余",
    "segment.clear": "清除分段",
    "provider": "生成方式",
    "model": "模型",
    "keys": "你的 API 密钥（可选）",
    "keys.hint": f"使用你自己的 {_PAID_ZH} 密钥。密钥只保存在此浏览器标签页中（勾选“记住”则"
    "保存在本设备上），从不存储在服务器上，也不会再次显示。",
    "remember": "在此设备上记住我的密钥",
    "own_limit": "我自己的每日限额（美元，可选；保存在此设备上）：超过限额前会停止生成",
    "check_key": "检查密钥",
    "generate": "生成",
    "cancel": "取消",
    "check_again": "再次检查",
    "result": "结果",
    "continue": "从最后一帧继续",
    "details": "详情",
    "ready": "准备就绪。填写表单并点击**生成**。",
    "history.hint": "从此浏览器发起的任务，最新的在前。关闭页面后任务仍会继续，并在这里更新。"
    "选择一张卡片即可观看、复用或删除。",
    "history.video": "视频",
    "history.select": "请在上方选择一个任务。",
    "history.open": "在工作室中打开",
    "history.reuse": "复用设置",
    "history.delete": "删除",
    "history.confirm": "确定删除",
    "history.keep": "保留",
    "history.restore": "恢复",
    "history.search": "搜索提示词",
    "history.status": "状态",
    "history.provider": "生成方式",
    "history.all": "全部",
    "history.running": "进行中",
    "history.done": "已完成",
    "history.failed": "失败",
    "history.canceled": "已取消",
    "history.films": "故事影片",
    "history.table": "以表格查看全部",
    "story.hint": "把多个镜头串成一部影片。**镜头 1** 从下方首帧开始；之后每个镜头从上一个"
    "镜头的结尾开始（或使用自己的首帧）。先免费预览整个故事，再交给服务商生成，得到一个 MP4。",
    "story.start": "镜头 1 的首帧",
    "story.provider": "故事使用的服务商（密钥沿用“工作室”页）",
    "story.crossfade": "镜头之间柔和交叉淡化（0.5 秒）",
    "story.confirm": "是的，为这个故事花费上方的预估费用",
    "story.preview": "预览故事（免费）",
    "story.generate": "生成故事",
    "story.film": "影片",
}

I18N = gr.I18n(en=EN, **{"zh-CN": ZH})


def t(key: str) -> gr.i18n.I18nData:
    """The words for `key` in the reader's language (KeyError for a key not written)."""
    if key not in EN:
        raise KeyError(key)
    return I18N(key)
