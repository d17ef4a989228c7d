"""Words for failures a visitor can act on: which input a content check refused, whether it
was charged, and why a job waits in this app's queue (see lang.py; rules in refusals.py and
slots.py)."""

EN: dict[str, str] = {
    "failures.refused_prompt": "{provider}'s content check refused the prompt.",
    "failures.refused_start_frame": "{provider}'s content check refused the start frame.",
    "failures.refused_end_frame": "{provider}'s content check refused the end frame.",
    "failures.refused_frames": "{provider}'s content check refused a frame (start or end; "
    "it didn't say which).",
    "failures.refused_audio": "{provider}'s content check refused the audio it generated.",
    "failures.refused_input": "{provider}'s content check refused this job (it didn't say "
    "which input).",
    "failures.refused_not_charged": "Refused before it started: nothing was created, you "
    "were not charged.",
    "failures.refused_may_be_charged": "Refused after {provider} started it: it may have "
    "been charged, see your {provider} usage page.",
    "failures.refused_not_again": "It is not sent again automatically: the same input would "
    "be refused again. Change it and generate again.",
    "failures.waiting_for_slot": "Waiting in this app's queue: {provider} is already running "
    "as many of your jobs as your plan allows. It is sent when one of them ends; not sent "
    "yet, not charged.",
    "failures.provider_said": "{provider} said",
    "failures.waiting_label": "Waiting in our queue",
    # The core's words for these failures (providers/*.py, run.py), kept in the store in
    # English and read back into these templates (lang.say_text): keep them the same words.
    "failures.rc_content": "RunComfy's content check refused the request{detail}",
    "failures.rh_real_person": "RunningHub's content check refused a photorealistic real "
    "person{detail}",
    "failures.rh_content": "RunningHub's content check refused the request{detail}",
    "failures.rh_task_refused": "RunningHub's content check refused the task.{detail}",
    "failures.rh_task_retry": "The generation failed on RunningHub; trying again may work.{detail}",
    "failures.rh_task_failed": "RunningHub reported that the task failed.{detail}",
    "failures.rh_no_video": "RunningHub marked the task finished (SUCCESS) but sent no video. "
    "It may have been charged: see your RunningHub task list.",
    "failures.rc_failed": "RunComfy reported that the job failed.",
    "failures.rc_no_video": "RunComfy marked the job completed but sent no video. It may have "
    "been charged: see your RunComfy usage page.",
    "failures.rc_completed_failure": "RunComfy marked the job completed, with a failure: {message}",
    "failures.rc_not_yet": "RunComfy finished the job but its result isn't there yet (HTTP "
    "{status}); asking again.",
}
ZH: dict[str, str] = {
    "failures.refused_prompt": "{provider} 的内容审核拒绝了提示词。",
    "failures.refused_start_frame": "{provider} 的内容审核拒绝了首帧图片。",
    "failures.refused_end_frame": "{provider} 的内容审核拒绝了尾帧图片。",
    "failures.refused_frames": "{provider} 的内容审核拒绝了一张帧图片"
    "（首帧或尾帧，未说明是哪一张）。",
    "failures.refused_audio": "{provider} 的内容审核拒绝了它生成的音频。",
    "failures.refused_input": "{provider} 的内容审核拒绝了此任务（未说明是哪一项输入）。",
    "failures.refused_not_charged": "在开始前即被拒绝：未创建任务，没有扣费。",
    "failures.refused_may_be_charged": "{provider} 开始生成后才拒绝：可能已扣费，请查看 "
    "{provider} 的用量页面。",
    "failures.refused_not_again": "不会自动重新提交：相同的输入还会被拒绝。请修改后再生成。",
    "failures.waiting_for_slot": "正在本应用的队列中等待：{provider} 已在运行你的套餐所允许的"
    "最多任务数。其中一个结束后即提交；尚未发送，未扣费。",
    "failures.provider_said": "{provider} 原话",
    "failures.waiting_label": "在本应用队列中等待",
    "failures.rc_content": "RunComfy 的内容审核拒绝了请求{detail}",
    "failures.rh_real_person": "RunningHub 的内容审核拒绝了写实真人图像{detail}",
    "failures.rh_content": "RunningHub 的内容审核拒绝了请求{detail}",
    "failures.rh_task_refused": "RunningHub 的内容审核拒绝了这个任务。{detail}",
    "failures.rh_task_retry": "在 RunningHub 上生成失败；再试一次可能会成功。{detail}",
    "failures.rh_task_failed": "RunningHub 报告任务失败。{detail}",
    "failures.rh_no_video": "RunningHub 标记任务已完成（SUCCESS），但没有发来视频。可能已扣费："
    "请查看你的 RunningHub 任务列表。",
    "failures.rc_failed": "RunComfy 报告任务失败。",
    "failures.rc_no_video": "RunComfy 标记任务已完成，但没有发来视频。可能已扣费：请查看你的 "
    "RunComfy 用量页面。",
    "failures.rc_completed_failure": "RunComfy 标记任务已完成，但带有失败：{message}",
    "failures.rc_not_yet": "RunComfy 已完成任务，但结果还没准备好（HTTP {status}）；正在重新询问。",
}
