"""The exception tree and the codes it speaks; every error carries a message a non-technical
user can act on.

    KlingUIError                      user_message, code (ErrorCode); base of what we raise
    ├── ConfigError                   a setting or key is missing or wrong
    ├── InputError                    the request breaks a rule (field, message); nothing sent
    ├── MediaError                    a video file is missing, broken or not what was asked
    ├── ProviderError                 talking to a provider went wrong; also provider_code
    │   │                             (its own code, a wire fact), retry_after, retry_limit
    │   │                             and may_have_charged (may a paid job exist after it?)
    │   ├── ProviderConnectionError   network failure or timeout (transient)      connect
    │   ├── ProviderHTTPError         an error answer (HTTP status or code)       refused
    │   │   ├── AuthError             bad, expired or unauthorised key            auth
    │   │   ├── InsufficientFundsError  balance or quota exhausted                funds
    │   │   ├── RateLimitError        429 / rate limit; nothing created (trans.)  limit
    │   │   │   └── ConcurrencyLimitError  too many running jobs                  limit
    │   │   ├── NotFoundError         unknown or expired request id / result      not_found
    │   │   ├── ContentRejectedError  moderation refused the input                content_rejected
    │   │   ├── ServerError           5xx or provider-side failure (transient)    server
    │   │   └── UnknownCodeError      a code we don't know (trans., to a limit)   unknown_code
    │   ├── BadResponseError          not what the protocol promises (transient)  bad_response
    │   └── UntrustedResultURL        a result link outside the provider's hosts  untrusted_host
    └── JobError                      a job stopped without a video; `state` says where, `code`
        │                             why, `provider_code` the provider's own reason
        ├── SubmitOutcomeUnknown      the submit may or may not have created a (paid) job
        ├── JobFailed                 the provider (or this app) reported failure
        ├── JobTimedOut               the overall deadline passed
        ├── JobCanceled               the job was canceled
        └── ResultNotSaved            finished upstream, the download failed: retry later

`transient` marks errors worth retrying on *idempotent* calls (status, result, download).
A paid submit is never retried on a transient error: `may_have_charged` says whether a job
may exist after it (see run.py). Only a limit refusal (nothing created) is sent again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from .state import JobState


class ErrorCode(StrEnum):
    """This app's word for what went wrong: what resume, retries and the page decide on.

    The values are kept in the job store's `error_code` column and shown by the API: never
    rename one (old databases must still read). A provider's own code (RunningHub's "1505",
    RunComfy's "400002") is a wire fact kept beside it as `provider_code`; the store keeps
    that one instead when the provider gave it, as it always has.
    """

    # How a job ended, as this app records it.
    INTERNAL = "internal"  # a bug or lost frames: details in the server log
    PREPARE = "prepare"  # building the submit (uploading frames) failed: nothing was sent
    CONNECT = "connect"  # no connection: nothing was sent (a network failure, as an error)
    SUBMIT_UNKNOWN = "submit_unknown"  # the submit's answer was lost: it may be charged
    LIMIT = "limit"  # rate or concurrency limits refused the submit until the deadline
    STATUS = "status"  # a status check was refused for good
    GENERATION_FAILED = "generation_failed"  # the provider says the generation failed
    TIMEOUT = "timeout"  # no result before the job's deadline
    DOWNLOAD = "download"  # finished upstream, the download failed
    EXPIRED = "expired"  # finished upstream, the result link expired first
    DISK = "disk"  # finished upstream, the video couldn't be written here
    UNTRUSTED_HOST = "untrusted_host"  # the result link points outside the provider
    BAD_VIDEO = "bad_video"  # the saved file is not a playable video
    KEY_NEEDED = "key_needed"  # waiting for a key this server doesn't keep
    INTERRUPTED = "interrupted"  # the app stopped before the job was sent: nothing charged
    # What kind of refusal a provider answered with (the ProviderError classes).
    REFUSED = "refused"
    AUTH = "auth"
    FUNDS = "funds"
    NOT_FOUND = "not_found"
    CONTENT_REJECTED = "content_rejected"
    SERVER = "server"
    UNKNOWN_CODE = "unknown_code"
    BAD_RESPONSE = "bad_response"
    # A content check refused one input (refusals.py): stored instead of the provider's
    # code, which stays in the message, because the page says which input in words.
    REFUSED_PROMPT = "refused_prompt"
    REFUSED_START_FRAME = "refused_start_frame"
    REFUSED_END_FRAME = "refused_end_frame"
    REFUSED_FRAMES = "refused_frames"  # a frame, the provider didn't say which
    REFUSED_AUDIO = "refused_audio"  # refused after the render (the audio it made)
    REFUSED_INPUT = "refused_input"  # the provider didn't say which input
    # An active job waiting in this app's queue: the account runs as many jobs as its plan
    # allows (learned from the provider's refusal, slots.py). Not sent, not charged.
    WAITING_FOR_SLOT = "waiting_for_slot"


# Endings that prove nothing reached the provider: not charged.
NOTHING_SENT_CODES = frozenset({ErrorCode.CONNECT, ErrorCode.PREPARE, ErrorCode.INTERRUPTED})
# Failed jobs that still have a live provider job behind them: resume may look again.
RESUMABLE_CODES = frozenset(
    {ErrorCode.TIMEOUT, ErrorCode.DOWNLOAD, ErrorCode.INTERNAL, ErrorCode.UNTRUSTED_HOST}
)


class KlingUIError(Exception):
    """Base error: `user_message` is safe to show to anyone (never contains keys); `code`
    is this app's word for it, when it has one."""

    transient = False
    code: ErrorCode | None = None
    # The same news for whoever runs the server, naming settings (the CLI shows it); the
    # web page never does: a visitor can't set the server's environment.
    operator_message: str | None = None

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message

    def for_operator(self, message: str) -> KlingUIError:
        self.operator_message = message
        return self


