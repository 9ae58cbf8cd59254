"""Text shown in a form field and read back is the text itself, whatever it holds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from betteruptime.web.form_text import edge_spaces, lines_sent, needs_escapes, read, show

# Backslashes, escape letters and control characters, densely, plus any character.
AWKWARD = st.text(st.sampled_from("\\nrtx0f \r\n\t\x00\x01\x7f\x85é€😀,") | st.characters())


@given(AWKWARD)
def test_a_shown_text_reads_back_as_itself(value: str) -> None:
    shown = show(value)

    assert read(shown) == value
    assert not needs_escapes(shown)  # nothing a box would drop or hide


@given(AWKWARD)
def test_a_text_area_keeps_its_line_breaks_and_tabs_and_reads_back_after_a_browser_sends_it(
    value: str,
) -> None:
    shown = show(value, keep="\n\t")
    sent = shown.replace("\n", "\r\n")  # what a browser sends for a text area

    assert read(lines_sent(sent)) == value
    assert "\r" not in shown


def test_control_characters_show_as_escapes_and_backslashes_only_double_when_needed() -> None:
    assert show("PING\r\n") == "PING\\r\\n"
    assert show("a\tb\x00\x7f") == "a\\tb\\x00\\x7f"
    assert show("C:\\Temp") == "C:\\Temp"  # \T is no escape: left alone
    assert show("C:\\new") == "C:\\\\new"  # \n would be one
    assert show("end\\") == "end\\"
    assert read("C:\\Temp\\x41") == "C:\\TempA"


def test_blanks_at_either_end_are_pointed_out() -> None:
    assert edge_spaces(" ALIVE ") == "Begins with a blank and ends with a blank, kept as they are."
    assert edge_spaces("ALIVE  ") == "Ends with 2 blanks, kept as they are."
    assert edge_spaces("  ") == "Only blanks (2), kept as they are."
    assert edge_spaces("ALIVE") == edge_spaces(None) == ""
