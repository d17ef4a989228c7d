"""Words of "Add a job by its id" (History) and of the key's site, built on the server."""

EN: dict[str, str] = {
    "import.new": "Added as job {job}: it is followed here and its video saved when ready "
    "(nothing was submitted).",
    "import.attached": "This is job {job}, whose submit's answer was lost: it is followed "
    "again and its video saved when ready (nothing was submitted).",
    "import.known": "Job {job} already has this request id: it is followed as before.",
    "import.type_key": "Type your {provider} key under “Your API keys” in the Studio tab "
    "first (nothing was sent).",
    "import.bad_id": "“{request_id}” is not a {provider} request id: copy it again from "
    "{provider} (nothing was sent).",
    "import.not_found": "{provider} has no job with the request id {request_id} for this "
    "key (or it has expired): nothing was added.",
    "import.too_many": "Too many key checks and imports from here: wait a minute, then try again.",
    "key.other_site": "⚠ {provider} refused this key on the {asked}, but the {site} takes "
    "it: choose that site beside your key.",
    "site.global": "international site (runninghub.ai)",
    "site.cn": "China site (runninghub.cn)",
}
ZH: dict[str, str] = {
    "import.new": "已添加为任务 {job}：本页会跟进，视频完成后自动保存（没有提交新任务）。",
    "import.attached": "这就是提交回应丢失的任务 {job}：已重新跟进，视频完成后自动保存"
    "（没有提交新任务）。",
    "import.known": "任务 {job} 已有这个请求 ID：照常跟进。",
    "import.type_key": "请先在“工作室”页的“你的 API 密钥”中填写你的 {provider} 密钥"
    "（尚未发送任何内容）。",
    "import.bad_id": "“{request_id}”不是 {provider} 的请求 ID：请从 {provider} 重新复制"
    "（尚未发送任何内容）。",
    "import.not_found": "{provider} 上没有这个密钥下请求 ID 为 {request_id} 的任务"
    "（或已过期）：未添加任何内容。",
    "import.too_many": "此处检查密钥和导入的次数过多：请等一分钟再试。",
    "key.other_site": "⚠ {provider} 的{asked}不接受这个密钥，但{site}接受：请在密钥旁选择该站点。",
    "site.global": "国际站（runninghub.ai）",
    "site.cn": "中国站（runninghub.cn）",
}
