"""Zoom's text files parsed: VTT transcripts and captions, chat, timeline, summary; the
joined timeline; talk time per speaker."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoombridge.archive.speakers import SpeakerTime, speaker_stats
from zoombridge.archive.transcripts import (
    ChatMessage,
    Cue,
    TimelineEntry,
    joined_offset,
    parse_chat,
    parse_summary,
    parse_timeline,
    parse_vtt,
)
from zoombridge.emulator.content import Script

SPEAKERS = ("Ada Lovelace", "Grace Hopper", "Zoë Ångström")


def vtt(*cues: str, header: str = "WEBVTT") -> bytes:
    return (header + "\n\n" + "\n\n".join(cues) + "\n").encode()


# ---- VTT ---------------------------------------------------------------------------------


def test_the_emulators_transcript_and_captions_read_back_as_written() -> None:
    script = Script(seed=11, seconds=90.0, speakers=SPEAKERS, topic="Budget review")
    written = script._parts[0]
    parsed = parse_vtt(script.transcript())
    assert parsed.skipped == 0
    assert [(c.start, c.end, c.speaker, c.text) for c in parsed.items] == [
        (c.start, c.end, c.speaker, c.text) for c in written
    ]
    captions = parse_vtt(script.captions())
    assert captions.skipped == 0
    assert {c.speaker for c in captions.items} == {c.speaker for c in written}
    assert (
        " ".join(c.text for c in captions.items).split()
        == " ".join(c.text for c in written).split()
    )


def test_bom_and_crlf_read_like_plain_lf() -> None:
    plain = vtt(
        "1\n00:00:01.000 --> 00:00:02.500\nAda Lovelace: Hello",
        "2\n00:00:03.000 --> 00:00:04.000\nGrace Hopper: Hi",
    )
    windows = b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n")
    assert parse_vtt(windows) == parse_vtt(plain)
    assert [c.speaker for c in parse_vtt(windows).items] == ["Ada Lovelace", "Grace Hopper"]
    assert parse_vtt(plain.decode().encode("utf-16")).items == parse_vtt(plain).items


def test_a_colon_in_the_words_does_not_invent_a_speaker() -> None:
    parsed = parse_vtt(
        vtt(
            "1\n00:00:01.000 --> 00:00:02.000\nAda Lovelace: The plan is ready.",
            "2\n00:00:02.000 --> 00:00:03.000\nNote: the room changed.",
            "3\n00:00:03.000 --> 00:00:04.000\nWe start at 10:30 tomorrow.",
            "4\n00:00:04.000 --> 00:00:05.000\nthe transcript missed who said this",
            "5\n00:00:05.000 --> 00:00:06.000\nsee https://example.edu/x: it has a colon",
        )
    )
    assert [(c.speaker, c.text) for c in parsed.items] == [
        ("Ada Lovelace", "The plan is ready."),
        (None, "Note: the room changed."),
        (None, "We start at 10:30 tomorrow."),
        (None, "the transcript missed who said this"),
        (None, "see https://example.edu/x: it has a colon"),
    ]


def test_a_one_word_name_is_a_speaker_when_known_or_seen_twice() -> None:
    once = vtt("00:00:01.000 --> 00:00:02.000\nBob: hi")
    assert parse_vtt(once).items[0].speaker is None
    assert parse_vtt(once, known_speakers=["bob"]).items[0] == Cue(1.0, 2.0, "Bob", "hi")
    twice = vtt("00:00:01.000 --> 00:00:02.000\nBob: hi", "00:00:03.000 --> 00:00:04.000\nBob: ok")
    assert [c.speaker for c in parse_vtt(twice).items] == ["Bob", "Bob"]


def test_multi_line_overlapping_and_non_ascii_cues() -> None:
    parsed = parse_vtt(
        vtt(
            "1\n00:00:01.000 --> 00:00:06.000\nZoë Ångström: Grüße aus Köln,\nwie geht's? 👋",
            "2\n00:00:04.000 --> 00:00:05.000\n张伟: 你好",
            "3\n00:00:07.000 --> 00:00:08.000\n张伟: 谢谢 &amp; bye",
            "4\n00:00:08.000 --> 00:00:09.000\n<v Grace Hopper>Voice <i>tag</i> speaker</v>",
        )
    )
    assert parsed.items == (
        Cue(1.0, 6.0, "Zoë Ångström", "Grüße aus Köln,\nwie geht's? 👋"),
        Cue(4.0, 5.0, "张伟", "你好"),
        Cue(7.0, 8.0, "张伟", "谢谢 & bye"),
        Cue(8.0, 9.0, "Grace Hopper", "Voice tag speaker"),
    )


def test_unreadable_cues_are_skipped_and_counted() -> None:
    parsed = parse_vtt(
        vtt(
            "NOTE written by hand",
            "1\n00:00:01.000 --> 00:00:02.000\nAda Lovelace: kept",
            "2\n00:00:xx.000 --> 00:00:03.000\nbroken time",
            "3\n00:00:05.000 --> 00:00:04.000\nends before it starts",
            "a stray paragraph with no timing",
            "4\n01:02.500 --> 01:03.000 align:start\nAda Lovelace: short clock",
            "5\n00:00:09.000 --> 00:00:10.000",
        )
    )
    assert [(c.start, c.text) for c in parsed.items] == [(1.0, "kept"), (62.5, "short clock")]
    assert parsed.skipped == 3


def test_cues_without_blank_lines_between_them_are_still_apart() -> None:
    text = "WEBVTT\n1\n00:00:01.000 --> 00:00:02.000\nAda Lovelace: one\n2\n"
    text += "00:00:02.000 --> 00:00:03.000\nAda Lovelace: two\n"
    assert [c.text for c in parse_vtt(text.encode()).items] == ["one", "two"]


@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_no_bytes_make_the_vtt_parser_raise(data: bytes) -> None:
    parsed = parse_vtt(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + data)
    assert parsed.skipped >= 0
    assert all(c.end >= c.start and c.text for c in parsed.items)


HOSTILE_FILES = [
    b"[" * 200_000,  # nested deeper than Python's recursion limit
    b'{"timeline": ' + b"[" * 200_000,
    b"WEBVTT\n\n" + b"9" * 5000 + b":00:01.000 --> 00:00:02.000\nAda: hi\n",
    json.dumps({"timeline": [{"ts": "9" * 5000 + ":00:01", "users": []}]}).encode(),
]


@pytest.mark.parametrize(
    "data", HOSTILE_FILES, ids=["deep", "deep-timeline", "vtt-hours", "ts-hours"]
)
def test_hostile_files_are_skipped_by_every_parser_never_raised(data: bytes) -> None:
    for parse in (parse_vtt, parse_chat, parse_timeline, parse_summary):
        parsed = parse(data)
        assert parsed.items == ()
        assert parsed.skipped >= 0


@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_no_bytes_make_the_json_parsers_raise(data: bytes) -> None:
    assert parse_timeline(data).skipped >= 0
    assert parse_summary(data).skipped >= 0


# ---- chat --------------------------------------------------------------------------------


def test_the_emulators_chat_reads_back_with_its_direct_message() -> None:
    script = Script(seed=5, seconds=300.0, speakers=SPEAKERS, topic="Lab sync")
    written = script._parts[1]
    parsed = parse_chat(script.chat())
    assert parsed.skipped == 0
    assert [(m.offset, m.sender, m.text, m.recipient) for m in parsed.items] == [
        (float(int(m.offset)), m.sender, m.text, m.recipient) for m in written
    ]
    assert [m.private for m in parsed.items] == [m.recipient is not None for m in written]
    assert any(m.private for m in parsed.items)


def test_older_chat_layouts_and_private_variants() -> None:
    data = (
        "00:01:02\t From  Ada Lovelace to Everyone:\tHello there\r\n"
        "00:01:05\t From  Grace Hopper to Ada Lovelace(privately):\tpsst\r\n"
        "00:01:09\t From  Alan : oldest layout\r\n"
        "00:02:00 From Back to Basics to Everyone:\r\n\tsender with 'to' in the name\r\n"
        "00:02:10 From Ada Lovelace to All Panelists:\r\n\tpanel only\r\n"
        "00:02:20 From Zoë Ångström to Grace Hopper(Direct Message):\r\n\tprivé ✨\r\n"
    ).encode()
    parsed = parse_chat(data)
    assert parsed.skipped == 0
    assert parsed.items == (
        ChatMessage(62.0, "Ada Lovelace", "Hello there"),
        ChatMessage(65.0, "Grace Hopper", "psst", "Ada Lovelace", private=True),
        ChatMessage(69.0, "Alan", "oldest layout"),
        ChatMessage(120.0, "Back to Basics", "sender with 'to' in the name"),
        ChatMessage(130.0, "Ada Lovelace", "panel only", "All Panelists"),
        ChatMessage(140.0, "Zoë Ångström", "privé ✨", "Grace Hopper", private=True),
    )


def test_multi_line_messages_with_emoji() -> None:
    data = (
        "00:00:10 From Ada Lovelace to Everyone:\n"
        "\tFirst line 🎉\n"
        "\tsecond line, at 10:30:00 sharp\n"
        "\n"
        "\tthird after a blank 👩‍💻\n"
        "00:00:20 From Grace Hopper to Everyone:\tone line\n"
        "continued without a tab\n"
    ).encode()
    assert parse_chat(data).items == (
        ChatMessage(
            10.0,
            "Ada Lovelace",
            "First line 🎉\nsecond line, at 10:30:00 sharp\n\nthird after a blank 👩‍💻",
        ),
        ChatMessage(20.0, "Grace Hopper", "one line\ncontinued without a tab"),
    )


def test_unreadable_chat_lines_are_skipped_and_counted() -> None:
    data = (
        b"garbage before any message\n"
        b"00:00:05 From nobody at all\n"
        b"\tits text goes with it\n"
        b"00:00:06 From Ada Lovelace to Everyone:\tkept\n"
        b"00:00:07 From  to Everyone:\tno sender\n"
    )
    parsed = parse_chat(data)
    assert parsed.items == (ChatMessage(6.0, "Ada Lovelace", "kept"),)
    assert parsed.skipped == 3


@given(st.text(max_size=300))
def test_no_text_makes_the_chat_parser_raise(text: str) -> None:
    parsed = parse_chat(("00:00:01 From A to Everyone:\t" + text).encode())
    assert all(m.sender and m.text for m in parsed.items)


# ---- timeline, summary, speaker statistics ------------------------------------------------


def test_the_emulators_timeline_and_speaker_statistics() -> None:
    script = Script(seed=7, seconds=240.0, speakers=SPEAKERS, topic="Budget review")
    cues, _, events = script._parts
    timeline = parse_timeline(script.timeline())
    assert timeline.skipped == 0
    assert [(e.offset, e.speakers) for e in timeline.items] == [
        (round(e.offset, 3), tuple(u.username for u in e.users)) for e in events
    ]
    by_timeline = speaker_stats(timeline=timeline.items, cues=cues, duration=240.0)
    by_cues = speaker_stats(cues=parse_vtt(script.transcript()).items)
    assert {s.speaker for s in by_timeline} == {s.speaker for s in by_cues} == set(SPEAKERS)
    assert sum(s.share for s in by_timeline) == pytest.approx(1.0)
    assert sum(s.seconds for s in by_timeline) == pytest.approx(240.0 - events[0].offset, abs=0.01)
    # Turns: each timeline entry starts one; each change of speaker between cues does too.
    assert sum(s.turns for s in by_timeline) == len(events)
    changes = 1 + sum(a.speaker != b.speaker for a, b in itertools.pairwise(cues))
    assert sum(s.turns for s in by_cues) == changes


def test_speaker_time_from_a_timeline_with_overlap_and_silence() -> None:
    timeline = [
        TimelineEntry(0.0, ("Ada",)),
        TimelineEntry(10.0, ("Grace",)),
        TimelineEntry(15.0, ("Ada", "Grace")),
        TimelineEntry(20.0, ()),
        TimelineEntry(25.0, ("Ada",)),
    ]
    assert speaker_stats(timeline=timeline, duration=30.0) == [
        SpeakerTime("Ada", 20.0, 20 / 30, 3),
        SpeakerTime("Grace", 10.0, 10 / 30, 1),
    ]
    assert speaker_stats(timeline=timeline)[0] == SpeakerTime("Ada", 15.0, 15 / 25, 3)


def test_speaker_time_from_overlapping_cues_counts_overlap_once() -> None:
    cues = [
        Cue(0.0, 5.0, "Ada", "a"),
        Cue(3.0, 8.0, "Ada", "b"),
        Cue(8.0, 10.0, "Grace", "c"),
        Cue(10.0, 11.0, None, "unknown speaker"),
        Cue(11.0, 12.0, "Ada", "d"),
    ]
    assert speaker_stats(cues=cues) == [
        SpeakerTime("Ada", 9.0, 9 / 11, 2),
        SpeakerTime("Grace", 2.0, 2 / 11, 1),
    ]
    assert speaker_stats(cues=[]) == []


def test_unreadable_timeline_entries_are_skipped() -> None:
    data = json.dumps(
        {
            "timeline": [
                {"ts": "00:00:05.000", "users": [{"username": "Grace"}]},
                {"ts": "not a time", "users": []},
                "junk",
                {"ts": "00:00:01.500", "users": [{"email_address": "ada@example.edu"}, 3]},
            ]
        }
    ).encode()
    parsed = parse_timeline(data)
    assert parsed.items == (
        TimelineEntry(1.5, ("ada@example.edu",)),
        TimelineEntry(5.0, ("Grace",)),
    )
    assert parsed.skipped == 2
    assert parse_timeline(b"{not json").skipped == 1
    assert parse_timeline(b'{"timeline": 3}').skipped == 1


def test_summaries_from_the_emulator_and_edited_by_the_host() -> None:
    script = Script(seed=3, seconds=60.0, speakers=SPEAKERS, topic="Budget review")
    parsed = parse_summary(script.summary())
    labels = [s.label for s in parsed.items]
    assert parsed.skipped == 0
    assert labels[:2] == ["Title", "Overview"]
    assert {"Updates", "Decisions", "Next steps"} <= set(labels)
    assert parsed.items[0].text == "Meeting summary for Budget review"
    edited = {
        "summary_overview": "Zoom's words",
        "summary_details": [{"label": "Risks", "summary": "none"}, 7],
        "next_steps": ["call Ada", 3],
        "edited_summary": {"summary_overview": "The host's words"},
    }
    parsed = parse_summary(json.dumps(edited).encode())
    assert [(s.label, s.text) for s in parsed.items] == [
        ("Overview", "The host's words"),
        ("Risks", "none"),
        ("Next steps", "call Ada"),
    ]
    assert parsed.skipped == 2
    assert parse_summary(b"[1, 2]").skipped == 1


# ---- the joined timeline ----------------------------------------------------------------

SEGMENTS = [(0.0, 10.0), (20.0, 5.0), (40.0, 10.0)]


@pytest.mark.parametrize(
    ("seconds", "joined"),
    [
        (-3.0, 0.0),
        (0.0, 0.0),
        (5.0, 5.0),
        (10.0, 10.0),
        (15.0, 10.0),  # in the first gap: the second segment's start
        (20.0, 10.0),
        (22.0, 12.0),
        (30.0, 15.0),
        (45.0, 20.0),
        (50.0, 25.0),
        (100.0, 25.0),  # past the end: the end
    ],
)
def test_joined_offset(seconds: float, joined: float) -> None:
    assert joined_offset(SEGMENTS, seconds) == joined


def test_joined_offset_without_segments_is_the_start() -> None:
    assert joined_offset([], 12.0) == 0.0
