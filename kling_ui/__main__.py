"""CLI: python -m kling_ui generate | models | serve | jobs ...

Progress goes to stderr; `generate` prints the saved video's path as its last stdout line.
Every failure is one line on stderr and a non-zero exit (no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from . import models, pricing
from .config import Settings, load_settings
from .errors import RESUMABLE_CODES, ConfigError, ErrorCode, InputError, KlingUIError
from .pricing import estimate, format_money
from .providers.registry import PROVIDERS, models_for
from .records import JobRecord
from .request import DURATION_DEFAULT, DURATION_MAX, DURATION_MIN, SHOT_TYPES, parse_request
from .service import OPERATOR, Studio, open_studio
from .state import JobState

EXIT_FAILED, EXIT_INPUT, EXIT_UNKNOWN, EXIT_INTERRUPTED = 1, 2, 3, 130
log = logging.getLogger("kling_ui")


def _segment(text: str) -> dict:
    seconds, sep, prompt = text.partition(":")
    if not sep or not seconds.strip().isdigit():
        raise argparse.ArgumentTypeError(
            f'segment {text!r} must look like SECONDS:PROMPT, e.g. "3:a slow push in"'
        )
    return {"duration": int(seconds), "prompt": prompt.strip()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kling_ui",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    _generate_parser(sub)
    sub.add_parser("models", help="every model per provider, with its price per second")
    _file_parsers(sub)
    sub.add_parser("serve", help="start the web studio")
    sub.add_parser(
        "doctor", help="check each configured key and balance (spends nothing, sends no job)"
    )
    _jobs_parser(sub)
    return parser


def _generate_parser(sub) -> None:
    # Bounds, defaults and prices come from request.py and the provider classes.
    surcharges = ", ".join(
        f"{pricing.sound_surcharge(name)} on {cls.label}".replace("%", "%%")
        for name, cls in PROVIDERS.items()
        if cls.needs_key
    )
    gen = sub.add_parser("generate", help="generate one video and wait for it")
    gen.add_argument("--provider", choices=sorted(PROVIDERS), default="preview")
    gen.add_argument(
        "--model",
        choices=list(models.CATALOGUE),
        default=models.DEFAULT_MODEL,
        help=f"the model (default {models.DEFAULT_MODEL}; `models` lists them with prices)",
    )
    gen.add_argument("--image", required=True, help="start frame: a file path or https URL")
    gen.add_argument("--prompt", required=True)
    gen.add_argument("--end-image", help="optional end frame: a file path or https URL")
    gen.add_argument(
        "--duration",
        type=int,
        default=DURATION_DEFAULT,
        help=f"seconds, {DURATION_MIN}-{DURATION_MAX} (default {DURATION_DEFAULT})",
    )
    gen.add_argument("--sound", action="store_true", help=f"generate sound ({surcharges})")
    gen.add_argument("--shot-type", choices=SHOT_TYPES, default=SHOT_TYPES[0])
    gen.add_argument(
        "--segment",
        type=_segment,
        action="append",
        default=[],
        metavar="SECONDS:PROMPT",
        help="a timed prompt segment (repeatable)",
    )
    gen.add_argument("--out", type=Path, help="also copy the video to this file or folder")


def _file_parsers(sub) -> None:
    batch = sub.add_parser("batch", help="generate every clip of a JSON Lines file")
    batch.add_argument("file", type=Path, help="one JSON object per line: the generate options")
    batch.add_argument("--parallel", type=int, default=2, help="clips at once (default 2)")
    batch.add_argument("--yes", action="store_true", help="don't ask before spending")
    batch.add_argument("--out", type=Path, help="folder for the videos (default: beside FILE)")

    story = sub.add_parser("story", help="generate shots in order, chained, and cut the film")
    story.add_argument("file", type=Path, help="one shot per line (JSON); see batch")
    story.add_argument("--yes", action="store_true", help="don't ask before spending")
    story.add_argument("--out", type=Path, help="folder for the shots and the film")
    story.add_argument("--crossfade", type=float, default=0.0, help="seconds (default 0)")

    stitch = sub.add_parser("stitch", help="join clips into one film")
    stitch.add_argument("clips", type=Path, nargs="+")
    stitch.add_argument("-o", "--out", type=Path, required=True)
    stitch.add_argument("--crossfade", type=float, default=0.0, help="seconds (default 0)")


def _jobs_parser(sub) -> None:
    jobs = sub.add_parser("jobs", help="list, show, resume or cancel jobs")
    jobs_sub = jobs.add_subparsers(dest="action")
    jobs_sub.add_parser("list", help="recent jobs (the default)")
    show = jobs_sub.add_parser("show", help="one job in full")
    show.add_argument("job_id")
    resume = jobs_sub.add_parser("resume", help="carry on unfinished jobs (all, or one)")
    resume.add_argument("job_id", nargs="?")
    cancel = jobs_sub.add_parser("cancel", help="cancel a job")
    cancel.add_argument("job_id")
    delete = jobs_sub.add_parser(
        "delete", help="delete jobs and their files (the spend ledger keeps what they cost)"
    )
    delete.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    spend = jobs_sub.add_parser(
        "spend", help="what was spent, per day, provider and currency (deleted jobs too)"
    )
    spend.add_argument("--csv", action="store_true", help="comma-separated, for a spreadsheet")
    _import_parser(jobs_sub)


def _import_parser(jobs_sub) -> None:
    paid = [name for name, cls in PROVIDERS.items() if cls.needs_key]
    imp = jobs_sub.add_parser(
        "import",
        help="follow a job started elsewhere (or left unknown) by its request id and save "
        "its video; submits nothing, costs nothing",
    )
    imp.add_argument("provider", choices=paid)
    imp.add_argument("request_id", help="the provider's request (task) id")
    imp.add_argument(
        "--region",
        help="the provider's site for this id (RunningHub: global or cn); default: the "
        "configured one",
    )
    imp.add_argument("--out", type=Path, help="copy the saved video here (a file or folder)")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _describe(job: JobRecord) -> str:
    if job.state == JobState.QUEUED:
        where = f" (position {job.queue_position})" if job.queue_position is not None else ""
        return f"queued{where}"
    if job.state == JobState.RUNNING and job.progress is not None:
        return f"running {job.progress:.0%}"
    return job.state


async def _follow(studio: Studio, job_id: str) -> JobRecord:
    """Print each change on stderr until the job ends."""
    started = time.monotonic()
    last_line, last_notice, shown_request = None, None, None
    async for job in studio.watch(OPERATOR, job_id):
        if job.request_id and job.request_id != shown_request:
            _say(f"request id: {job.request_id}")
            shown_request = job.request_id
        line = _describe(job)
        if line != last_line:
            _say(f"[{time.monotonic() - started:5.1f}s] {line}")
            last_line = line
        if job.notice and job.notice != last_notice:
            _say(f"note: {job.notice}")
            last_notice = job.notice
    return studio.require(OPERATOR, job_id)


def _finish(job: JobRecord, out: Path | None) -> int:
    if job.state == JobState.SUCCEEDED and job.video_path:
        path = Path(job.video_path)
        if out is not None:
            target = out / path.name if out.is_dir() else out  # --out DIR: the file inside
            shutil.copy2(path, target)
            path = target
        if job.cost is not None and job.cost > 0:
            _say(f"cost: {format_money(job.cost, job.currency)}")
        print(path, flush=True)
        return 0
    _say(f"error: job {job.id} {job.state}: {job.error_message or 'no details'}")
    hint = resume_hint(job)
    if hint:
        _say(hint)
    return EXIT_UNKNOWN if job.state == JobState.UNKNOWN else EXIT_FAILED


def resume_hint(job: JobRecord) -> str | None:
    """The operator's command for a job that resume can still carry on. A job's stored
    message is a visitor's (it says Check again); the CLI says what to type."""
    command = f"`python -m kling_ui jobs resume {job.id}`"
    if job.state == JobState.NOT_SAVED and job.error_code == ErrorCode.DISK:
        return f"free some space, then {command} saves it while the provider's link lives"
    held = job.state == JobState.NOT_SAVED and job.error_code != ErrorCode.EXPIRED
    failed = job.state == JobState.FAILED and job.error_code in RESUMABLE_CODES
    return f"{command} tries again" if held or failed else None


