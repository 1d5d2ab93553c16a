"""The chapter's eight lessons as a learner meets them.

Every lesson loads without a problem, runs in English and Portuguese without
a step error, asks questions whose live answers the checker can use, keeps
the seed's wording, and fits the explanation pane. The numbers themselves
are checked in test_lesson_numbers.py.
"""

from __future__ import annotations

import ast
import re
import textwrap
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from tutor import checking
from tutor.lesson import check_lessons, load_lessons
from tutor.lesson.check import _misaligns
from tutor.runner import LessonRun
from tutor.values import ListValue, TensorValue, TextValue, as_float, as_shape

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
CHAPTER = [
    "slope", "convexity", "training", "backprop-order",
    "backprop-pytorch", "manual-update", "sgd", "practice",
]
LANGS = ("en", "pt")
PANE_COLUMNS = 38  # the explanation pane at 80x24


@cache
def lessons() -> dict:
    return {lesson.id: lesson for lesson in load_lessons(LESSONS_DIR)}


@cache
def run_all(lesson_id: str, lang: str) -> list:
    return LessonRun(lessons()[lesson_id], seed=0, lang=lang).run_all()


def plain(markdown: str) -> str:
    """Text as read: Markdown emphasis and line breaks gone."""
    return " ".join(markdown.replace("**", "").replace("`", "").split())


# ---------------------------------------------------------------- the files


def test_the_chapter_loads_without_a_problem():
    found, errors = check_lessons(LESSONS_DIR)
    assert errors == []
    assert [lesson.id for lesson in found] == CHAPTER


def test_files_are_named_by_order_and_id():
    for lesson in lessons().values():
        assert lesson.path.name == f"{lesson.order:02d}-{lesson.id}.toml"
    assert sorted(lesson.order for lesson in lessons().values()) == list(range(1, 9))


# ---------------------------------------------------------------- running


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_every_step_runs_without_error(lesson_id, lang):
    lesson = lessons()[lesson_id]
    results = run_all(lesson_id, lang)
    assert len(results) == len(lesson.steps)
    for result in results:
        assert result.error is None, f"{lesson_id}:{result.step.id}: {result.error}"
        for expr, value in result.values.items():
            assert not (isinstance(value, TextValue) and value.text.startswith("<")), f"{expr}: {value.text}"
        if result.step.plot is not None:
            assert result.plot is not None and result.plot.series
            assert result.plot.title  # one cell a character: accents precomposed, nothing wide
            assert not any(_misaligns(ch) for ch in result.plot.title)
            for series in result.plot.series:
                assert not any(_misaligns(ch) for ch in series.label)
                assert len(series.xs) == len(series.ys) > 0


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_the_lesson_code_does_not_reseed(lesson_id):
    """The runner seeds once before step 1, so everyone sees the same numbers."""
    for step in lessons()[lesson_id].steps:
        assert "manual_seed" not in step.code


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_other_seeds_run_too(lesson_id):
    for result in LessonRun(lessons()[lesson_id], seed=7).run_all():
        assert result.error is None, f"{lesson_id}:{result.step.id}: {result.error}"


@pytest.mark.parametrize("lesson_id", [lid for lid in CHAPTER if lid != "practice"])
def test_every_param_setting_runs(lesson_id):
    """A learner can press + and - all the way: no setting breaks a step."""
    lesson = lessons()[lesson_id]
    for param in lesson.params:
        for value in (param.min, param.max):
            for result in LessonRun(lesson, params={param.name: value}).run_all():
                assert result.error is None, f"{lesson_id}:{result.step.id} at {param.name}={value}: {result.error}"
                assert result.expected is None or _right_answer(result.step.question, result.expected)


# ---------------------------------------------------------------- questions


def _right_answer(question, expected) -> str:
    """What a learner who knows the answer types, built from the live value."""
    kind = question.kind
    if kind == "number":
        return repr(as_float(expected))
    if kind == "shape":
        return ", ".join(str(s) for s in as_shape(expected))
    if kind == "sign":
        x = as_float(expected)
        return "0" if abs(x) <= question.tolerance else ("+" if x > 0 else "-")
    if kind == "choice":
        assert isinstance(expected, TextValue)
        return expected.text
    assert kind == "order" and isinstance(expected, ListValue)
    return " ".join(item.text if isinstance(item, TextValue) else str(item.value) for item in expected.items)


