"""Words the core says to a person (problems, refusals), kept by key so a page can say them in
the visitor's language.

A `Said` IS its English text (a str): the CLI, the API, logs and the store see exactly the
words they always saw. It also remembers its catalogue key and fields, so the page renders
it again in Chinese (ui/lang.py `say_text`). Fields may be `Said` too (a field's label): they
are translated with it. Templates use plain {name} fields, no format specs: numbers are
formatted before they are passed, so a stored English text can be read back into its fields.
"""

from __future__ import annotations

from typing import Any


class Said(str):
    """English words with the key and fields they were made from."""

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, **fields: Any) -> Said:
        template = TEMPLATES.get(key) or EN[key]
        self = super().__new__(cls, template.format(**fields) if fields else template)
        self.key = key
        self.fields = fields
        return self

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # Copies and pickles (a record copied with its request) are made again from the
        # key, not from the English text.
        return (_remade, (self.key, self.fields))


def _remade(key: str, fields: dict[str, Any]) -> Said:
    return Said(key, **fields)


# Every English template a Said can be made from: the core's (EN, below) and those the page
# adds for its own parts (ui/lang.py registers its catalogue at import).
TEMPLATES: dict[str, str] = {}


def register(templates: dict[str, str]) -> None:
    TEMPLATES.update(templates)


def said(key: str, **fields: Any) -> Said:
    """The English words for `key` (KeyError for a key not written), keeping key and fields."""
    return Said(key, **fields)


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word's end, with … when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    # Words of a language without spaces (Chinese) are cut where the limit falls.
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + "…"


def listed(items: list[str]) -> str:
    """'a, b, c' with each item kept translatable (items may be `Said`)."""
    if not items:
        return ""
    text = items[-1]
    for item in reversed(items[:-1]):
        text = said("words.comma", first=item, rest=text)
    return text


EN: dict[str, str] = {
    # Field names, as a problem names them.
    "label.image": "Start frame",
    "label.end_image": "End frame",
    "label.prompt": "Prompt",
    "label.duration": "Duration",
    "label.sound": "Sound",
    "label.shot_type": "Shot type",
    "label.multi_prompt": "Segments",
    "label.model": "Model",
    "label.request": "Request",
    "label.segment_prompt": "prompt",
    "label.segment_length": "length",
    "label.segment": "Segment {n}",
    "label.segment_part": "Segment {n} {part}",
    # Problems with a request (request.py), said before anything is sent.
    "problem.in_row": "{row} {text}",
    "problem.duration_range": "{label} must be between {low} and {high} seconds (got {value}).",
    "problem.text_empty": "{label} is empty: describe what should happen.",
    "problem.text_long": "{label} is {count} characters; the limit is {limit}.",
    "problem.http": "{label}: web addresses must start with https:// (got http://).",
    "problem.image_required": "Start frame is required: upload an image or give an https URL.",
    "problem.model_unknown": "Unknown model '{value}'; choose one of: {choices}.",
    "problem.segments_many": "Too many segments: {count}; the limit is {limit}.",
    "problem.end_and_segments": "An end frame can't be combined with segments: "
    "remove the end frame or the segments.",
    "problem.segments_sum": "Segments add up to {total} s but the clip is {clip} s: "
    "make them match.",
    "problem.model_durations_range": "{model} makes clips between {low} and {high} seconds "
    "(got {value}).",
    "problem.model_durations_list": "{model} makes clips one of {choices} seconds (got {value}).",
    "problem.model_no_sound": "{model} makes no sound: turn sound off.",
    "problem.model_no_end": "{model} takes no end frame: remove it.",
    "problem.model_no_segments": "{model} takes no segments: remove them.",
    "problem.model_shot_types": "{model} offers the shot types: {choices}.",
    "problem.required": "{label} is required.",
    "problem.unknown_field": "Unknown field '{name}'.",
    "problem.whole_seconds": "{label} must be a whole number of seconds.",
    "problem.on_off": "{label} must be on or off (true/false).",
    "problem.one_of": "{label} must be one of: {choices}.",
    "problem.text": "{label} must be text.",
    "problem.other": "{label}: {detail}.",
    "busy": "That was a lot at once: wait a few seconds and try again.",
    "words.or": "{first} or {last}",
    "words.comma": "{first}, {rest}",
    "shot.customize": "customize",
    "shot.intelligent": "intelligent",
    # Spending rules (spending.py, service.py): a generation refused before it is sent.
    "spend.byok_only": "This studio doesn't pay for generations: paste your own {provider} key "
    "under 'Your API keys', or use the free offline preview.",
    "spend.in_flight": "You have {limit} jobs in flight, the most at once here: wait for one to "
    "end (or cancel one), then press Generate again. Nothing was sent.",
    "spend.in_flight_one": "You have a job in flight, and one at a time is the most here: wait "
    "for it to end (or cancel it), then press Generate again. Nothing was sent.",
    "spend.rate": "You've started {count} generations in the last {period}, the limit here. "
    "Try again in {wait}.",
    "spend.cap": "Today's spending limit for this studio (${cap}) is reached (${spent} used; "
    "this clip would cost about ${wanted}). It resets at midnight UTC. Paste your own key, or "
    "use the free offline preview.",
    "spend.own_limit": "Your own daily limit (${limit}) would be passed: ${spent} spent today, "
    "this clip about ${wanted}. Raise it under “Your API keys”, or use the free offline preview.",
    "period.minute": "minute",
    "period.hour": "hour",
    "period.day": "day",
    "period.seconds": "{seconds} s",
    "wait.minutes": "{minutes} min",
    "wait.hours": "{hours} h",
    # Counted words (present.count_words picks .one or .other).
    "count.shots.one": "{n} shot",
    "count.shots.other": "{n} shots",
    # Stories (shots.py, story.py).
    "problem.shot": "Shot {n}: {text}",
    "problem.and": "{first} {rest}",
    "problem.timed_line": "timed prompt line {number} should read like “3: the door opens” "
    "(seconds, a colon, what happens).",
    "story.skipped": "the shot before failed",
    "story.broken": "something went wrong making the story ({folder}); see the server log.",
    "story.film_prompt": "Story of {shots}: {prompts}",
    "story.film_prompt_paid": "Story of {shots}, {money} in all: {prompts}",
}