def _check_out(out: Path | None) -> None:
    """--out must be writable before anything is paid for (a failure after the job would
    invite a paid re-run)."""
    if out is None:
        return
    folder = out if out.is_dir() else out.parent
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        raise InputError({"out": f"--out: the folder {folder} doesn't exist or can't be written."})


async def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    _check_out(args.out)
    fields = {
        "image": args.image,
        "prompt": args.prompt,
        "end_image": args.end_image,
        "duration": args.duration,
        "sound": args.sound,
        "shot_type": args.shot_type,
        "multi_prompt": args.segment,
        "model": args.model,
    }
    request = parse_request(fields)  # bad input is said before the store is even opened
    async with open_studio(settings) as studio:
        job = await studio.generate(OPERATOR, fields, provider=args.provider)
        cost = estimate(args.provider, request.duration, request.sound, request.model)
        # The model is named only when it isn't the default: the line stays as it was.
        model = f" · {models.label(request.model)}" if request.model != models.DEFAULT_MODEL else ""
        _say(f"job {job.id} on {args.provider}{model} · {request.duration} s · {cost.text()}")
        try:
            job = await _follow(studio, job.id)
        except asyncio.CancelledError:
            _say(
                f"interrupted: job {job.id} is kept; `python -m kling_ui jobs resume "
                f"{job.id}` carries it on"
            )
            return EXIT_INTERRUPTED
        return _finish(job, args.out)