def _wrong_answer(question, right: str) -> str:
    kind = question.kind
    if kind == "number":
        return repr(float(right) + 10 * question.tolerance + 1)
    if kind == "shape":
        return ", ".join(reversed(right.split(", "))) if len(set(right.split(", "))) > 1 else right + ", 2"
    if kind == "sign":
        return {"+": "-", "-": "+", "0": "+"}[right]
    if kind == "choice":
        return next(o.key for o in question.options if o.key != right)
    return " ".join(reversed(right.split()))


def _question_steps():
    for lesson_id in CHAPTER:
        for index, step in enumerate(lessons()[lesson_id].steps):
            if step.question is not None and step.question.kind != "code":  # code: test_code_exercises
                yield lesson_id, index


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson_id,index", list(_question_steps()))
def test_every_question_has_a_live_answer_of_its_kind(lesson_id, index, lang):
    result = run_all(lesson_id, lang)[index]
    question = result.step.question
    assert result.expected is not None
    shown = checking.expected_text(question, result.expected, lang)  # raises if unusable
    assert shown
    right = _right_answer(question, result.expected)
    verdict = checking.check(question, result.expected, right, lang)
    assert verdict.correct, (right, verdict)
    wrong = _wrong_answer(question, right)
    assert not checking.check(question, result.expected, wrong, lang).correct, wrong
    for texts in (question.explain, question.prompt):
        assert texts[lang].strip()
    assert "{answer}" in question.explain[lang]
    assert 1 <= len(question.hints) <= 3
    assert len({hint[lang] for hint in question.hints}) == len(question.hints)


@pytest.mark.parametrize("lesson_id,index", list(_question_steps()))
def test_answers_are_computed_never_constants(lesson_id, index):
    answer = lessons()[lesson_id].steps[index].question.answer
    with pytest.raises((ValueError, SyntaxError)):
        ast.literal_eval(answer)
    names = {n.id for n in ast.walk(ast.parse(answer, mode="eval")) if isinstance(n, ast.Name)}
    assert names, answer


def test_every_lesson_has_a_checkpoint_and_practice_asks_one_per_step():
    for lesson_id in CHAPTER[:-1]:
        assert any(step.question for step in lessons()[lesson_id].steps), lesson_id
    practice = lessons()["practice"].steps
    assert len(practice) >= 6 and all(step.question for step in practice)
    assert {"number", "choice", "shape"} <= {step.question.kind for step in practice}


def test_the_chapter_ends_its_lessons_with_code_exercises():
    """Issue 11: eight code exercises in the practice lesson, following the
    chapter, and one at the end of lessons 5, 6 and 7."""
    for lesson_id in ("backprop-pytorch", "manual-update", "sgd"):
        last = lessons()[lesson_id].steps[-1]
        assert last.question is not None and last.question.kind == "code", lesson_id
    code = [s for s in lessons()["practice"].steps if s.question and s.question.kind == "code"]
    solutions = [s.question.code.solution for s in code]
    assert len(code) >= 8
    for needed in ("loss.backward()", "model[0].weight.grad", "torch.no_grad()", "model.parameters()",
                   "optim.SGD", "optimizer.step()", "optimizer.zero_grad()", "y.backward()"):
        assert any(needed in solution for solution in solutions), needed


def test_the_brief_checkpoints():
    kinds = {
        lesson_id: {step.question.kind for step in lessons()[lesson_id].steps if step.question}
        for lesson_id in CHAPTER
    }
    assert "sign" in kinds["slope"]
    assert "order" in kinds["backprop-order"]
    assert "shape" in kinds["backprop-pytorch"]
    backward = next(s for s in lessons()["backprop-pytorch"].steps if s.question)
    assert backward.question.answer == "model[0].weight.grad.shape"


