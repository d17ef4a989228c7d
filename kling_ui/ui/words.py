"""The page's fixed words in English and Simplified Chinese (many RunningHub users read it).

Gradio picks the language from the browser (gr.I18n); a component shows `t("key")`. Words
made while a job runs (status, errors, costs) are built on the server in the visitor's
language (lang.py). Words numbered per row (story shots) are written here for each row.
"""

from __future__ import annotations

import gradio as gr

from .. import assets
from ..providers.registry import PROVIDERS, paid_providers
from ..shots import MAX_SHOTS
from ..trash import RESTORE_SECONDS

_PAID = " or ".join(PROVIDERS[n].label for n in paid_providers())
_PAID_ZH = " 或 ".join(PROVIDERS[n].label for n in paid_providers())

EN: dict[str, str] = {
    "title": "# Kling Video O3 Pro Studio\nAdd a start frame, describe the motion, press "
    "Generate. No key? The **offline preview** makes a free rough draft (not Kling's video).",
    "tab.studio": "Studio",
    "tab.story": "Story",
    "tab.history": "History",
    "examples": "**Try an example** (fills the form):",
    "examples.more": "Swipe for more examples →",
    "start": "Start frame",
    "end": "End frame (optional)",
    "frames.hint": "Frames: jpg, png, webp or bmp; each side at least 300 px; no wider or "
    "taller than 2.5:1. An end frame can't be combined with segments.",
    "crop": "Crop the frames to",
    "prompt": "Prompt",
    "prompt.placeholder": "Describe the motion, camera move, light and action, e.g. “Slow "
    "push-in as she turns toward the camera and smiles.”",
    "duration": "Duration (seconds)",
    "duration.info": "With segments, the clip is as long as they are together.",
    "shot_type": "Shot type",
    "sound": "Generate sound (costs more: the estimate below says how much)",
    "segments": "Segments: timed prompts (optional)",
    "segments.hint": "Split the clip into shots, each with its own prompt and length (3-15 s). "
    "The clip is as long as its segments together (at most 15 s). Leave empty for one "
    "continuous shot. "
    "With segments the model follows the segment prompts; the main prompt above is still "
    "required but is not what it films.",
    "segment.split": "Split evenly",
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
    "region": "Site of your RunningHub key",
    "region.global": "International (runninghub.ai)",
    "region.cn": "China (runninghub.cn)",
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
    "import": "Add a job by its id",
    "import.hint": "A job you started elsewhere (the provider's own site, another app), or "
    "one shown as unknown here: give its request id and this page follows it and saves its "
    "video. Nothing is submitted or charged. It uses your key under “Your API keys” in the "
    "Studio tab.",
    "import.provider": "Provider",
    "import.request_id": "Request id (task id)",
    "import.add": "Add job",
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
    "draft.new": "New (empty form)",
    "story.saved": "Saved stories",
    "story.name": "Story name",
    "story.open": "Open",
    "story.save": "Save story",
    "story.rename": "Rename",
    "story.delete": "Delete story",
    "story.new": "New story",
    "story.shots": "Shots: the frame each starts from",
}