async def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    """Every model each provider runs, with its list price per second (catalogue's)."""
    rows = [["provider", "model", "label", "per second", "with sound", "currency"]]
    for provider in PROVIDERS:
        for model in models_for(provider):
            silent, sound, currency = pricing.price(provider, model)
            free = not PROVIDERS[provider].needs_key
            rows.append(
                [
                    provider,
                    model,
                    models.label(model),
                    "free" if free else f"{silent:g}",
                    "free" if free else f"{sound:g}",
                    "-" if free else currency,
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


async def cmd_jobs(args: argparse.Namespace, settings: Settings) -> int:
    actions = {
        "list": _jobs_list,
        "show": _jobs_show,
        "cancel": _jobs_cancel,
        "delete": _jobs_delete,
        "spend": _jobs_spend,
        "import": _jobs_import,
    }
    action = actions.get(args.action or "list", _jobs_resume)
    async with open_studio(settings) as studio:
        return await action(studio, args)


def _operator_job(studio: Studio, job_id: str) -> JobRecord:
    job = studio.job(OPERATOR, job_id)
    if job is None:
        raise KlingUIError(f"There is no job {job_id}.")
    return job


async def _jobs_list(studio: Studio, args: argparse.Namespace) -> int:
    for job in studio.jobs(OPERATOR, limit=50):
        prompt = job.request.get("prompt", "")[:40]
        print(
            f"{job.id}  {job.state:<10} {job.provider:<10} {job.request.get('duration')}s  {prompt}"
        )
    return 0


async def _jobs_show(studio: Studio, args: argparse.Namespace) -> int:
    for key, value in _operator_job(studio, args.job_id).public_dict().items():
        print(f"{key}: {value}")
    return 0


async def _jobs_cancel(studio: Studio, args: argparse.Namespace) -> int:
    _say(await studio.cancel(OPERATOR, _operator_job(studio, args.job_id).id))
    return 0


async def _jobs_delete(studio: Studio, args: argparse.Namespace) -> int:
    """Into the trash (restorable for a while, then gone); the spend ledger keeps them."""
    for job_id in args.job_ids:
        studio.delete(OPERATOR, _operator_job(studio, job_id).id)
        _say(f"deleted {job_id}")
    return 0


SPEND_COLUMNS = ("day", "provider", "currency", "jobs", "amount", "estimated")


async def _jobs_spend(studio: Studio, args: argparse.Namespace) -> int:
    """Per UTC day, provider and currency, from the ledger (deleted jobs included)."""
    rows = studio.spend(OPERATOR)
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(SPEND_COLUMNS)
        for r in rows:
            writer.writerow(
                [r.day, r.provider, r.currency, r.jobs, f"{r.amount:.4f}", f"{r.estimated:.4f}"]
            )
        return 0
    if not rows:
        print("Nothing spent yet.")
    for r in rows:
        money = format_money(r.amount, r.currency)
        note = f" ({format_money(r.estimated, r.currency)} of it estimated)" if r.estimated else ""
        print(f"{r.day}  {r.provider:<10} {r.jobs:>4} job(s)  {money}{note}")
    return 0


async def _jobs_resume(studio: Studio, args: argparse.Namespace) -> int:
    if args.job_id:
        job = _operator_job(studio, args.job_id)
        if not await studio.resume(OPERATOR, job.id):
            job = _operator_job(studio, job.id)
            why = f": {job.error_message}" if job.error_message else ""
            raise KlingUIError(f"Job {job.id} can't be resumed ({job.state}{why}).")
        ids = [job.id]
    else:
        ids = await studio.resume_all(OPERATOR)
        _say(f"resuming {len(ids)} job(s)")
    code = 0
    for job_id in ids:
        code = max(code, _finish(await _follow(studio, job_id), None))
    return code


async def _jobs_import(studio: Studio, args: argparse.Namespace) -> int:
    """Follow the provider's job by its id with the server's key: no submit, no charge."""
    _check_out(args.out)
    imported = await studio.import_job(OPERATOR, args.provider, args.request_id, region=args.region)
    job = imported.job
    if imported.how == "attached":
        _say(f"job {job.id} (its submit's answer was lost) is this request: following it")
    elif imported.how == "known":
        _say(f"job {job.id} already has this request id")
    else:
        _say(f"imported as job {job.id}")
    return _finish(await _follow(studio, job.id), args.out)


def _confirm(lines, yes: bool) -> None:
    """Say what the file will cost; ask once unless --yes (refuse to guess without a TTY)."""
    from .lines import totals

    sums = totals(lines)
    cost = " + ".join(format_money(a, c) for c, a in sums.items()) or "free"
    _say(f"{len(lines)} clip(s), about {cost} in all (list prices)")
    if not sums or yes:
        return
    if not sys.stdin.isatty():
        raise InputError({"yes": "This spends money: add --yes to go on without a prompt."})
    if input("Go on? [y/N] ").strip().lower() not in ("y", "yes"):
        raise InputError({"yes": "Stopped: nothing was sent."})


def _progress(total: int):
    done = [0]

    def report(outcome) -> None:
        done[0] += 1
        what = "reused" if outcome.reused else outcome.status
        _say(f"[{done[0]}/{total}] line {outcome.line}: {what}")

    return report


async def cmd_batch(args: argparse.Namespace, settings: Settings) -> int:
    from .lines import load_lines
    from .story import RESULTS

    lines = load_lines(args.file)
    out = args.out or args.file.parent / f"{args.file.stem}-videos"
    _confirm(lines, args.yes)
    async with open_studio(settings) as studio:
        outcomes = await studio.run_batch(
            OPERATOR, lines, out, parallel=args.parallel, on_done=_progress(len(lines))
        )
    for o in outcomes:
        cost = format_money(o.cost, o.currency) if o.cost else "-"
        print(f"line {o.line:>3}  {o.status:<10} {cost:>9}  {o.path or o.error}")
    print(out / RESULTS)
    return 0 if all(o.status == "succeeded" for o in outcomes) else EXIT_FAILED


async def cmd_story(args: argparse.Namespace, settings: Settings) -> int:
    from .lines import load_lines

    lines = load_lines(args.file, story=True)
    out = args.out or args.file.parent / f"{args.file.stem}-story"
    _confirm(lines, args.yes)
    async with open_studio(settings) as studio:
        outcomes, film = await studio.run_story_file(
            OPERATOR, lines, out, crossfade=args.crossfade, on_done=_progress(len(lines))
        )
    if film is None:
        failed = [o for o in outcomes if o.status != "succeeded"]
        _say(f"error: shot on line {failed[0].line} {failed[0].status}: {failed[0].error}")
        return EXIT_FAILED
    print(film)
    return 0


async def cmd_stitch(args: argparse.Namespace, settings: Settings) -> int:
    from . import stitching

    missing = [str(c) for c in args.clips if not c.is_file()]
    if missing:
        raise InputError({"clips": f"not found: {', '.join(missing)}"})
    film = await asyncio.to_thread(stitching.stitch, args.clips, args.out, crossfade=args.crossfade)
    print(film)
    return 0


async def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """One line per configured provider; exit 0 only when every one is ready."""
    async with open_studio(settings) as studio:
        reports = await studio.check_server_keys(OPERATOR)
    print("offline preview: ready (free, no key needed).")
    if not reports:
        print("No provider keys are set: only the offline preview is available.")
        return 0
    for report in reports:
        print(("ok    " if report.ready else "FIX   ") + report.message)
    return 0 if all(r.ready for r in reports) else EXIT_FAILED


def _with_hint(exc: KlingUIError) -> str:
    """The CLI is the operator's: it may name settings the web page never shows."""
    return exc.operator_message or exc.user_message


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = load_settings()
        if args.command == "serve":
            from .server import main as serve  # imports Gradio: only when serving

            serve()
            return 0
        commands = {
            "generate": cmd_generate,
            "models": cmd_models,
            "jobs": cmd_jobs,
            "doctor": cmd_doctor,
            "batch": cmd_batch,
            "story": cmd_story,
            "stitch": cmd_stitch,
        }
        command = commands[args.command]
        return asyncio.run(command(args, settings))
    except InputError as exc:
        # The operator's words when there are (they may name a path); a batch has one
        # line per bad line.
        problems = [exc.operator_message] if exc.operator_message else exc.problems.values()
        for problem in problems:
            _say(f"error: {problem}")
        return EXIT_INPUT
    except ConfigError as exc:
        _say(f"error: {_with_hint(exc)}")
        return EXIT_INPUT
    except KlingUIError as exc:
        _say(f"error: {_with_hint(exc)}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say(
            "interrupted: unfinished jobs are kept; `python -m kling_ui jobs resume` carries "
            "them on"
        )
        return EXIT_INTERRUPTED
    except Exception as exc:  # unexpected: one line for the user, the traceback for the log
        log.debug("unexpected error", exc_info=True)
        _say(f"error: unexpected {type(exc).__name__}: {exc} (run with -v for details)")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
