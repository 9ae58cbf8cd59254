"""The patterns the OpenAPI document publishes and the server's own checks agree: every
string a pattern admits is accepted, and every string accepted matches the pattern.
Checked both ways with generated strings, for each rule written as a pattern."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from pydantic import ConfigDict, TypeAdapter, ValidationError

from betteruptime.api.schemas.credentials import EMAIL_PATTERN, NewEmail
from betteruptime.domain.maintenance import START_TIME_PATTERN
from betteruptime.domain.names import REGION_PATTERN
from betteruptime.domain.rdap import registrable_domain
from betteruptime.domain.targets import split_target, url_problem
from betteruptime.domain.url_grammar import HOST_ONLY, IPV6, RESOLVER, matches
from betteruptime.schemas.browser import GOTO_PATTERN, KEY_PATTERN, GotoUrl, KeyName
from betteruptime.schemas.kinds import DnsResolver
from betteruptime.schemas.maintenance import StartTime
from betteruptime.schemas.monitor_fields import (
    HEADER_NAME,
    STATUS_PATTERN,
    TAG_PATTERN,
    URL,
    Group,
    HeaderName,
    Region,
    StatusPattern,
    Tag,
    Url,
)
from betteruptime.schemas.status_pages import SLUG_PATTERN, Slug, Title
from betteruptime.schemas.text import STRIPPED_LINE_PATTERN

# No shrinking: with patterns this long it takes minutes, and the example found is
# short enough to read anyway.
CHECKS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],
)
# Characters near every rule's edges: delimiters, blanks of several kinds, controls,
# letters that NFKC turns into delimiters, other scripts' digits.
EDGES = [
    *"aZ09_-.:/?#@[]\\%+ \t\n\x00\x1c\x7f\x85\xa0\u2000\u3000\uff0f\u2100\u0663xX",
    *("::", "1.2.3.4", "[::1]", "http://", "https://", "tcp://", "dns://", "icmp://"),
]


def _accepts(annotation: Any) -> Any:
    adapter = TypeAdapter(annotation, config=ConfigDict(strict=True))

    def accepted(value: str) -> bool:
        try:
            adapter.validate_python(value)
        except ValidationError:
            return False
        return True

    return accepted


RULES = {
    "url": (URL, _accepts(Url)),
    "resolver": (RESOLVER, _accepts(DnsResolver)),
    "email": (EMAIL_PATTERN, _accepts(NewEmail)),
    "title": (STRIPPED_LINE_PATTERN, _accepts(Title)),
    "status": (STATUS_PATTERN, _accepts(StatusPattern)),
    "slug": (SLUG_PATTERN, _accepts(Slug)),
    "start time": (START_TIME_PATTERN, _accepts(StartTime)),
    "region": (REGION_PATTERN, _accepts(Region)),
    "header name": (HEADER_NAME, _accepts(HeaderName)),
    "tag": (TAG_PATTERN, _accepts(Tag)),
    "group": (STRIPPED_LINE_PATTERN, _accepts(Group)),
    "goto url": (GOTO_PATTERN, _accepts(GotoUrl)),
    "key": (KEY_PATTERN, _accepts(KeyName)),
}
# Lengths are published apart from the patterns (minLength, maxLength).
LENGTHS = {
    "slug": (3, 64),
    "header name": (1, 256),
    "email": (1, 254),
    "url": (1, 2048),
    "goto url": (1, 2048),
}


def _admitted(pattern: str) -> st.SearchStrategy[str]:
    """Strings the pattern admits as JSON Schema reads it (ECMA-262: `$` is the end, not
    also the place before a final line break, as in Python)."""
    return st.from_regex(pattern.removeprefix("^").removesuffix("$"), fullmatch=True)


def _pieces() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(EDGES) | st.text(max_size=3), max_size=12).map("".join)


@pytest.mark.parametrize("rule", RULES)
@CHECKS
@given(data=st.data())
def test_what_a_pattern_admits_the_server_accepts(rule: str, data: st.DataObject) -> None:
    published, accepted = RULES[rule]
    low, high = LENGTHS.get(rule, (0, 10**6))
    value = data.draw(_admitted(published).filter(lambda v: low <= len(v) <= high))
    if rule == "status":  # stated in prose only: a range must not end before it starts
        codes = re.findall("[0-9]{3}", value)
        assume(codes == sorted(codes))

    assert accepted(value), repr(value)


@pytest.mark.parametrize("rule", RULES)
@CHECKS
@given(value=_pieces())
def test_what_the_server_accepts_its_pattern_admits(rule: str, value: str) -> None:
    published, accepted = RULES[rule]
    low, high = LENGTHS.get(rule, (0, 10**6))

    assert accepted(value) == (matches(published, value) and low <= len(value) <= high), value


@pytest.mark.parametrize("kind", sorted(HOST_ONLY))
@CHECKS
@given(data=st.data())
def test_a_host_only_kind_takes_what_its_shape_and_the_url_grammar_admit(
    kind: str, data: st.DataObject
) -> None:
    scheme = {"tcp": "tcp", "dns": "dns", "ping": "icmp", "domain": "domain"}[kind]
    value = data.draw(_admitted(HOST_ONLY[kind]) | _pieces().map(lambda rest: f"{scheme}://{rest}"))
    published = matches(URL, value) and matches(HOST_ONLY[kind], value)
    if kind in ("dns", "domain"):  # a DNS name has at most 253 characters: maxLength, apart
        published = published and len(value) <= len(f"{kind}://") + 253
    if kind == "domain" and published:  # in prose: not a public suffix such as co.uk
        published = registrable_domain(split_target(value).host or "") is not None
    taken = _accepts(Url)(value) and url_problem(kind, value) is None

    assert taken == published, repr(value)


def test_ipv6_is_what_the_ipaddress_module_takes() -> None:
    import ipaddress

    full = re.compile(rf"^{IPV6}\Z")
    for text in ("::", "::1", "1::", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "1::1.2.3.4"):
        assert full.match(text) and ipaddress.IPv6Address(text)
    for text in (":::", "1::2::3", "12345::", "::1.2.3", "::01.2.3.4", "1:2:3:4:5:6:7:8:9"):
        assert not full.match(text)
