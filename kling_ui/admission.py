"""Admission: everything between "Generate" and a stored job, refused or admitted once.

Checks run in the order that costs least: the provider's own rules, the deployment's
spending rules, the account's balance (a free request), and only then the frames (decoding
them is the dearest part for this server: a refused visitor must not cost a decode). The
spending rules run once more, atomically with storing the job. An identical request from the
same owner within seconds shares the first one's job. Nothing is stored or sent before all
pass.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable

from . import pricing
from .config import Settings
from .dedupe import RecentRequests, request_key
from .errors import InputError, KlingUIError
from .frames import discard_inputs, keep_inputs
from .keyprints import KeyPrints
from .keys import resolve_key
from .providers.base import Account, Inputs, Provider
from .request import GenerationRequest
from .spending import SpendingGuard, SpendingRefused
from .state import JobState
from .store import JobRecord, JobStore

log = logging.getLogger(__name__)
BALANCE_FRESH = 30.0  # seconds a balance read before a submit is reused

ENDED_WITHOUT_VIDEO = frozenset({JobState.FAILED, JobState.CANCELED})
Admitted = tuple[JobRecord, Provider | None, Inputs | None]


class Admission:
    """Decides whether a request becomes a job; the manager starts what it admits."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        keyprints: KeyPrints,
        make_provider: Callable[..., Provider],
        prepare: Callable[[GenerationRequest, Provider], Awaitable[Inputs]],
    ) -> None:
        self.settings = settings
        self.store = store
        self.keyprints = keyprints
        self.make_provider = make_provider
        self.prepare = prepare
        self.guard = SpendingGuard(settings)
        self._recent = RecentRequests()
        # Balances read before paid submits, by (provider, key fingerprint): (when, account).
        self._balances: dict[tuple[str, str | None], tuple[float, Account | None]] = {}

    async def admit(
        self,
        request: GenerationRequest,
        *,
        provider: str,
        owner: str,
        api_key: str | None,
        visitor: bool,
        caller: str | None,
        dedupe: bool,
        region: str | None = None,
    ) -> Admitted:
        """A new job with its provider and frames (to start), or the twin's job (None, None).

        `visitor` applies the deployment's spending rules (SpendingRefused before anything is
        stored or sent); the operator's CLI is not a visitor. With `dedupe`, the same request
        from the same owner within a few seconds returns the first job instead of paying
        twice (a batch that wants two takes of one line turns it off).
        """
        site = {"region": region}
        if not dedupe:
            return await self._admit(request, provider, owner, api_key, visitor, caller, **site)
        key = await request_key(owner, provider, request, self.keyprints.of(provider, api_key))
        # No await between looking and registering: simultaneous twins see each other.
        first = self._recent.find(key)
        if first is not None and not self._ended_without_video(first):
            log.info("an identical request from the same owner is already in; sharing it")
            return await asyncio.shield(first), None, None
        future = self._recent.add(key)
        try:
            admitted = await self._admit(request, provider, owner, api_key, visitor, caller, **site)
        except BaseException as exc:
            self._recent.fail(key, future, exc)
            raise
        future.set_result(admitted[0])
        return admitted

    def _ended_without_video(self, first: asyncio.Future[JobRecord]) -> bool:
        """The twin already failed or was canceled: asking again is a Retry, not a
        double click, so it is a new job."""
        if not first.done() or first.cancelled() or first.exception() is not None:
            return False
        job = self.store.get(first.result().id)
        return job is not None and job.state in ENDED_WITHOUT_VIDEO

    async def _admit(
        self,
        request: GenerationRequest,
        provider: str,
        owner: str,
        api_key: str | None,
        visitor: bool,
        caller: str | None,
        region: str | None = None,
    ) -> Admitted:
        chosen = self.make_provider(provider, api_key, request.model, region)
        chosen.check(request)
        estimate = pricing.estimate(provider, request.duration, request.sound, request.model)
        key = resolve_key(provider, api_key, self.settings)

        def spending_rules(db: sqlite3.Connection) -> None:
            if visitor:
                self.guard.check(
                    db,
                    provider=provider,
                    owner=owner,
                    caller=caller,
                    server_key_fingerprint=self.keyprints.of(
                        provider, self.settings.server_key(provider)
                    ),
                    uses_server_key=chosen.needs_key and not (key and key.offered),
                    estimate=estimate,
                )

        # Early, and only reading (no write lock): a refused visitor costs no decode. The
        # check that counts is the one in the admitting transaction, below.
        with self.store.snapshot() as db:
            spending_rules(db)
        await self._check_balance(chosen, provider, api_key, estimate)
        inputs = await self.prepare(request, chosen)  # bad frames: refused, nothing sent
        job_id = uuid.uuid4().hex[:12]
        request = await asyncio.to_thread(
            keep_inputs, self.settings.inputs_dir, job_id, request, inputs
        )
        paid = key is not None and chosen.needs_key  # the key a resume must match later
        job = JobRecord(
            id=job_id,
            owner=owner,
            provider=provider,
            model=request.model,
            request=request.public_dict(),
            cost_estimate=estimate.amount,
            currency=estimate.currency,
            key_fingerprint=self.keyprints.of(provider, key.value) if paid else None,
            caller=caller,
            site=region,
        )
        # Again, in one transaction (store.admit): simultaneous requests can't all pass a limit.
        try:
            self.store.admit(job, spending_rules)
        except SpendingRefused:
            discard_inputs(self.settings.inputs_dir, job_id)
            raise
        log.info("job %s: stored, submitting to %s", job.id, provider)
        return job, chosen, inputs

    async def _check_balance(
        self, chosen: Provider, name: str, api_key: str | None, estimate: pricing.Estimate
    ) -> None:
        """Refuse before anything is stored or sent when the account clearly can't pay.
        A balance that can't be read (network, no such endpoint, another currency) lets the
        job go on: the provider has the last word."""
        if not chosen.needs_key or estimate.amount <= 0:
            return
        key = resolve_key(name, api_key, self.settings)
        cache_key = (name, self.keyprints.of(name, key.value if key else None))
        cached = self._balances.get(cache_key)
        if cached is not None and time.monotonic() - cached[0] < BALANCE_FRESH:
            account = cached[1]
        else:
            try:
                account = await chosen.account()
            except KlingUIError as exc:
                log.info("balance not read for %s (%s); going on", name, type(exc).__name__)
                return
            self._balances[cache_key] = (time.monotonic(), account)
        if (
            account is None
            or account.balance is None
            or account.currency != estimate.currency
            or account.balance >= estimate.amount
        ):
            return
        have = pricing.format_money(account.balance, account.currency)
        need = pricing.format_money(estimate.amount, estimate.currency)
        raise InputError(
            {
                "provider": f"Your {chosen.label} balance is {have}; this clip costs about "
                f"{need}. Top up, or choose a shorter clip or no sound."
            }
        )
