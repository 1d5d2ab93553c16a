"""Every word the app itself shows, in English and Brazilian Portuguese.

Lessons carry their own text; this catalog holds the interface around them
(menu, status line, keys, questions). `Catalog` checks at import time that
each string exists in both languages, so a missing translation fails the
tests instead of reaching a learner.
"""

from __future__ import annotations

from tutor.i18n import Catalog

STRINGS = Catalog(
    {
        # App and menu
        "app_title": {"en": "tutor", "pt": "tutor"},
        "chapter": {
            "en": "Derivatives to update model parameters",
            "pt": "Derivadas para atualizar parâmetros do modelo",
        },
        "learner": {"en": "learner: {name}", "pt": "aluno: {name}"},
        "menu_hint": {
            "en": "Up/Down choose a lesson, Enter opens it, ? help, q quit",
            "pt": "As setas ↑ ↓ escolhem a lição, Enter abre, ? ajuda, q sai",
        },
        "col_lesson": {"en": "Lesson", "pt": "Lição"},
        "col_status": {"en": "Status", "pt": "Situação"},
        "col_step": {"en": "Step", "pt": "Passo"},
        "col_questions": {"en": "Questions", "pt": "Perguntas"},
        "col_score": {"en": "Score", "pt": "Nota"},
        "status_new": {"en": "new", "pt": "nova"},
        "status_started": {"en": "started", "pt": "iniciada"},
        "status_done": {"en": "done", "pt": "concluída"},
        "no_lessons": {
            "en": "No lessons found.",
            "pt": "Nenhuma lição encontrada.",
        },
        # Keys (footer and help)
        "key_next": {"en": "next", "pt": "próximo"},
        "key_prev": {"en": "back", "pt": "voltar"},
        "key_rerun": {"en": "re-run", "pt": "refazer"},
        "key_param": {"en": "param", "pt": "parâm."},
        "key_param_down": {"en": "param -", "pt": "parâm. -"},
        "key_param_next": {"en": "other param", "pt": "outro parâm."},
        "key_hint": {"en": "hint", "pt": "dica"},
        "key_answer": {"en": "answer", "pt": "responder"},
        "key_zoom": {"en": "zoom pane", "pt": "ampliar"},
        "key_menu": {"en": "lessons", "pt": "lições"},
        "key_open": {"en": "open", "pt": "abrir"},
        "key_help": {"en": "help", "pt": "ajuda"},
        "key_quit": {"en": "quit", "pt": "sair"},
        "key_close": {"en": "close", "pt": "fechar"},
        "key_leave": {"en": "leave box", "pt": "sair da caixa"},
        # Help screen
        "help_title": {"en": "Keys", "pt": "Teclas"},
        "help_close": {
            "en": "Escape, ? or F1 closes this help.",
            "pt": "Escape, ? ou F1 fecha esta ajuda.",
        },
        "help_next": {"en": "next step", "pt": "próximo passo"},
        "help_prev": {"en": "previous step", "pt": "passo anterior"},
        "help_rerun": {
            "en": "run the lesson again up to this step",
            "pt": "executa a lição de novo até este passo",
        },
        "help_param": {
            "en": "raise / lower the parameter (learning rate) and re-run",
            "pt": "aumenta / diminui o parâmetro (taxa de aprendizado) e executa de novo",
        },
        "help_param_next": {
            "en": "choose another parameter (lessons with several)",
            "pt": "escolhe outro parâmetro (lições com vários)",
        },
        "help_tab": {
            "en": "move between panes (explanation, code, values, plot)",
            "pt": "alterna entre painéis (explicação, código, valores, gráfico)",
        },
        "help_arrows": {
            "en": "scroll the focused pane (also PageUp/PageDown, Home/End); "
            "in the values, the arrows move over the entries",
            "pt": "rolam o painel em foco (também PageUp/PageDown, Home/End); "
            "nos valores, as setas percorrem as entradas",
        },
        "help_zoom": {
            "en": "zoom the focused pane to the whole window (again: back)",
            "pt": "amplia o painel em foco para a janela toda (de novo: volta)",
        },
        "help_answer": {
            "en": "type an answer to the step's question (Enter checks it)",
            "pt": "digita a resposta da pergunta do passo (Enter confere)",
        },
        "help_leave": {
            "en": "leave the answer box or the code editor (then the keys above work again)",
            "pt": "sai da caixa de resposta ou do editor de código (as teclas acima voltam a valer)",
        },
        "help_hint": {
            "en": "a hint (up to three), then the worked answer",
            "pt": "uma dica (até três), depois a resposta explicada",
        },
        "help_menu": {"en": "back to the lessons", "pt": "volta às lições"},
        "help_help": {"en": "this help (F1 in the answer box and the editor)",
                      "pt": "esta ajuda (F1 na caixa de resposta e no editor)"},
        "help_run_code": {
            "en": "run and check your code (a code exercise)",
            "pt": "roda e confere o seu código (exercício de código)",
        },
        "help_code_reset": {
            "en": "put back the starter code / show the solution",
            "pt": "volta ao código inicial / mostra a solução",
        },
        "help_quit": {
            "en": "quit (your place is saved)",
            "pt": "sai (sua posição fica salva)",
        },
        "help_open": {"en": "open the chosen lesson", "pt": "abre a lição escolhida"},
        # Lesson screen
        "pane_explanation": {"en": "Explanation", "pt": "Explicação"},
        "pane_code": {"en": "Code that ran", "pt": "Código executado"},
        "pane_values": {"en": "Values", "pt": "Valores"},
        "pane_plot": {"en": "Plot", "pt": "Gráfico"},
        "pane_diagram": {"en": "Backpropagation", "pt": "Retropropagação"},
        "pane_question": {"en": "Question", "pt": "Pergunta"},
        "more_below": {"en": "more: Down", "pt": "mais abaixo: ↓"},
        "step_of": {"en": "step {n}/{m}", "pt": "passo {n}/{m}"},
        "loss": {"en": "loss {loss}", "pt": "perda {loss}"},
        "running": {"en": "running...", "pt": "executando..."},
        "loading_torch": {
            "en": "Loading PyTorch... (a few seconds, only once)",
            "pt": "Carregando o PyTorch... (alguns segundos, só uma vez)",
        },
        "no_code": {"en": "This step runs no code.", "pt": "Este passo não executa código."},
        "no_values": {
            "en": "This step shows no values.",
            "pt": "Este passo não mostra valores.",
        },
        "step_error": {
            "en": "The code raised an error (the lesson goes on):",
            "pt": "O código gerou um erro (a lição continua):",
        },
        "run_failed": {
            "en": "The tutor could not run this step: {error}",
            "pt": "O tutor não conseguiu executar este passo: {error}",
        },
        "first_step": {"en": "This is the first step.", "pt": "Este é o primeiro passo."},
        "last_step": {
            "en": "End of the lesson. Press l for the lessons.",
            "pt": "Fim da lição. Tecle l para ver as lições.",
        },
        "next_lesson": {
            "en": "End of the lesson. n again: next lesson, {title}",
            "pt": "Fim da lição. n de novo: próxima lição, {title}",
        },
        "no_params": {
            "en": "This lesson has no parameter to change.",
            "pt": "Esta lição não tem parâmetro para mudar.",
        },
        "param_limit": {
            "en": "{name} is at its limit",
            "pt": "{name} já está no limite",
        },
        "param_set": {
            "en": "{label} = {value}: re-running up to this step",
            "pt": "{label} = {value}: executando de novo até este passo",
        },
        "store_warning": {
            "en": "Progress store problem: {warning}",
            "pt": "Problema no registro de progresso: {warning}",
        },
        "too_small": {
            "en": "Make the window at least 80x24.\nIt is {w}x{h} now.",
            "pt": "Aumente a janela para pelo menos 80x24.\nAgora ela tem {w}x{h}.",
        },
        # Questions
        "q_predict": {
            "en": "Predict first: this step's values appear once you answer.",
            "pt": "Preveja primeiro: os valores deste passo aparecem quando você responder.",
        },
        "q_how": {
            "en": "a or Enter: answer · h: hint · n: go on anyway",
            "pt": "a ou Enter: responder · h: dica · n: seguir mesmo assim",
        },
        "q_how_closed": {  # the question is answered right or revealed
            # one line of the side column at 80x24 (40 cells): a plot step's verdict has one row under it
            "en": "a or Enter: answer · h: hint · n: go on",
            "pt": "a/Enter: responder · h: dica · n: seguir",
        },
        "q_typing": {
            "en": "Enter checks · Esc leaves the box",
            "pt": "Enter confere · Esc sai da caixa",
        },
        "q_placeholder": {
            "en": "your answer, then Enter (Esc leaves)",
            "pt": "sua resposta e Enter (Esc sai)",
        },
        "q_waiting": {
            "en": "Got it: checking as soon as the step has run...",
            "pt": "Anotado: confiro assim que o passo terminar...",
        },
        "q_right": {"en": "Right!", "pt": "Certo!"},
        "q_wrong": {"en": "Not quite.", "pt": "Ainda não."},
        "q_you": {"en": "you: {given}", "pt": "você: {given}"},
        "q_live": {"en": "computed value: {expected}", "pt": "valor calculado: {expected}"},
        "q_live_same": {"en": "It matches the computed value.", "pt": "Bate com o valor calculado."},
        "q_hint_label": {"en": "Hint {n}/{m}:", "pt": "Dica {n}/{m}:"},
        "q_try_again": {
            "en": "Try again ({n} of {m} tries), or h for a hint (out of the box).",
            "pt": "Tente de novo ({n} de {m} tentativas), ou h para uma dica (fora da caixa).",
        },
        "q_moved": {
            "en": "The parameter changed the value since your answer.",
            "pt": "O parâmetro mudou o valor desde a sua resposta.",
        },
        "q_why": {"en": "Why:", "pt": "Por quê:"},
        "q_hint_more": {
            "en": "h again: next hint",
            "pt": "h de novo: próxima dica",
        },
        "q_hint_reveal": {
            "en": "h again: show the worked answer",
            "pt": "h de novo: mostra a resposta explicada",
        },
        "q_revealed": {"en": "Worked answer:", "pt": "Resposta explicada:"},
        "q_answer_is": {"en": "The answer: {expected}", "pt": "A resposta: {expected}"},
        "q_unavailable": {
            "en": "This question cannot be checked: the step's code failed.",
            "pt": "Esta pergunta não pode ser conferida: o código do passo falhou.",
        },
        "q_checker_missing": {
            "en": "Answer checking is not available in this installation.",
            "pt": "A conferência de respostas não está disponível nesta instalação.",
        },
        "q_done_before": {
            "en": "You answered this one before.",
            "pt": "Você já respondeu a esta pergunta.",
        },
        "q_options": {"en": "Options:", "pt": "Opções:"},
        # Command line
        "err_unknown_lesson": {
            "en": "There is no lesson {lesson!r}. Lessons: {ids}",
            "pt": "Não existe a lição {lesson!r}. Lições: {ids}",
        },
        "err_lessons": {
            "en": "The lessons could not be loaded:",
            "pt": "Não foi possível carregar as lições:",
        },
        "err_store": {
            "en": "The progress store could not be opened: {error}",
            "pt": "Não foi possível abrir o registro de progresso: {error}",
        },
    }
)


def t(key: str, lang: str, **fields: object) -> str:
    """Shorthand used all over the app: `t("key_next", "pt")`."""
    return STRINGS.get(key, lang, **fields)
