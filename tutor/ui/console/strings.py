"""Every word the instructor console shows, in English and Brazilian Portuguese.

Beside `tutor/ui/strings.py` and built the same way: `Catalog` checks at
import time that each string exists in both languages. The words follow
docs/glossary.md (aluno, passo, dica, lição; the class is *a turma*, the
instructor *o professor*)."""

from __future__ import annotations

from tutor.i18n import Catalog

STRINGS = Catalog(
    {
        "title": {"en": "Class", "pt": "Turma"},
        "head": {
            "en": "{instructor} · {connected} of {learners} learner(s) connected",
            "pt": "{instructor} · {connected} de {learners} aluno(s) conectado(s)",
        },
        "head_following": {
            "en": "following you: {lesson} {step}/{steps}",
            "pt": "seguindo você: {lesson} {step}/{steps}",
        },
        "head_ended": {"en": "class ended", "pt": "aula encerrada"},
        "head_no_link": {"en": "server gone", "pt": "servidor fora do ar"},
        # roster columns, in tutor.classroom.COLUMNS order
        "col_learner": {"en": "Learner", "pt": "Aluno"},
        "col_connected": {"en": "Here", "pt": "Aqui"},
        "col_lesson": {"en": "Lesson", "pt": "Lição"},
        "col_step": {"en": "Step", "pt": "Passo"},
        "col_right": {"en": "Right", "pt": "Certas"},
        "col_hints": {"en": "Hints", "pt": "Dicas"},
        "col_key": {"en": "Key", "pt": "Tecla"},
        "col_stuck": {"en": "Stuck", "pt": "Travado"},
        "stuck_tries": {"en": "{n} wrong", "pt": "{n} erros"},
        "stuck_time": {"en": "{n} min", "pt": "{n} min"},
        "empty_roster": {
            "en": "No learners yet: they appear here as they connect.",
            "pt": "Nenhum aluno ainda: eles aparecem aqui ao se conectar.",
        },
        # where the class is
        "where_title": {"en": "Where (connected)", "pt": "Onde estão (conectados)"},
        # the question view
        "question_title": {
            "en": "Question {n}/{count} · {lesson} · {step}",
            "pt": "Pergunta {n}/{count} · {lesson} · {step}",
        },
        "no_questions": {"en": "No questions in the lessons.", "pt": "As lições não têm perguntas."},
        "lesson_no_questions": {
            "en": "Lesson {lesson} has no questions.",
            "pt": "A lição {lesson} não tem perguntas.",
        },
        "tally": {
            "en": "right {right} · wrong {wrong} · not yet {not_yet}",
            "pt": "certas {right} · erradas {wrong} · ainda não {not_yet}",
        },
        "tally_revealed": {"en": " ({n} revealed)", "pt": " ({n} revelada(s))"},
        "wrong_answers": {"en": "Most common wrong answers:", "pt": "Respostas erradas mais comuns:"},
        "no_wrong_answers": {"en": "No wrong answers yet.", "pt": "Nenhuma resposta errada ainda."},
        "learners_gave": {"en": "{n} learner(s)", "pt": "{n} aluno(s)"},
        # following
        "follow_title": {
            "en": "Following you · {lesson} · step {step}/{steps}",
            "pt": "Seguindo você · {lesson} · passo {step}/{steps}",
        },
        "confirm_follow": {
            "en": "Bring every learner to {lesson}, step {step} of {steps} ({title}), and keep them with you "
                  "until you release them?",
            "pt": "Levar todos os alunos para {lesson}, passo {step} de {steps} ({title}), e mantê-los com você "
                  "até liberá-los?",
        },
        "confirm_end": {
            "en": "End the class? Every learner is told, their progress is saved and their session closes.",
            "pt": "Encerrar a aula? Todos os alunos são avisados, o progresso é salvo e a sessão se fecha.",
        },
        "confirm_keys": {"en": "y yes · n no", "pt": "s sim · n não"},
        "message_prompt": {
            "en": "A message for every learner (one line, at most {limit} characters). Enter sends, Esc cancels.",
            "pt": "Uma mensagem para todos os alunos (uma linha, até {limit} caracteres). Enter envia, Esc cancela.",
        },
        "message_placeholder": {"en": "message", "pt": "mensagem"},
        # notes on the status line
        "sent_follow": {
            "en": "The class follows you: {lesson}, step {step}.",
            "pt": "A turma segue você: {lesson}, passo {step}.",
        },
        "sent_free": {
            "en": "Released: every learner steps freely again.",
            "pt": "Liberados: cada aluno anda sozinho de novo.",
        },
        "sent_message": {"en": "Message sent: {text}", "pt": "Mensagem enviada: {text}"},
        "sent_end": {"en": "The class has ended.", "pt": "A aula foi encerrada."},
        "not_sent": {"en": "Could not send: {error}", "pt": "Não foi possível enviar: {error}"},
        "csv_written": {"en": "CSV written: {name} in {folder}", "pt": "CSV gravado: {name} na pasta {folder}"},
        "csv_failed": {"en": "Could not write the CSV: {error}", "pt": "Não foi possível gravar o CSV: {error}"},
        "store_warning": {"en": "Progress store: {warning}", "pt": "Progresso: {warning}"},
        "store_failed": {
            "en": "The progress store could not be read ({error}); showing live events only.",
            "pt": "Não foi possível ler o progresso ({error}); mostrando só o que chega ao vivo.",
        },
        "sorted_by": {"en": "Sorted by {column}{order}.", "pt": "Ordenado por {column}{order}."},
        "descending": {"en": ", descending", "pt": ", decrescente"},
        "last_step": {"en": "This is the lesson's last step.", "pt": "Este é o último passo da lição."},
        "first_step": {"en": "This is the lesson's first step.", "pt": "Este é o primeiro passo da lição."},
        "link_ended": {
            "en": "The server closed the class link: the roster no longer changes.",
            "pt": "O servidor fechou a ligação com a turma: a lista não muda mais.",
        },
        # keys
        "key_follow": {"en": "follow me", "pt": "siga-me"},
        "key_free": {"en": "free", "pt": "liberar"},
        "key_message": {"en": "message", "pt": "mensagem"},
        "key_end": {"en": "end", "pt": "encerrar"},
        "key_csv": {"en": "CSV", "pt": "CSV"},
        "key_sort": {"en": "sort", "pt": "ordenar"},
        "key_question": {"en": "question", "pt": "pergunta"},
        "key_lesson": {"en": "lesson", "pt": "lição"},
        "key_step": {"en": "step", "pt": "passo"},
        "key_quit": {"en": "quit", "pt": "sair"},
        "key_yes": {"en": "yes", "pt": "sim"},
        "key_no": {"en": "no", "pt": "não"},
        "key_send": {"en": "send", "pt": "enviar"},
        "key_cancel": {"en": "cancel", "pt": "cancelar"},
    }
)


def t(key: str, lang: str, **fields: object) -> str:
    return STRINGS.get(key, lang, **fields)