ZH: dict[str, str] = {
    "title": "# 可灵 Kling Video O3 Pro 工作室\n添加首帧，描述运动，点击“生成”。"
    "没有密钥？**离线预览**免费做一段粗略草稿（不是可灵生成的视频）。",
    "tab.studio": "工作室",
    "tab.story": "故事",
    "tab.history": "历史",
    "examples": "**试试示例**（一键填好表单）：",
    "examples.more": "左右滑动查看更多示例 →",
    "start": "首帧",
    "end": "尾帧（可选）",
    "frames.hint": "图片：jpg、png、webp 或 bmp；每边至少 300 像素；宽高比不超过 2.5:1。"
    "尾帧不能与分段同时使用。",
    "crop": "将图片裁剪为",
    "prompt": "提示词",
    "prompt.placeholder": "描述动作、镜头运动、光线和情节，例如：“镜头缓缓推近，她转向镜头微笑。”",
    "duration": "时长（秒）",
    "duration.info": "使用分段时，视频时长等于各分段之和。",
    "shot_type": "镜头类型",
    "sound": "生成声音（费用更高：下方估价会显示多少）",
    "segments": "分段：定时提示词（可选）",
    "segments.hint": "把视频分成几个镜头，每段有自己的提示词和时长（3–15 秒），视频时长即各段"
    "之和（最长 15 秒）。留空则为一个连续镜头。使用分段时模型按分段提示词拍摄；上方的主提示词"
    "仍需填写，但不会被拍摄。",
    "segment.split": "平均分配",
    "segment.clear": "清除分段",
    "provider": "生成方式",
    "model": "模型",
    "keys": "你的 API 密钥（可选）",
    "keys.hint": f"使用你自己的 {_PAID_ZH} 密钥。密钥只保存在此浏览器标签页中（勾选“记住”则"
    "保存在本设备上），从不存储在服务器上，也不会再次显示。",
    "remember": "在此设备上记住我的密钥",
    "own_limit": "我自己的每日限额（美元，可选；保存在此设备上）：超过限额前会停止生成",
    "check_key": "检查密钥",
    "region": "你的 RunningHub 密钥所属站点",
    "region.global": "国际站（runninghub.ai）",
    "region.cn": "中国站（runninghub.cn）",
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
    "import": "按 ID 添加任务",
    "import.hint": "在别处发起的任务（服务商自己的网站、其他应用），或这里显示为“状态未知”的任务："
    "填入它的请求 ID，本页会跟进并保存视频。不会提交新任务，也不会扣费。使用“工作室”页"
    "“你的 API 密钥”中填写的密钥。",
    "import.provider": "服务商",
    "import.request_id": "请求 ID（任务 ID）",
    "import.add": "添加任务",
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
    "draft.new": "新建（清空表单）",
    "story.saved": "已保存的故事",
    "story.name": "故事名称",
    "story.open": "打开",
    "story.save": "保存故事",
    "story.rename": "重命名",
    "story.delete": "删除故事",
    "story.new": "新故事",
    "story.shots": "镜头：每个镜头的起始画面",
}

# Gradio's own announcement keys, which its bundled catalogues lack: without them a screen
# reader hears "common.complete" as each event ends.
EN.update({"common.complete": "Done", "status.queue_position": "In line: {position} of {size}"})
ZH.update({"common.complete": "完成", "status.queue_position": "排队中：第 {position} / {size} 位"})

# Choices and names that are words (brands and formats stay as they are).
EN.update(
    {
        "shot_type.customize": "Customize (follow my prompt)",
        "shot_type.intelligent": "Intelligent (model decides cuts)",
        "provider.preview": "Offline preview (free)",
        "which": "Which provider?",
        "crop.keep": "Keep as is",
        "crop.landscape": "16:9 (landscape)",
        "crop.portrait": "9:16 (portrait)",
        "history.videos": "Your videos",
        "history.table": "History",
        "history.ask": f"**Delete this job and its video?** You can restore it for "
        f"{int(RESTORE_SECONDS // 60)} minutes.",
        **{f"provider.own.{n}": f"{PROVIDERS[n].label} (your key)" for n in paid_providers()},
        **{f"key.{n}": f"{PROVIDERS[n].label} API key" for n in paid_providers()},
    }
)
ZH.update(
    {
        "shot_type.customize": "自定义（按我的提示词）",
        "shot_type.intelligent": "智能（由模型决定剪切）",
        "provider.preview": "离线预览（免费）",
        "which": "选哪个服务商？",
        "crop.keep": "保持原样",
        "crop.landscape": "16:9（横屏）",
        "crop.portrait": "9:16（竖屏）",
        "history.videos": "你的视频",
        "history.table": "历史",
        "history.ask": f"**删除这个任务及其视频？** {int(RESTORE_SECONDS // 60)} 分钟内可以恢复。",
        **{f"provider.own.{n}": f"{PROVIDERS[n].label}（你的密钥）" for n in paid_providers()},
        **{f"key.{n}": f"{PROVIDERS[n].label} API 密钥" for n in paid_providers()},
    }
)
for _i, _example in enumerate(assets.examples()):
    EN[f"example.{_i}"] = _example["name"]
    ZH[f"example.{_i}"] = _example.get("name_zh") or _example["name"]


