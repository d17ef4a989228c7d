"""The exception tree; every error carries a message a non-technical user can act on.

    KlingUIError                       user_message; base of everything we raise on purpose
    ├── ConfigError                    a setting or key is missing or wrong
    ├── InputError                     the request breaks a rule (field, message); nothing was sent
    ├── MediaError                     a video file is missing, broken or not what was asked
    ├── ProviderError                  talking to a provider went wrong
    │   ├── ProviderConnectionError    network failure or timeout (transient)
    │   ├── ProviderHTTPError          non-2xx answer or business error code (status, code, body)
    │   │   ├── AuthError              bad, expired or unauthorised key
    │   │   ├── InsufficientFundsError balance or quota exhausted
    │   │   ├── RateLimitError         429 / rate limit; retry after `retry_after` (transient)
    │   │   ├── ConcurrencyLimitError  too many running jobs; no job was created
    │   │   ├── NotFoundError          unknown or expired request id / result
    │   │   ├── ContentRejectedError   moderation refused the input
    │   │   ├── ServerError            5xx or provider-side failure (transient)
    │   │   └── UnknownCodeError       a code we don't know (transient, up to a limit)
    │   ├── BadResponseError           the answer was not what the protocol promises (transient)
    │   └── UntrustedResultURL         a result link points outside the provider's own hosts
    └── JobError                       a job stopped without a video; `state` says where
        ├── SubmitOutcomeUnknown       the submit may or may not have created a (paid) job
        ├── JobFailed                  the provider (or this app) reported failure
        ├── JobTimedOut                the overall deadline passed
        ├── JobCanceled                the job was canceled
        ├── ResultNotSaved             finished upstream, the download failed: retry later
        └── KeyNeeded                  the provider job needs a key this server doesn't keep

`transient` marks errors worth retrying on *idempotent* calls (status, result, download).
A paid submit is never retried on a transient error: see run.py.
"""

from __future__ import annotations

from typing import ClassVar

from .state import JobState


class KlingUIError(Exception):
    """Base error: `user_message` is safe to show to anyone (never contains keys)."""

    transient = False
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
    """Something went wrong talking to a provider."""


class ProviderConnectionError(ProviderError):
    """Network failure or timeout. `request_sent` is False only when no connection was made;
    otherwise the request may or may not have arrived."""

    transient = True

    def __init__(self, user_message: str, *, request_sent: bool = True) -> None:
        super().__init__(user_message)
        self.request_sent = request_sent


class ProviderHTTPError(ProviderError):
    """The provider answered with an error (HTTP status or business error code)."""

    def __init__(
        self,
        user_message: str,
        *,
        status_code: int,
        code: str | None = None,
        body: str = "",
    ) -> None:
        super().__init__(user_message)
        self.status_code = status_code
        self.code = code
        # Keep the body short: it is for logs and bug reports, not for users.
        self.body = body[:500]


class AuthError(ProviderHTTPError):
    """The key is missing, wrong, expired or not allowed to do this."""


class InsufficientFundsError(ProviderHTTPError):
    """The account's balance or quota is exhausted."""


class RateLimitError(ProviderHTTPError):
    """Too many requests; `retry_after` seconds is the provider's hint, when it gave one."""

    transient = True

    def __init__(self, user_message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(user_message, **kw)
        self.retry_after = retry_after


class ConcurrencyLimitError(RateLimitError):
    """Too many jobs running for this account: the submit was refused, no job exists."""


class NotFoundError(ProviderHTTPError):
    """The request id or result is unknown or has expired."""


class ContentRejectedError(ProviderHTTPError):
    """The provider's moderation refused the input."""


class ServerError(ProviderHTTPError):
    """The provider failed on its side (5xx or an internal error code)."""

    transient = True


class UnknownCodeError(ProviderHTTPError):
    """A business code this app doesn't know: asked again, up to `retry_limit` times."""

    transient = True

    def __init__(self, user_message: str, *, retry_limit: int = 20, **kw) -> None:
        super().__init__(user_message, **kw)
        self.retry_limit = retry_limit


class BadResponseError(ProviderError):
    """The answer did not match the provider's protocol (malformed JSON, missing fields)."""

    transient = True


class UntrustedResultURL(ProviderError):
    """The provider's result link is not on its own hosts, so it was not fetched."""

    def __init__(self, user_message: str, *, url: str) -> None:
        super().__init__(user_message)
        self.url = url


class JobError(KlingUIError):
    """A job stopped without a video. `state` is where it ends (see state.py); `code` is a
    short machine-readable reason kept with the job."""

    state: ClassVar[JobState] = JobState.FAILED

    def __init__(self, user_message: str, *, code: str | None = None) -> None:
        super().__init__(user_message)
        self.code = code


class SubmitOutcomeUnknown(JobError):
    """The submit was sent but its answer was lost: a paid job may exist."""

    state = JobState.UNKNOWN

    def __init__(self, user_message: str, *, code: str | None = "submit_unknown") -> None:
        super().__init__(user_message, code=code)


class JobFailed(JobError):
    """The provider reported that the generation failed (or this app could not go on)."""


class JobTimedOut(JobError):
    """The job's overall deadline passed before it finished."""

    def __init__(self, user_message: str, *, code: str | None = "timeout") -> None:
        super().__init__(user_message, code=code)


class JobCanceled(JobError):
    """The job was canceled."""

    state = JobState.CANCELED


class ResultNotSaved(JobError):
    """The provider finished (and charged) the job, but its video could not be saved yet."""

    state = JobState.NOT_SAVED

    def __init__(self, user_message: str, *, code: str | None = "download") -> None:
        super().__init__(user_message, code=code)


class KeyNeeded(JobError):
    """The job runs on a key this server never stores; its owner must offer it again."""

    state = JobState.WAITING_FOR_KEY

    def __init__(self, user_message: str, *, code: str | None = "key_needed") -> None:
        super().__init__(user_message, code=code)
