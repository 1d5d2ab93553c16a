"""What a lesson is: the Lesson, Step, Param, Plot, Question and Option
classes, and the lesson format's fixed vocabularies, each listed once here.

Everything else derives from these: the keys a lesson file may use are the
fields of these classes (`toml_keys`), the question kinds and diagram states
are the values of their `Literal` types (the validator, the answer checker
and the layer diagram read them from here), and the lesson cache rebuilds
lessons from the field types. A new key is one new field.

Plain data: nothing here imports anything but the standard library,
`tutor.i18n`'s language list, the code question's own classes
(`code_question`) and the loader's errors (`errors`, re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal, get_args

from ..i18n import LANGS
from .code_question import CodeExercise
from .errors import LessonError as LessonError  # re-exported: defined with the loader's errors
from .errors import LessonLoadError as LessonLoadError

FORMAT_VERSION = 1  # the `format = 1` a lesson file starts with

Text = dict[str, str]  # {"en": "...", "pt": "..."}
QuestionKind = Literal["number", "shape", "sign", "choice", "order", "code"]
DiagramState = Literal["forward", "loss", "L2", "L1", "L0", "update"]
Scale = Literal["linear", "log"]

QUESTION_KINDS: tuple[str, ...] = get_args(QuestionKind)
DIAGRAM_STATES: tuple[str, ...] = get_args(DiagramState)
SCALES: tuple[str, ...] = get_args(Scale)

DEFAULT_TIME_LIMIT = 10.0  # seconds a step's code may run
MAX_TIME_LIMIT = 600.0

# Field metadata: filled in by the loader, never written in a lesson file.
_LOADER = {"toml": "loader"}
# Field metadata: a Text whose languages sit in the table itself
# (`{ key = "a", en = "...", pt = "..." }`), not under the field's name.
_INLINE_TEXT = {"toml": "inline-text"}


@dataclass(frozen=True, eq=False)
class Param:
    """A knob the learner turns with + and - (the learning rate)."""

    name: str
    default: float
    min: float
    max: float
    step: float
    scale: Scale
    label: Text

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))

    def moved(self, value: float, direction: int) -> float:
        """The value one step up (+1) or down (-1), within bounds."""
        if self.scale == "log":
            new = value * self.step if direction > 0 else value / self.step
        else:
            new = value + self.step if direction > 0 else value - self.step
        return self.clamp(float(f"{new:.6g}"))  # 0.1 * 10 is 1.0, not 1.0000000000000002


@dataclass(frozen=True, eq=False)
class Plot:
    title: Text | None = None
    function: str | None = None
    range: tuple[float, float] = (-3.0, 3.0)
    tangent_at: str | None = None
    points: str | None = None
    paths: str | None = None
    series: tuple[str, ...] = ()
    log: bool = False
    animate: bool = False
    xlabel: str = "x"
    ylabel: str = "y"


@dataclass(frozen=True, eq=False)
class Option:
    key: str
    text: Text = field(metadata=_INLINE_TEXT)


@dataclass(frozen=True, eq=False)
class Question:
    """A checkpoint. `answer` is an expression, evaluated live after the step's
    code, so the expected answer follows the seed and the learning rate."""

    kind: QuestionKind
    prompt: Text
    answer: str
    explain: Text
    tolerance: float = 1e-3
    options: tuple[Option, ...] = ()
    hints: tuple[Text, ...] = ()
    # kind "code": the exercise the table describes (its prompt, explain and
    # hints are the question's too; `answer` is empty)
    code: CodeExercise | None = field(default=None, metadata=_LOADER)


@dataclass(frozen=True, eq=False)
class Step:
    id: str
    title: Text
    text: Text
    code: str = ""
    show: tuple[str, ...] = ()
    diagram: DiagramState | None = None
    plot: Plot | None = None
    question: Question | None = None
    time_limit: float = DEFAULT_TIME_LIMIT  # seconds the step's code may run
    # the status line's loss on this step: an expression ("" : `loss`, on a
    # step whose code or values name it)
    status_loss: str = ""
    line: int = field(default=0, metadata=_LOADER)  # where the step starts in its file
    code_line: int = field(default=0, metadata=_LOADER)  # the file line of the code's first line


@dataclass(frozen=True, eq=False)
class Lesson:
    id: str
    order: int
    title: Text
    summary: Text | None
    params: tuple[Param, ...]
    steps: tuple[Step, ...]
    path: Path = field(metadata=_LOADER)
    # param name -> index of the first step whose code uses it (the runner
    # writes `name = value` at the top of that step's code)
    param_steps: dict[str, int] = field(default_factory=dict, metadata=_LOADER)
    format: int = FORMAT_VERSION

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


def toml_keys(cls: type) -> frozenset[str]:
    """The keys a lesson file's table for `cls` may hold: its fields, less
    those the loader fills in, with an inline text's languages."""
    keys: set[str] = set()
    for f in fields(cls):
        where = f.metadata.get("toml")
        if where is None:
            keys.add(f.name)
        elif where == "inline-text":
            keys.update(LANGS)
    return frozenset(keys)

