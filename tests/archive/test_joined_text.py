"""Transcripts, captions and chat moved onto a joined recording's timeline: times inside a
segment keep their place, gaps close up, nothing said is lost or garbled on the way."""

from __future__ import annotations

import pytest

from zoombridge.archive.joined_text import ShiftedText, shifted_chat, shifted_vtt
from zoombridge.archive.transcripts import ChatMessage, Cue, parse_chat, parse_vtt

# Two segments: 0-60 s recorded, 60-100 s stopped, 100-150 s recorded again.
TIMELINE = [(0.0, 60.0), (100.0, 50.0)]


def test_cues_move_onto_the_joined_timeline_and_gaps_close() -> None:
    first = ShiftedText(
        0.0,
        cues=[
            Cue(10.0, 12.5, "Zoë Ångström", "Grüße aus Zürich 👋"),
            Cue(55.0, 70.0, None, "runs into the pause"),
            Cue(70.0, 80.0, "Ada Lovelace", "said while nothing recorded"),
        ],
    )
    second = ShiftedText(100.0, cues=[Cue(5.0, 7.0, "Grace Hopper", "first line\nsecond line")])
    data, dropped = shifted_vtt([second, first], TIMELINE)
    assert dropped == 1
    assert data.startswith(b"WEBVTT\n\n1\n00:00:10.000 --> 00:00:12.500\n")
    cues = parse_vtt(data, known_speakers={"Zoë Ångström", "Grace Hopper"}).items
    assert [(c.start, c.end, c.speaker, c.text) for c in cues] == [
        (10.0, 12.5, "Zoë Ångström", "Grüße aus Zürich 👋"),
        (55.0, 60.0, None, "runs into the pause"),
        (65.0, 67.0, "Grace Hopper", "first line\nsecond line"),
    ]


def test_cues_past_the_last_segment_are_left_out_not_piled_at_the_end() -> None:
    late = ShiftedText(0.0, cues=[Cue(151.0, 155.0, "Ada", "after the recording ended")])
    data, dropped = shifted_vtt([late], TIMELINE)
    assert (data, dropped) == (b"WEBVTT\n", 1)


def test_chat_keeps_senders_recipients_private_marks_and_multiline_text() -> None:
    messages = [
        ChatMessage(30.0, "Ada Lovelace", "hello 🎉\nsecond line"),
        ChatMessage(120.0, "Grace Hopper", "just for you", "Ada Lovelace", private=True),
        ChatMessage(80.0, "Alan Turing", "in the pause", "All Panelists"),
    ]
    data = shifted_chat([ShiftedText(0.0, messages=messages)], TIMELINE)
    parsed = parse_chat(data)
    assert parsed.skipped == 0
    assert [(m.offset, m.sender, m.text, m.recipient, m.private) for m in parsed.items] == [
        (30.0, "Ada Lovelace", "hello 🎉\nsecond line", None, False),
        (60.0, "Alan Turing", "in the pause", "All Panelists", False),
        (80.0, "Grace Hopper", "just for you", "Ada Lovelace", True),
    ]


def test_nothing_to_shift_gives_empty_files() -> None:
    assert shifted_chat([], TIMELINE) == b""
    assert shifted_vtt([ShiftedText(0.0)], TIMELINE) == (b"WEBVTT\n", 0)


@pytest.mark.parametrize("seconds", [0.0, 59.999, 3600 * 12 + 0.25])
def test_long_recordings_keep_hours_and_milliseconds(seconds: float) -> None:
    cue = Cue(seconds, seconds + 1.0, None, "tick")
    data, _ = shifted_vtt([ShiftedText(0.0, cues=[cue])], [(0.0, 24 * 3600.0)])
    (back,) = parse_vtt(data).items
    assert back.start == pytest.approx(seconds, abs=0.0005)