# ---------------------------------------------------------------- text


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_both_languages_are_written_not_copied(lesson_id):
    lesson = lessons()[lesson_id]
    assert lesson.title["en"] != lesson.title["pt"]
    for step in lesson.steps:
        assert step.text["en"].strip() and step.text["pt"].strip()
        assert plain(step.text["en"]) != plain(step.text["pt"]), step.id
        if step.question:
            assert step.question.prompt["en"] != step.question.prompt["pt"]


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_text_and_code_fit_the_panes(lesson_id):
    lesson = lessons()[lesson_id]
    # at most 8 steps to read, and the code exercises after them (practice has 8)
    read = [step for step in lesson.steps if step.question is None or step.question.kind != "code"]
    assert 3 <= len(read) <= 8 and len(lesson.steps) - len(read) <= 8
    run = LessonRun(lesson)
    for index, step in enumerate(lesson.steps):
        for lang in LANGS:
            paragraphs = [p for p in re.split(r"\n\s*\n", step.text[lang]) if p.strip()]
            lines = [len(textwrap.wrap(" ".join(p.split()), PANE_COLUMNS)) for p in paragraphs]
            assert max(lines) <= 8, f"{step.id} ({lang}): a paragraph of {max(lines)} lines"
            assert sum(lines) + len(lines) - 1 <= 24, f"{step.id} ({lang}): {sum(lines)} lines"
        assert len(run.code_for(index).splitlines()) <= 16, step.id


# The seed's sentences, in the words of docs/glossary.md (passo, atualizar,
# "todas as camadas", descida de gradiente estocástica) and with a subject.
SEED_WORDING = {
    "slope": [
        "A derivada representa a inclinação da curva",
        "Inclinações íngremes (setas vermelhas): passos grandes",
        "Inclinações suaves (setas verdes): passos pequenos",
        "Base do vale (seta azul): plano, derivada é zero",
    ],
    "convexity": ["Essa é uma função convexa", "Essa é uma função não convexa"],
    "training": [
        "Durante o treinamento, a perda é calculada na passagem direta",
        # the slide's "Gradientes minimizam a perda", made true: they are the means
        "Os gradientes servem para minimizar a perda: com eles atualizamos os pesos e os vieses das camadas",
        "Repita até que as camadas estejam treinadas",
    ],
    "backprop-order": [
        "Considere uma rede de três camadas",
        "Comece pelos gradientes da perda em L2",
        "Use L2 para calcular os gradientes de L1",
        "Repita para todas as camadas (L1, L0)",
    ],
    "manual-update": [
        "Acesse o gradiente de cada camada",
        "Multiplique pela taxa de aprendizado",
        "Subtraia esse produto do peso",
    ],
    "sgd": [
        "usamos a descida de gradiente",
        "O PyTorch simplifica isso com otimizadores",
        "descida de gradiente estocástica (SGD)",
    ],
}


@pytest.mark.parametrize("lesson_id", sorted(SEED_WORDING))
def test_portuguese_keeps_the_seeds_wording(lesson_id):
    lesson = lessons()[lesson_id]
    text = " ".join(plain(s.title["pt"] + " " + s.text["pt"]) for s in lesson.steps)
    for phrase in SEED_WORDING[lesson_id]:
        assert plain(phrase) in text, phrase


def test_the_chapters_code_is_there_in_its_style():
    code = "\n".join(step.code for step in lessons()["backprop-pytorch"].steps)
    for line in [
        "model = nn.Sequential(\n    nn.Linear(16, 8),\n    nn.Linear(8, 4),\n    nn.Linear(4, 2),\n)",
        "prediction = model(sample)",
        "criterion = nn.CrossEntropyLoss()",
        "loss = criterion(prediction, target)",
        "loss.backward()",
    ] + [f"model[{i}].{p}.grad" for i in range(3) for p in ("weight", "bias")]:
        assert line in code, line
    slide = "\n".join(step.code for step in lessons()["manual-update"].steps)
    assert "weight = weight - lr * weight_grad" in slide
    assert "bias = bias - lr * bias_grad" in slide
    assert "with torch.no_grad():" in slide
    sgd = "\n".join(step.code for step in lessons()["sgd"].steps)
    assert "optimizer = optim.SGD(model.parameters(), lr=lr)" in sgd
    assert "optimizer.step()" in sgd and "optimizer.zero_grad()" in sgd


# ---------------------------------------------------------------- lesson shapes


def test_the_backprop_pytorch_lesson_shows_every_value():
    shown = {expr for step in lessons()["backprop-pytorch"].steps for expr in step.show}
    required = {"sample", "target", "prediction", "loss"}
    for i in range(3):
        for p in ("weight", "bias"):
            required |= {f"model[{i}].{p}", f"model[{i}].{p}.grad", f"model[{i}].{p}.grad.shape"}
    assert required <= shown
    results = run_all("backprop-pytorch", "en")
    values = {expr: value for result in results for expr, value in result.values.items()}
    assert all(isinstance(values[e], TensorValue) for e in required if not e.endswith("shape"))