def _story_words() -> None:
    """The Story tab's words for each shot row (Gradio's catalogue takes no fields)."""
    for n in range(1, MAX_SHOTS + 1):
        EN.update(
            {
                f"story.shot.{n}": f"**Shot {n}**",
                f"story.shot.{n}.prompt": f"Shot {n} prompt",
                f"story.shot.{n}.seconds": f"Shot {n} seconds",
                f"story.shot.{n}.sound": f"Shot {n} sound",
                f"story.shot.{n}.up": f"Move up shot {n}",
                f"story.shot.{n}.down": f"Move down shot {n}",
                f"story.shot.{n}.duplicate": f"Duplicate shot {n}",
                f"story.shot.{n}.remove": f"Remove shot {n}",
                f"story.shot.{n}.timed_fold": f"Shot {n}: timed prompts (optional)",
                f"story.shot.{n}.timed": f"Shot {n} timed prompts, one a line: seconds, a colon, "
                "what happens (they must add up to the shot's seconds)",
                f"story.shot.{n}.frame_fold": f"Shot {n}: its own start frame (optional)",
                f"story.shot.{n}.frame": f"Shot {n} own start frame (empty: the last frame of "
                f"shot {n - 1})",
            }
        )
        ZH.update(
            {
                f"story.shot.{n}": f"**镜头 {n}**",
                f"story.shot.{n}.prompt": f"镜头 {n} 提示词",
                f"story.shot.{n}.seconds": f"镜头 {n} 秒数",
                f"story.shot.{n}.sound": f"镜头 {n} 声音",
                f"story.shot.{n}.up": f"上移镜头 {n}",
                f"story.shot.{n}.down": f"下移镜头 {n}",
                f"story.shot.{n}.duplicate": f"复制镜头 {n}",
                f"story.shot.{n}.remove": f"删除镜头 {n}",
                f"story.shot.{n}.timed_fold": f"镜头 {n}：定时提示词（可选）",
                f"story.shot.{n}.timed": f"镜头 {n} 定时提示词，每行一条：秒数、冒号、发生的事"
                "（各行秒数之和须等于该镜头的秒数）",
                f"story.shot.{n}.frame_fold": f"镜头 {n}：单独的首帧（可选）",
                f"story.shot.{n}.frame": f"镜头 {n} 单独的首帧"
                f"（留空：使用镜头 {n - 1} 的最后一帧）",
            }
        )
    for k in range(MAX_SHOTS + 1):
        EN[f"story.add.{k}"] = f"Add shot ({k} of {MAX_SHOTS})"
        ZH[f"story.add.{k}"] = f"添加镜头（{k} / {MAX_SHOTS}）"
    EN["story.shot.placeholder"] = "What happens in this shot"
    ZH["story.shot.placeholder"] = "这个镜头里发生什么"
    EN["story.timed.placeholder"] = "3: wide shot of the harbour\n2: a gull lands"
    ZH["story.timed.placeholder"] = "3：港口全景\n2：一只海鸥落下"


_story_words()
for _n in range(1, 6):  # the segment editor's rows (segments.MAX_ROWS)
    EN[f"segment.{_n}.prompt"] = f"Segment {_n} prompt"
    EN[f"segment.{_n}.seconds"] = f"Segment {_n} seconds"
    ZH[f"segment.{_n}.prompt"] = f"第 {_n} 段提示词"
    ZH[f"segment.{_n}.seconds"] = f"第 {_n} 段秒数"
EN.update({"segment.up": "Move up", "segment.down": "Move down", "segment.remove": "Remove"})
ZH.update({"segment.up": "上移", "segment.down": "下移", "segment.remove": "删除"})

I18N = gr.I18n(en=EN, **{"zh-CN": ZH})


def t(key: str) -> gr.i18n.I18nData:
    """The words for `key` in the reader's language (KeyError for a key not written)."""
    if key not in EN:
        raise KeyError(key)
    return I18N(key)
