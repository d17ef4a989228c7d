"""A provider's error answers as typed errors: one ordered table per adapter, first match wins.

Each adapter reads its own wire (where the code and the words are) into an ErrorAnswer once,
and keeps every meaning it knows in one table of ErrorRules: a new code is one row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import ContentRejectedError, ErrorCode, ProviderHTTPError
from ..refusals import Refused, refused_input


@dataclass(frozen=True)
class ErrorAnswer:
    """An answer that is not a success, as its adapter read it from the wire."""

    status: int  # the HTTP status, or the one the provider's business code stands for
    code: str | None  # the provider's own code, as it sent it
    message: str  # the provider's own words, redacted and cut short ("" when none)
    body: str  # the redacted body, for logs and bug reports
    retry_after: float | None = None  # the Retry-After header, in seconds

    def words(self) -> dict[str, str]:
        """What a rule's words may name: {detail}, {detail_or_status}, {status}, {code}."""
        detail = f": {self.message}" if self.message else ""
        return {
            "detail": detail,
            "detail_or_status": detail or f" (HTTP {self.status})",
            "status": str(self.status),
            "code": self.code or "",
        }


@dataclass(frozen=True)
class ErrorRule:
    """One row: the answers it matches (any of its codes, statuses, a 5xx, or its test) and
    the error it raises, in words that may name the answer's parts (ErrorAnswer.words)."""

    error: type[ProviderHTTPError]
    says: str
    codes: frozenset[str] = frozenset()
    statuses: frozenset[int] = frozenset()
    server_side: bool = False  # any 5xx status matches too
    test: Callable[[ErrorAnswer], bool] | None = None
    retry_hint: bool = False  # hand the provider's Retry-After on (limits only)
    operator: str | None = None  # for whoever runs the server; may also name {key_env}
    code: ErrorCode | None = None  # when the class's own kind says too little
    refused: Refused | None = None  # the input a content refusal means when its words don't

    def matches(self, answer: ErrorAnswer) -> bool:
        return (
            answer.code in self.codes
            or answer.status in self.statuses
            or (self.server_side and answer.status >= 500)
            or (self.test is not None and self.test(answer))
        )

    def error_for(self, answer: ErrorAnswer, key_env: str | None) -> ProviderHTTPError:
        words = answer.words()
        error = self.error(
            self.says.format(**words),
            status_code=answer.status,
            provider_code=answer.code,
            body=answer.body,
            retry_after=answer.retry_after if self.retry_hint else None,
            code=self.code,
        )
        error.provider_text = answer.message
        if isinstance(error, ContentRejectedError):
            error.refused = refused_input(answer.message, default=self.refused)
        if self.operator is not None:
            error.for_operator(self.operator.format(key_env=key_env, **words))
        return error


def anything(_: ErrorAnswer) -> bool:
    """The test of a table's last row, which takes whatever no other row did."""
    return True


def error_for(
    rules: Sequence[ErrorRule], answer: ErrorAnswer, key_env: str | None
) -> ProviderHTTPError:
    """The error the first matching rule makes. Tables end with a rule that tests `anything`."""
    rule = next(rule for rule in rules if rule.matches(answer))
    return rule.error_for(answer, key_env)