class ConfigError(KlingUIError):
    """A setting is missing or invalid."""


class InputError(KlingUIError):
    """The request breaks a rule; `problems` maps each field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))

    @property
    def field(self) -> str:
        return next(iter(self.problems))


class MediaError(KlingUIError):
    """A video could not be read, written or does not match the request."""


class ProviderError(KlingUIError):
    """Something went wrong talking to a provider.

    `code` is the kind (one per class, see the tree above); `provider_code` the provider's
    own code as it sent it; `retry_after` its hint in seconds; `retry_limit` how many times
    in a row this may be asked again; `may_have_charged` whether a paid job may exist after
    a submit that ended this way (its answer was lost), so it must never be sent again.
    """

    code: ErrorCode | None = None
    may_have_charged = False
    retry_limit: int | None = None

    def __init__(
        self,
        user_message: str,
        *,
        provider_code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(user_message)
        self.provider_code = provider_code
        self.retry_after = retry_after


class ProviderConnectionError(ProviderError):
    """Network failure or timeout. `request_sent` is False only when no connection was made;
    otherwise the request may or may not have arrived."""

    transient = True
    code = ErrorCode.CONNECT

    def __init__(self, user_message: str, *, request_sent: bool = True) -> None:
        super().__init__(user_message)
        self.request_sent = request_sent
        self.may_have_charged = request_sent


class ProviderHTTPError(ProviderError):
    """The provider answered with an error (HTTP status or business error code)."""

    code = ErrorCode.REFUSED

    def __init__(
        self,
        user_message: str,
        *,
        status_code: int,
        provider_code: str | None = None,
        body: str = "",
        retry_after: float | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(user_message, provider_code=provider_code, retry_after=retry_after)
        self.status_code = status_code
        # The provider's own words (redacted), which say which input a refusal is about.
        self.provider_text = ""
        if code is not None:  # a refusal that says more than its class (generation failed)
            self.code = code
        # Keep the body short: it is for logs and bug reports, not for users.
        self.body = body[:500]


class AuthError(ProviderHTTPError):
    """The key is missing, wrong, expired or not allowed to do this."""

    code = ErrorCode.AUTH


class InsufficientFundsError(ProviderHTTPError):
    """The account's balance or quota is exhausted."""

    code = ErrorCode.FUNDS


class RateLimitError(ProviderHTTPError):
    """Too many requests; `retry_after` seconds is the provider's hint, when it gave one.
    Nothing was created: a refused submit may be sent again after a wait."""

    transient = True
    code = ErrorCode.LIMIT


class ConcurrencyLimitError(RateLimitError):
    """Too many jobs running for this account: the submit was refused, no job exists."""


class NotFoundError(ProviderHTTPError):
    """The request id or result is unknown or has expired."""

    code = ErrorCode.NOT_FOUND


class ContentRejectedError(ProviderHTTPError):
    """The provider's moderation refused the input."""

    code = ErrorCode.CONTENT_REJECTED
    refused: str | None = None  # which input (refusals.Refused), when the answer says


class ServerError(ProviderHTTPError):
    """The provider failed on its side (5xx or an internal error code)."""

    transient = True
    code = ErrorCode.SERVER
    may_have_charged = True


class UnknownCodeError(ProviderHTTPError):
    """A business code this app doesn't know: asked again, up to `retry_limit` times."""

    transient = True
    code = ErrorCode.UNKNOWN_CODE
    may_have_charged = True
    retry_limit = 20


class BadResponseError(ProviderError):
    """The answer did not match the provider's protocol (malformed JSON, missing fields)."""

    transient = True
    code = ErrorCode.BAD_RESPONSE
    may_have_charged = True


class UntrustedResultURL(ProviderError):
    """The provider's result link is not on its own hosts, so it was not fetched."""

    code = ErrorCode.UNTRUSTED_HOST

    def __init__(self, user_message: str, *, url: str) -> None:
        super().__init__(user_message)
        self.url = url


class JobError(KlingUIError):
    """A job stopped without a video. `state` is where it ends (see state.py); `code` is
    this app's reason and `provider_code` the provider's own, when it gave one."""

    state: ClassVar[JobState] = JobState.FAILED

    def __init__(
        self,
        user_message: str,
        *,
        code: ErrorCode | None = None,
        provider_code: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.code = code
        self.provider_code = provider_code

    @property
    def stored_code(self) -> str | None:
        """What the store's `error_code` keeps: the provider's own code when it gave one
        (the detail a support ticket needs), else this app's."""
        return self.provider_code or self.code


class SubmitOutcomeUnknown(JobError):
    """The submit was sent but its answer was lost: a paid job may exist."""

    state = JobState.UNKNOWN

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message, code=ErrorCode.SUBMIT_UNKNOWN)


class JobFailed(JobError):
    """The provider reported that the generation failed (or this app could not go on)."""


class JobRefused(JobFailed):
    """A content check refused an input (`code` says which: refusals.py). Never sent again
    automatically: the same input would be refused again (and may be charged again)."""

    @property
    def stored_code(self) -> str | None:
        # The page says which input from this code; the provider's code is in the message.
        return self.code


class JobTimedOut(JobError):
    """The job's overall deadline passed before it finished."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message, code=ErrorCode.TIMEOUT)


class JobCanceled(JobError):
    """The job was canceled."""

    state = JobState.CANCELED


class ResultNotSaved(JobError):
    """The provider finished (and charged) the job, but its video could not be saved yet."""

    state = JobState.NOT_SAVED

    def __init__(self, user_message: str, *, code: ErrorCode = ErrorCode.DOWNLOAD) -> None:
        super().__init__(user_message, code=code)