def test_diagram_states_follow_the_lessons():
    training = [s.diagram for s in lessons()["training"].steps]
    assert training[:3] == ["forward", "loss", "L2"] and "update" in training
    order = [s.diagram for s in lessons()["backprop-order"].steps]
    assert [d for d in order if d in ("L2", "L1", "L0")] == ["L2", "L1", "L0"]
    pytorch = [s.diagram for s in lessons()["backprop-pytorch"].steps]
    assert {"forward", "loss", "L0", "L1", "L2"} <= set(pytorch)


def test_learning_rate_params():
    manual = lessons()["manual-update"].param("lr")
    assert (manual.default, manual.scale) == (0.001, "log")
    first = lessons()["manual-update"].param_steps["lr"]
    assert LessonRun(lessons()["manual-update"]).code_for(first).splitlines()[0] == "lr = 0.001"
    for lesson_id in ("convexity", "sgd"):
        assert lessons()[lesson_id].param("lr")


def test_plots_the_brief_asks_for():
    slope = lessons()["slope"].steps[0].plot
    assert slope.function and slope.tangent_at and slope.range
    convexity = [s.plot for s in lessons()["convexity"].steps if s.plot]
    assert any(p.paths and p.points for p in convexity)
    loop = [s.plot for s in lessons()["sgd"].steps if s.plot]
    assert any(p.series and p.log and p.animate for p in loop)



# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_show_prints_every_lesson(lesson_id, lang, capsys):
    from tutor.cli import main

    code = main(["show", lesson_id, "--lang", lang, "--lessons", str(LESSONS_DIR), "--answers"])
    out = capsys.readouterr().out
    assert code == 0
    lesson = lessons()[lesson_id]
    for step in lesson.steps:
        assert step.title[lang] in out
        if step.question:
            assert step.question.prompt[lang].strip() in out
            for option in step.question.options:
                assert option.text[lang] in out


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_show_json_holds_every_value_and_answer(lesson_id, capsys):
    import json

    from tutor.cli import main

    code = main(["show", lesson_id, "--json", "--lessons", str(LESSONS_DIR), "--answers"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    lesson = lessons()[lesson_id]
    assert [s["id"] for s in doc["steps"]] == [s.id for s in lesson.steps]
    for entry, step in zip(doc["steps"], lesson.steps):
        assert entry["error"] is None
        assert list(entry["values"]) == list(step.show)
        if step.question and step.question.kind == "code":
            assert entry["question"]["verdict"][-1] == "All checks right."  # the solution, run
        elif step.question:
            assert entry["question"]["expected"] is not None


# ---------------------------------------------------------------- how the files are written


LIST_ITEM = re.compile(r"^(- |\* |\d+\. )")


def hand_wrapped_lines(text: str) -> list[str]:
    """Lines that continue a paragraph on a new line: Markdown joins them, so
    they are only a hand-wrap that makes the prose hard to edit. A list item
    starts a line of its own; a line in code font may follow another."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.split("\n")
        for before, line in pairwise(lines):
            if not LIST_ITEM.match(line) and not (line.startswith("`") and before.endswith("`")):
                found.append(line)
    return found


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_prose_is_one_line_a_paragraph(lesson_id):
    lesson = lessons()[lesson_id]
    for step in lesson.steps:
        texts = [step.text]
        if step.question:
            texts += [step.question.explain, *step.question.hints]
        for text in texts:
            for lang in LANGS:
                assert hand_wrapped_lines(text[lang]) == [], f"{step.id} ({lang})"


@pytest.mark.parametrize("lesson_id", CHAPTER)
def test_worked_answers_are_multi_line_strings(lesson_id):
    """`explain.en = \"\"\"...\"\"\"`, not a one-line inline table hundreds of characters wide."""
    raw = lessons()[lesson_id].path.read_text(encoding="utf-8")
    assert not re.search(r"^explain\s*=\s*\{", raw, re.MULTILINE)
    questions = sum(1 for step in lessons()[lesson_id].steps if step.question)
    for lang in LANGS:
        assert len(re.findall(rf'^explain\.{lang} = """$', raw, re.MULTILINE)) == questions


def test_a_hand_wrapped_paragraph_is_caught():
    assert hand_wrapped_lines("Picture a valley. Its floor is where\nthe model's loss is lowest.")
    assert not hand_wrapped_lines("Steps:\n\n- one\n- two\n\nA paragraph on one line.")
