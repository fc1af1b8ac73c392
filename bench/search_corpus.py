"""A generated archive for the search-scale bench: meetings with hosts, topics, speakers and
transcript cues whose words follow a Zipf law, as speech does (a few words are most of what
is said, most words are rare), so common-word queries meet millions of matches and rare
ones a handful.

Deterministic from a seed; built in batches so the whole corpus is never in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from zoombridge.archive.search_index import Document, MeetingDocuments, transcript_documents
from zoombridge.archive.transcripts import Cue

# Everyday meeting words first (the head of the Zipf curve), then generated words (its tail).
COMMON_WORDS = (
    "the to and of a we is that it for you on this in have be so just can what will with are "
    "think about do not going if our at all was they one know like there need from next "
    "would some but your get team meeting question project time right also plan budget "
    "quarter week student course lecture review design data report customer update deadline "
    "release schedule agenda slides homework exam grade research analysis results feedback "
    "policy contract invoice hiring onboarding security migration database server network"
)
SYLLABLES = "ka lo mi ne tu ra si po de va ber gan tor lin mos fer dul wic zan"
FIRST = "Ada Grace Alan Edsger Barbara Donald Frances John Margaret Ken Radia Tim Hedy Katherine"
LAST = "Lovelace Hopper Turing Dijkstra Liskov Knuth Allen Backus Hamilton Thompson Perlman Lee"
TOPICS = "Weekly sync|Course {n} lecture|Budget review|Design review|Office hours|All hands|" + (
    "Customer call|Sprint planning|Research seminar|Hiring panel|Security briefing"
)
START = datetime(2023, 1, 2, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Corpus:
    meetings: int = 100_000
    cues_per_meeting: int = 20
    hosts: int = 200
    vocabulary: int = 50_000
    seed: int = 4

    @property
    def cues(self) -> int:
        return self.meetings * self.cues_per_meeting


class Generator:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.random = random.Random(corpus.seed)
        self.words = _vocabulary(corpus.vocabulary, self.random)
        self.weights = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.words))))
        people = [f"{f} {n}" for f in FIRST.split() for n in LAST.split()]
        self.people = people
        self.hosts = [f"host{n}@example.edu" for n in range(corpus.hosts)]
        self.topics = TOPICS.split("|")

    def host(self, n: int) -> str:
        return self.hosts[n % len(self.hosts)]

    def start(self, n: int) -> datetime:
        """Meetings spread over about three years, a few minutes apart, in order."""
        return START + timedelta(minutes=n * 15)

    def meeting_row(self, connection_id: int, n: int) -> dict[str, Any]:
        topic = self.random.choice(self.topics).format(n=100 + n % 300)
        return {
            "connection_id": connection_id,
            "uuid": f"bench-{n:07d}",
            "meeting_id": 80_000_000_000 + n,
            "host_email": self.host(n),
            "topic": topic,
            "type": 8,
            "start_time": self.start(n),
            "duration": 45,
            "folder": f"bench/{n}",
            "metadata_json": {},
            "updated_at": self.start(n),
        }

    def documents(self, connection_id: int, n: int) -> MeetingDocuments:
        speakers = self.random.sample(self.people, 4)
        cues = []
        at = 0.0
        for _ in range(self.corpus.cues_per_meeting):
            length = self.random.randint(6, 22)
            said = self.random.choices(self.words, cum_weights=self.weights, k=length)
            cues.append(Cue(at, at + 6.0, self.random.choice(speakers), " ".join(said)))
            at += 7.5
        documents: list[Document] = transcript_documents(cues, file_id=f"transcript-{n}")
        return MeetingDocuments(connection_id, f"bench-{n:07d}", documents, speakers)

    def batches(self, connection_id: int, size: int) -> Iterator[list[MeetingDocuments]]:
        for first in range(0, self.corpus.meetings, size):
            last = min(first + size, self.corpus.meetings)
            yield [self.documents(connection_id, n) for n in range(first, last)]

    def rare_words(self, count: int) -> list[str]:
        """Words from the far tail: each said in only a few meetings."""
        return self.random.sample(self.words[-5000:], count)

    def middle_words(self, count: int) -> list[str]:
        """Words said now and then: hundreds to thousands of cues each."""
        return self.random.sample(self.words[200:2000], count)


def _vocabulary(size: int, chooser: random.Random) -> list[str]:
    syllables = SYLLABLES.split()
    words = COMMON_WORDS.split()
    seen = set(words)
    while len(words) < size:
        word = "".join(chooser.choices(syllables, k=chooser.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words