ZH: dict[str, str] = {
    "label.image": "首帧",
    "label.end_image": "尾帧",
    "label.prompt": "提示词",
    "label.duration": "时长",
    "label.sound": "声音",
    "label.shot_type": "镜头类型",
    "label.multi_prompt": "分段",
    "label.model": "模型",
    "label.request": "请求",
    "label.segment_prompt": "提示词",
    "label.segment_length": "时长",
    "label.segment": "第 {n} 段",
    "label.segment_part": "第 {n} 段{part}",
    "problem.in_row": "{row}：{text}",
    "problem.duration_range": "{label}必须在 {low} 到 {high} 秒之间（当前为 {value}）。",
    "problem.text_empty": "{label}为空：请描述要发生的内容。",
    "problem.text_long": "{label}有 {count} 个字符；上限为 {limit}。",
    "problem.http": "{label}：网址必须以 https:// 开头（当前为 http://）。",
    "problem.image_required": "需要首帧：请上传图片或填写 https 网址。",
    "problem.model_unknown": "未知模型“{value}”；请从以下选择：{choices}。",
    "problem.segments_many": "分段太多：{count} 段；上限为 {limit} 段。",
    "problem.end_and_segments": "尾帧不能与分段同时使用：请删除尾帧或分段。",
    "problem.segments_sum": "各段时长之和为 {total} 秒，但视频时长为 {clip} 秒：请让两者一致。",
    "problem.model_durations_range": "{model} 只能生成 {low} 到 {high} 秒的视频"
    "（当前为 {value}）。",
    "problem.model_durations_list": "{model} 只能生成以下时长的视频：{choices} 秒"
    "（当前为 {value}）。",
    "problem.model_no_sound": "{model} 不生成声音：请关闭声音。",
    "problem.model_no_end": "{model} 不支持尾帧：请删除尾帧。",
    "problem.model_no_segments": "{model} 不支持分段：请删除分段。",
    "problem.model_shot_types": "{model} 支持的镜头类型：{choices}。",
    "problem.required": "需要填写{label}。",
    "problem.unknown_field": "未知字段“{name}”。",
    "problem.whole_seconds": "{label}必须是整数秒。",
    "problem.on_off": "{label}只能是开或关（true/false）。",
    "problem.one_of": "{label}必须是以下之一：{choices}。",
    "problem.text": "{label}必须是文字。",
    "problem.other": "{label}：{detail}。",
    "busy": "一下子请求太多了：请等几秒再试。",
    "words.or": "{first} 或 {last}",
    "words.comma": "{first}、{rest}",
    "shot.customize": "自定义",
    "shot.intelligent": "智能",
    "spend.byok_only": "本工作室不代付生成费用：请在“你的 API 密钥”中粘贴你自己的 {provider} "
    "密钥，或使用免费的离线预览。",
    "spend.in_flight": "你已有 {limit} 个任务在进行中，这里最多同时这么多：请等一个结束（或取消"
    "一个）后再点“生成”。什么都没有发送。",
    "spend.in_flight_one": "你已有一个任务在进行中，这里一次只能进行一个：请等它结束（或取消它）"
    "后再点“生成”。什么都没有发送。",
    "spend.rate": "你在最近{period}内已发起 {count} 次生成，已达上限。请在 {wait}后再试。",
    "spend.cap": "本工作室今日的花费上限（${cap}）已用完（已用 ${spent}；此视频约需 ${wanted}）。"
    "上限于 UTC 午夜重置。请粘贴你自己的密钥，或使用免费的离线预览。",
    "spend.own_limit": "将超过你自己的每日限额（${limit}）：今日已花费 ${spent}，此视频约 "
    "${wanted}。可在“你的 API 密钥”中提高限额，或使用免费的离线预览。",
    "period.minute": "一分钟",
    "period.hour": "一小时",
    "period.day": "一天",
    "period.seconds": "{seconds} 秒",
    "wait.minutes": "{minutes} 分钟",
    "wait.hours": "{hours} 小时",
    "count.shots.one": "{n} 个镜头",
    "count.shots.other": "{n} 个镜头",
    "problem.shot": "镜头 {n}：{text}",
    "problem.and": "{first} {rest}",
    "problem.timed_line": "定时提示词第 {number} 行应写成“3：门打开了”的样子"
    "（秒数、冒号、发生的事）。",
    "story.skipped": "上一个镜头失败了",
    "story.broken": "制作故事时出了问题（{folder}）；详情见服务器日志。",
    "story.film_prompt": "{shots}的故事：{prompts}",
    "story.film_prompt_paid": "{shots}的故事，共花费 {money}：{prompts}",
}
