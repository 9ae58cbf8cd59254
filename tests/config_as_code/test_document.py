"""Reading the file: the API's field rules, channels by name, and errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from betteruptime.config_as_code.document import ConfigError, parse_document


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_document(text)
    return raised.value.problems


def test_a_channel_may_be_linked_by_name_alone_or_with_its_rule() -> None:
    document = parse_document(
        "monitors:\n"
        "  - name: api\n"
        "    url: https://api.example.com/\n"
        "    channels: [ops, {channel: sms, events: [up, down], delay_minutes: 5}]\n"
    )

    ops, sms = document.monitors[0].channels
    assert (ops.channel, ops.events, ops.delay_minutes) == (
        "ops",
        ["down", "up", "reminder", "acknowledged"],
        0,
    )
    assert (sms.channel, sms.events, sms.delay_minutes) == ("sms", ["down", "up"], 5)


def test_field_errors_name_the_path_of_the_bad_field_and_use_the_apis_rules() -> None:
    text = (
        "channels:\n"
        "  - {name: ops, url: 'json://hooks.example.com/'}\n"
        "monitors:\n"
        "  - {name: a, url: 'https://a.example.com/', interval_seconds: '60'}\n"
        "  - {name: b, url: 'https://b.example.com/', expected_status: [200, '7xx']}\n"
        "  - {name: c, url: 'https://c.example.com/', intervall: 60}\n"
        "  - {url: 'https://d.example.com/', channels: [{channel: ops, delay_minutes: -1}]}\n"
    )

    assert problems(text) == [
        "monitors[0].interval_seconds: Input should be a valid integer",
        'monitors[1].expected_status[1]: invalid status pattern "7xx": expected a code like '
        '"200", a class like "2xx" or a range like "200-299"',
        "monitors[2].intervall: unknown field",
        "monitors[3].name: this field is required",
        "monitors[3].channels[0].delay_minutes: Input should be greater than or equal to 0",
    ]


def test_a_bad_channel_url_is_refused_by_apprise_as_in_the_api() -> None:
    assert problems("channels:\n  - {name: ops, url: 'nope://x'}\n") == [
        'channels[0].url: "nope://" is not a notification service Apprise knows'
    ]


def test_ids_are_refused_because_a_file_links_channels_by_name() -> None:
    text = "monitors:\n  - {name: a, url: 'https://a.example.com/', channel_ids: [1]}\n"

    assert problems(text) == [
        "monitors[0]: channel_ids is not used in a file: name the channels instead, "
        "as in `channels: [ops-slack]`"
    ]


def test_names_are_unique_within_the_file() -> None:
    text = (
        "channels:\n"
        "  - {name: ops, url: 'json://a.example.com/'}\n"
        "  - {name: ops, url: 'json://b.example.com/'}\n"
        "monitors:\n"
        "  - {name: a, url: 'https://a.example.com/', channels: [ops, ops]}\n"
        "  - {name: a, url: 'https://b.example.com/'}\n"
    )

    with pytest.raises(ConfigError) as raised:
        parse_document(text)

    assert raised.value.problems == [
        "monitors[0]: channels names ops more than once",
    ]
    fixed = text.replace("[ops, ops]", "[ops]")
    assert problems(fixed) == [
        "channels[1].name: 'ops' is also the name of channels[0]; names identify monitors "
        "and channels, so each is used once",
        "monitors[1].name: 'a' is also the name of monitors[0]; names identify monitors "
        "and channels, so each is used once",
    ]


def test_a_key_given_twice_is_an_error_not_a_silent_choice() -> None:
    text = "monitors:\n  - name: a\n    url: https://a.example.com/\n    name: b\n"

    [problem] = problems(text)

    assert problem.startswith("not valid YAML at line 4, column 5: the key 'name' appears twice")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty; write `monitors: []` to mean no monitors"),
        ("# only a comment\n", "the file is empty; write `monitors: []` to mean no monitors"),
        ("- a\n- b\n", "the file must be a mapping with `channels:` and `monitors:` lists"),
        (
            "monitors: [\n",
            "not valid YAML at line 2, column 1: expected the node content, "
            "but found '<stream end>'",
        ),
        ("version: 2\n", "version: Input should be 1"),
    ],
    ids=["empty", "comment", "list", "broken", "version"],
)
def test_a_file_that_is_not_a_document_says_why(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_an_empty_mapping_means_no_channels_and_no_monitors() -> None:
    document = parse_document("monitors: []\n")

    assert (document.channels, document.monitors) == ([], [])


def test_the_readme_example_is_a_valid_file() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Config as code", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]

    document = parse_document(example)

    assert [monitor.name for monitor in document.monitors] == ["api", "nightly backup"]
    assert [channel.name for channel in document.channels] == ["ops-slack", "oncall-sms"]
