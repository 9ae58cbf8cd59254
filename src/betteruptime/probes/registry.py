"""Which probe checks which monitor kind, for a worker."""

from __future__ import annotations

from datetime import UTC, datetime

from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.messages import CheckJob, CheckResult, MonitorKind
from betteruptime.probes.base import Probe
from betteruptime.probes.dns import DnsProbe
from betteruptime.probes.domain import DomainProbe, WithDomainExpiry
from betteruptime.probes.http import HttpProbe
from betteruptime.probes.http_certificate import HttpWithCertificate
from betteruptime.probes.multistep import MultistepProbe
from betteruptime.probes.ping import PingProbe
from betteruptime.probes.rdap import IANA_BOOTSTRAP_URL, RdapClient
from betteruptime.probes.tcp import TcpProbe
from betteruptime.probes.tls import TlsProbe


class Probes:
    """Dispatches each job to the probe for its monitor kind.

    A kind without a probe here (a worker older than the monitor, or `heartbeat`,
    which is never probed) gets a down result saying so, rather than an exception.
    """

    def __init__(
        self,
        policy: TargetPolicy | None = None,
        *,
        rdap_bootstrap_url: str = IANA_BOOTSTRAP_URL,
        browser: Probe | None = None,
    ) -> None:
        # The SSRF guard: every probe judges the addresses it connects to, after DNS.
        tls = TlsProbe(policy=policy)
        domain = DomainProbe(RdapClient(bootstrap_url=rdap_bootstrap_url, policy=policy))
        # HTTP monitors with tls_expiry_days get the tls kind's certificate check too,
        # and those with domain_expiry_days the domain kind's registration check.
        requests = HttpProbe(policy)
        http = WithDomainExpiry(HttpWithCertificate(requests, tls), domain)
        self._probes: dict[MonitorKind, Probe] = {"http": http, "keyword": http, "json": http}
        self._probes["domain"] = domain
        # Every step of a multi-step check is a request of the same HTTP probe.
        self._probes["multistep"] = MultistepProbe(requests)
        self._probes["ping"] = PingProbe(policy=policy)
        self._probes["tls"] = tls
        self._probes["tcp"] = TcpProbe(policy)
        self._probes["dns"] = DnsProbe(policy)
        # Only a worker started with --browser has one (and consumes browser jobs).
        if browser is not None:
            self._probes["browser"] = browser

    async def check(self, job: CheckJob) -> CheckResult:
        """Run `job` with the probe for its kind; never raises (see :class:`Probe`)."""
        probe = self._probes.get(job.spec.kind)
        if probe is None:
            return CheckResult(
                monitor_id=job.spec.monitor_id,
                region=job.region,
                due_at=job.due_at,
                checked_at=datetime.now(UTC),
                up=False,
                error=f'monitor kind "{job.spec.kind}" is not supported by this worker',
            )
        return await probe.check(job)

    async def close(self) -> None:
        """Close every probe once, even when one serves several kinds."""
        unique = {id(probe): probe for probe in self._probes.values()}
        for probe in unique.values():
            await probe.close()
