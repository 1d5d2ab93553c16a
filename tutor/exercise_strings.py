"""What a code exercise says to the learner after a run, in both languages."""

from __future__ import annotations

from .i18n import Catalog

STRINGS = Catalog({
    "right": {"en": "`{expr}`: right", "pt": "`{expr}`: certo"},
    "missing": {
        "en": "`{expr}`: not there after your code ({error})",
        "pt": "`{expr}`: não existe depois do seu código ({error})",
    },
    "kind": {"en": "`{expr}`: {got}, expected {want}", "pt": "`{expr}`: {got}, esperado {want}"},
    "shape": {"en": "`{expr}`: shape {got}, expected {want}", "pt": "`{expr}`: formato {got}, esperado {want}"},
    "dtype": {"en": "`{expr}`: dtype {got}, expected {want}", "pt": "`{expr}`: dtype {got}, esperado {want}"},
    "length": {"en": "`{expr}`: {got} items, expected {want}", "pt": "`{expr}`: {got} itens, esperado {want}"},
    "value": {
        "en": "`{expr}`: not the expected values (off by up to {diff})",
        "pt": "`{expr}`: não são os valores esperados (diferença de até {diff})",
    },
    "number": {
        "en": "`{expr}`: {got} is not the expected value",
        "pt": "`{expr}`: {got} não é o valor esperado",
    },
    "text": {"en": "`{expr}`: {got}, not the expected value", "pt": "`{expr}`: {got}, não é o valor esperado"},
    "rebound": {
        "en": "`{expr}`: a new object; the exercise wants the existing one changed in place",
        "pt": "`{expr}`: é um objeto novo; o exercício quer o que já existia, alterado no lugar",
    },
    "not-new": {
        "en": "`{expr}`: still the same object as before; the exercise wants a new one",
        "pt": "`{expr}`: ainda é o mesmo objeto de antes; o exercício quer um novo",
    },
    "unchecked": {
        "en": "`{expr}`: not checked, the code did not run to its end",
        "pt": "`{expr}`: não conferido, o código não rodou até o fim",
    },
    "kind.tensor": {"en": "a tensor", "pt": "um tensor"},
    "kind.number": {"en": "a number", "pt": "um número"},
    "kind.list": {"en": "a list", "pt": "uma lista"},
    "error": {"en": "Line {line}: {type}: {message}", "pt": "Linha {line}: {type}: {message}"},
    "error.noline": {"en": "{type}: {message}", "pt": "{type}: {message}"},
    "error.blank": {
        "en": "A blank (____) is still there: write your code in its place.",
        "pt": "Ainda há uma lacuna (____): escreva o seu código no lugar dela.",
    },
    "error.blocked": {
        "en": "An exercise cannot use files, the network or other programs: only the lesson's values.",
        "pt": "Um exercício não pode usar arquivos, a rede nem outros programas: só os valores da lição.",
    },
    "error.exit": {
        "en": "Your code asked to end the program (SystemExit): the exercise needs it to run to its end.",
        "pt": "Seu código pediu para encerrar o programa (SystemExit): o exercício precisa que ele rode até o fim.",
    },
    "stopped.timeout": {
        "en": "Stopped after {detail}: your code took too long. Is there a loop that never ends?",
        "pt": "Interrompido depois de {detail}: seu código demorou demais. Tem algum laço que nunca termina?",
    },
    "stopped.cpu": {
        "en": "Stopped: your code used more than {detail} of processor time. Is there a loop that never ends?",
        "pt": "Interrompido: seu código usou mais de {detail} de processador. Tem algum laço que nunca termina?",
    },
    "stopped.crashed": {
        "en": "Your code crashed the process that ran it ({detail}); the tutor is fine."
              " Very deep recursion or ctypes can do this.",
        "pt": "Seu código derrubou o processo que o rodava ({detail}); o tutor está bem."
              " Recursão muito funda ou ctypes podem causar isso.",
    },
    "stopped.exited": {
        "en": "Your code ended the process that ran it (exit status {detail}) before the checks: leave os._exit out.",
        "pt": "Seu código encerrou o processo que o rodava (status {detail}) antes da conferência: tire o os._exit.",
    },
    "stopped.too-large": {
        "en": "Your code's results were too large to send back ({detail}).",
        "pt": "Os resultados do seu código eram grandes demais para voltar ({detail}).",
    },
    "stopped.bad-result": {
        "en": "The process that ran your code sent back something the tutor cannot read ({detail}).",
        "pt": "O processo que rodou seu código devolveu algo que o tutor não sabe ler ({detail}).",
    },
    "stopped.locks-failed": {
        "en": "The tutor could not lock the exercise down, so your code did not run ({detail}).",
        "pt": "O tutor não conseguiu isolar o exercício, então seu código não rodou ({detail}).",
    },
    "stopped.refused": {
        "en": "This server runs no code exercises: it cannot lock learners' code away ({detail})."
              " Your teacher can start it with --allow-unsandboxed-code.",
        "pt": "Este servidor não roda exercícios de código: ele não consegue isolar o código dos alunos ({detail})."
              " Seu professor pode iniciá-lo com --allow-unsandboxed-code.",
    },
    "stopped.no-fork": {
        "en": "The tutor could not start a process for your code ({detail}); try again in a moment.",
        "pt": "O tutor não conseguiu abrir um processo para o seu código ({detail}); tente de novo daqui a pouco.",
    },
    "output.cut": {
        "en": "(too much output: only the first {chars} characters are shown)",
        "pt": "(saída longa demais: aparecem só os primeiros {chars} caracteres)",
    },
    "passed": {"en": "All checks right.", "pt": "Tudo certo."},
    "solution-failed": {
        "en": "The exercise's own solution did not run ({detail}); tell your teacher.",
        "pt": "A solução do próprio exercício não rodou ({detail}); avise seu professor.",
    },
    "unsandboxed": {
        "en": "Code exercises run without the sandbox here: {reason}.",
        "pt": "Aqui os exercícios de código rodam sem isolamento: {reason}.",
    },
})
