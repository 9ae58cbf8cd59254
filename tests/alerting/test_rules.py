"""Notification rules: which linked channels get an event, when, and whether as an
escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.alerting.rules import DEFAULT_EVENTS, EVENT_TYPES, Link, Planned, plan_deliveries

DECIDED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL = frozenset(EVENT_TYPES)
LATER_EVENTS = ["up", "reminder", "acknowledged"]


def plan(event: str, links: list[Link], escalated: set[int] | None = None) -> list[Planned]:
    return plan_deliveries(event, decided_at=DECIDED, links=links, escalated=escalated or set())


def test_event_types_are_the_five_a_link_can_ask_for() -> None:
    assert set(EVENT_TYPES) == {"down", "up", "reminder", "acknowledged", "degraded"}


def test_a_link_hears_all_but_degraded_unless_it_asks() -> None:
    assert set(DEFAULT_EVENTS) == {"down", "up", "reminder", "acknowledged"}


def test_no_links_plan_nothing() -> None:
    for event in EVENT_TYPES:
        assert plan(event, [], escalated={1, 2}) == []


@pytest.mark.parametrize("event", EVENT_TYPES)
def test_an_immediate_link_gets_every_event_it_asked_for_at_once(event: str) -> None:
    assert plan(event, [Link(7, ALL)]) == [Planned(7, DECIDED, escalation=False)]


def test_a_link_gets_only_the_events_it_names() -> None:
    links = [Link(1, frozenset({"down"})), Link(2, frozenset({"up", "down"})), Link(3, ALL)]
    assert [p.channel_id for p in plan("down", links)] == [1, 2, 3]
    assert [p.channel_id for p in plan("up", links)] == [2, 3]
    assert [p.channel_id for p in plan("reminder", links)] == [3]
    assert [p.channel_id for p in plan("acknowledged", links)] == [3]


def test_a_link_with_no_events_gets_nothing() -> None:
    for event in EVENT_TYPES:
        assert plan(event, [Link(1, frozenset())]) == []


def test_an_unknown_event_type_reaches_nobody() -> None:
    assert plan("exploded", [Link(1, ALL)]) == []


@pytest.mark.parametrize("minutes", [1, 5, 90, 24 * 60])
def test_a_delay_makes_the_down_message_an_escalation_due_that_much_later(minutes: int) -> None:
    (planned,) = plan("down", [Link(4, ALL, delay_minutes=minutes)])
    assert planned.channel_id == 4
    assert planned.escalation is True
    assert planned.due_at == DECIDED + timedelta(minutes=minutes)


def test_immediate_and_delayed_links_of_one_monitor_are_planned_side_by_side() -> None:
    links = [Link(1, ALL), Link(2, ALL, delay_minutes=5), Link(3, ALL, delay_minutes=30)]
    assert plan("down", links) == [
        Planned(1, DECIDED, escalation=False),
        Planned(2, DECIDED + timedelta(minutes=5), escalation=True),
        Planned(3, DECIDED + timedelta(minutes=30), escalation=True),
    ]


@pytest.mark.parametrize("event", LATER_EVENTS)
def test_a_delayed_link_that_never_sent_the_down_message_hears_nothing_later(event: str) -> None:
    # Channel 2 was escalated, but channel 9 (the delayed link) was not.
    assert plan(event, [Link(9, ALL, delay_minutes=5)], escalated={2}) == []


@pytest.mark.parametrize("event", LATER_EVENTS)
def test_a_delayed_link_that_sent_the_down_message_hears_later_events_at_once(event: str) -> None:
    planned = plan(event, [Link(9, ALL, delay_minutes=5)], escalated={9})
    # Not delayed again and not an escalation: the channel already knows of the outage.
    assert planned == [Planned(9, DECIDED, escalation=False)]


def test_an_escalated_delayed_link_still_gets_only_the_events_it_names() -> None:
    link = Link(9, frozenset({"down", "up"}), delay_minutes=5)
    assert plan("reminder", [link], escalated={9}) == []
    assert plan("acknowledged", [link], escalated={9}) == []
    assert plan("up", [link], escalated={9}) == [Planned(9, DECIDED, escalation=False)]


def test_immediate_links_do_not_depend_on_the_escalated_set() -> None:
    links = [Link(1, ALL), Link(2, ALL, delay_minutes=10)]
    assert plan("up", links, escalated=set()) == [Planned(1, DECIDED, escalation=False)]
    assert plan("up", links, escalated={2}) == [
        Planned(1, DECIDED, escalation=False),
        Planned(2, DECIDED, escalation=False),
    ]


def test_a_down_event_on_a_delayed_link_is_an_escalation_even_if_already_escalated() -> None:
    # A redelivered down event plans the same escalation, never an immediate message.
    (planned,) = plan("down", [Link(9, ALL, delay_minutes=5)], escalated={9})
    assert planned.escalation is True
    assert planned.due_at == DECIDED + timedelta(minutes=5)


def test_links_may_be_any_iterable() -> None:
    links = (Link(n, ALL) for n in (3, 1, 2))
    assert [
        p.channel_id for p in plan_deliveries("down", decided_at=DECIDED, links=links, escalated=())
    ] == [3, 1, 2]
