"""Named sizes of benchmark data; every benchmark builds one of these with bench.generator."""

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Profile:
    name: str
    questions: int
    # Typical students, then heavy ones (the last usernames): each with this many responses.
    students: int
    responses: int
    heavy_students: int
    heavy_responses: int
    # Share of a student's responses that are to a question seen before in the same pass (the
    # incorrect, marked or "all" pools): 100,000 heavy responses cover about 60,000 questions.
    repeat_share: float = 0.10
    heavy_repeat_share: float = 0.40
    # Students' histories end here (a fixed date, so that the same seed gives the same rows).
    history_end: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    history_days: int = 365
    seed: int = 20261125
    # Whether the benchmarks' targets are judged on this profile (on a small one, fixed
    # costs dwarf the baselines and the ratios say nothing).
    judged: bool = False

    @property
    def all_students(self) -> int:
        return self.students + self.heavy_students

    def responses_of(self, index: int) -> int:
        """Responses of the student with this 0-based index."""
        return self.heavy_responses if self.is_heavy(index) else self.responses

    def is_heavy(self, index: int) -> bool:
        return index >= self.students


PROFILES = {
    # CI smoke runs: seconds on SQLite or PostgreSQL. One student is "heavy" so that the
    # heavy-student benchmarks have someone to run for.
    "tiny": Profile(
        name="tiny",
        questions=300,
        students=19,
        responses=50,
        heavy_students=1,
        heavy_responses=200,
    ),
    # A school's cohort for item statistics: 20,000 questions, 2,000 students with 1,000
    # answers each, so about 100 first attempts per question (enough for point-biserials).
    "cohort-20k": Profile(
        name="cohort-20k",
        questions=20_000,
        students=1_990,
        responses=1_000,
        heavy_students=10,
        heavy_responses=1_000,
        repeat_share=0.0,
        heavy_repeat_share=0.0,
    ),
    # A school's class sitting a mock exam together (make load): many students, little history.
    "class-2k": Profile(
        name="class-2k",
        questions=2_000,
        students=2_000,
        responses=20,
        heavy_students=1,
        heavy_responses=20,
    ),
    # The bank of the performance notes (section 2.3): 100k questions, about 4 M responses.
    "bank-100k": Profile(
        name="bank-100k",
        questions=100_000,
        students=1_990,
        responses=1_500,
        heavy_students=10,
        heavy_responses=100_000,
        judged=True,
    ),
}


def username(index: int) -> str:
    """The username of the student with this 0-based index."""
    return f"bench-student-{index + 1}"


def heavy_usernames(profile: Profile) -> list[str]:
    return [username(i) for i in range(profile.students, profile.all_students)]


def typical_usernames(profile: Profile) -> list[str]:
    return [username(i) for i in range(profile.students)]
