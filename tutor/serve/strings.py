"""What the classroom server says, to learners and to the teacher.

Learners read these lines in their own terminal (before or after the app,
so they are plain text with CRLF added by the caller); the teacher reads the
console lines where the server runs. Both languages are checked at import.
"""

from __future__ import annotations

from tutor.i18n import Catalog

STRINGS = Catalog({
    # ---- to a learner, in their terminal
    "no_pty": {
        "en": "This is an interactive tutor: connect with a terminal, e.g. ssh -t -p {port} {user}@{host}",
        "pt": "Este é um tutor interativo: conecte-se com um terminal, por exemplo ssh -t -p {port} {user}@{host}",
    },
    "no_command": {
        "en": "This server only runs the tutor; commands are not available. Connect with: ssh -p {port} {user}@{host}",
        "pt": ("Este servidor só executa o tutor; comandos não estão disponíveis. Conecte-se com: ssh -p {port} "
               "{user}@{host}"),
    },
    "full": {
        "en": "The classroom is full, try again shortly.",
        "pt": "A sala está cheia, tente de novo daqui a pouco.",
    },
    "bad_name": {
        "en": "Choose a learner name with letters or digits, e.g. ssh -p {port} ana@{host}",
        "pt": "Escolha um nome de aluno com letras ou dígitos, por exemplo ssh -p {port} ana@{host}",
    },
    "start_failed": {
        "en": "The tutor could not start for you ({reason}). Please tell your teacher.",
        "pt": "O tutor não conseguiu iniciar para você ({reason}). Avise quem está dando a aula.",
    },
    "goodbye": {
        "en": "Progress saved. See you next time, {learner}!",
        "pt": "Progresso salvo. Até a próxima, {learner}!",
    },
    "class_ended": {
        "en": "The instructor has ended the class. Your progress is saved. Thank you, {learner}!",
        "pt": "A aula foi encerrada. Seu progresso está salvo. Obrigado, {learner}!",
    },
    "consoles_full": {
        "en": "Too many instructor consoles are open; close one, or open the tutor with: ssh -t ... tutor",
        "pt": "Há consoles de professor demais abertos; feche um, ou abra o tutor com: ssh -t ... tutor",
    },
    "idle": {
        "en": ("Your session ended after {idle} without activity. Progress saved: connect again to go on where you "
               "were."),
        "pt": ("Sua sessão terminou após {idle} sem atividade. Progresso salvo: conecte-se de novo para continuar de "
               "onde parou."),
    },
    "class_over": {
        "en": "The class is over: the server is closing. Your progress is saved. Thank you, {learner}!",
        "pt": "A aula acabou: o servidor está fechando. Seu progresso está salvo. Obrigado, {learner}!",
    },
    "crashed": {
        "en": ("Your session stopped unexpectedly ({reason}). Progress up to your last step is saved: connect again to "
               "go on."),
        "pt": ("Sua sessão parou inesperadamente ({reason}). O progresso até o último passo está salvo: conecte-se de "
               "novo para continuar."),
    },
    "cpu_spent": {
        "en": "Your session used up its computing time ({seconds} s of CPU). Progress saved: connect again to go on.",
        "pt": ("Sua sessão esgotou seu tempo de processamento ({seconds} s de CPU). Progresso salvo: conecte-se de "
               "novo para continuar."),
    },
    "starting": {
        "en": "Starting your tutor, one moment...",
        "pt": "Iniciando o seu tutor, só um momento...",
    },
    "one_per_connection": {
        "en": "One tutor per connection: this connection already has one.",
        "pt": "Um tutor por conexão: esta conexão já tem um.",
    },
    "window_capped": {
        "en": "Your window is larger than {cols}x{rows}: the tutor draws in its top-left {cols}x{rows}.",
        "pt": "Sua janela é maior que {cols}x{rows}: o tutor desenha só nos {cols}x{rows} do canto superior esquerdo.",
    },
    # ---- to the teacher, on the server's console
    "console_ready": {
        "en": "Classroom open on {host}:{port} (seats: {seats}; {who}).",
        "pt": "Sala aberta em {host}:{port} (lugares: {seats}; {who}).",
    },
    "console_instructors": {
        "en": ("Instructors ({count} keys in {path}) open the console with: ssh -t -p {port} -i THEIR_KEY "
               "NAME@{host} (and the tutor itself with: ssh -t -p {port} -i THEIR_KEY NAME@{host} tutor)"),
        "pt": ("Professores ({count} chaves em {path}) abrem o console com: ssh -t -p {port} -i SUA_CHAVE "
               "NOME@{host} (e o próprio tutor com: ssh -t -p {port} -i SUA_CHAVE NOME@{host} tutor)"),
    },
    "console_no_console_app": {
        "en": "Warning: this installation has no instructor console (tutor.ui.console); instructors' logins will fail.",
        "pt": ("Atenção: esta instalação não tem o console do professor (tutor.ui.console); o login dos "
               "professores vai falhar."),
    },
    "console_instructor_joined": {
        "en": "+ instructor {name} opened the console",
        "pt": "+ professor {name} abriu o console",
    },
    "console_instructor_left": {
        "en": "- instructor {name} closed the console ({why})",
        "pt": "- professor {name} fechou o console ({why})",
    },
    "console_class_ended": {
        "en": "{name} ended the class: {count} learner(s) told, progress saved.",
        "pt": "{name} encerrou a aula: {count} aluno(s) avisados, progresso salvo.",
    },
    "console_who_open": {
        "en": "open: anyone may join, the SSH user name is the learner",
        "pt": "aberta: qualquer pessoa entra, o nome de usuário SSH é o aluno",
    },
    "console_who_keys": {
        "en": "{count} authorized keys from {path}",
        "pt": "{count} chaves autorizadas de {path}",
    },
    "console_fingerprint": {
        "en": "Host key {path}\n  fingerprint {fingerprint}",
        "pt": "Chave do servidor {path}\n  impressão digital {fingerprint}",
    },
    "console_hint": {
        "en": "Learners connect with: ssh -p {port} NAME@{host}    (Ctrl-C ends the class)",
        "pt": "Os alunos se conectam com: ssh -p {port} NOME@{host}    (Ctrl-C encerra a aula)",
    },
    "console_joined": {
        "en": "+ {learner} joined ({active}/{seats})",
        "pt": "+ {learner} entrou ({active}/{seats})",
    },
    "console_left": {
        "en": "- {learner} left ({why}; {active}/{seats})",
        "pt": "- {learner} saiu ({why}; {active}/{seats})",
    },
    "console_refused": {
        "en": "x {user} refused: {why}",
        "pt": "x {user} recusado: {why}",
    },
    "console_closing": {
        "en": "Ending the class: telling {count} learners, saving progress...",
        "pt": "Encerrando a aula: avisando {count} alunos, salvando o progresso...",
    },
    "console_closed": {
        "en": "Class closed.",
        "pt": "Aula encerrada.",
    },
    "console_forker_lost": {
        "en": ("The session forker stopped unexpectedly (exit code {code}); the {count} running sessions go on. "
               "Starting a new one..."),
        "pt": ("O processo que cria as sessões parou inesperadamente (código {code}); as {count} sessões abertas "
               "continuam. Iniciando outro..."),
    },
    "console_forker_stuck": {
        "en": "The session forker has not answered for {seconds} s; replacing it.",
        "pt": "O processo que cria as sessões não responde há {seconds} s; substituindo-o.",
    },
    "console_forker_failed": {
        "en": "A new session forker did not start ({why}); trying again in {seconds} s.",
        "pt": "Um novo processo de sessões não iniciou ({why}); tentando de novo em {seconds} s.",
    },
    "console_forker_new": {
        "en": "A new session forker is ready (pid {pid}); learners can join again.",
        "pt": "Um novo processo de sessões está pronto (pid {pid}); os alunos podem entrar de novo.",
    },
    "console_refused_burst": {
        "en": ("x {count} connections refused ({where}): too many waiting to log in ({waiting} now; at most {total}, "
               "{per_address} per address)"),
        "pt": ("x {count} conexões recusadas ({where}): conexões demais esperando para entrar ({waiting} agora; no "
               "máximo {total}, {per_address} por endereço)"),
    },
    "console_no_fds": {
        "en": "x cannot accept connections for now: {why}",
        "pt": "x não é possível aceitar conexões por enquanto: {why}",
    },
    "console_wrong_source": {
        "en": "x key of {name} (line {line}) refused from {address}: not in its from= list",
        "pt": "x chave de {name} (linha {line}) recusada vinda de {address}: fora da sua lista from=",
    },
    "console_keys_reloaded": {
        "en": "Keys reloaded: {count} authorized keys from {path}.",
        "pt": "Chaves recarregadas: {count} chaves autorizadas de {path}.",
    },
    "console_keys_kept": {
        "en": "The keys file changed but cannot be used ({why}); the keys already in force stay.",
        "pt": "O arquivo de chaves mudou mas não pode ser usado ({why}); as chaves em vigor continuam.",
    },
    "console_hangup_end": {
        "en": "Closing this terminal (SIGHUP) ends the class like Ctrl-C.",
        "pt": "Fechar este terminal (SIGHUP) encerra a aula como Ctrl-C.",
    },
    "console_hangup_ignore": {
        "en": "Running detached: SIGHUP is ignored (no keys file to reload).",
        "pt": "Rodando sem terminal: SIGHUP é ignorado (não há arquivo de chaves para recarregar).",
    },
    "console_warm": {
        "en": ("Ready in {seconds} s: {lessons} lessons run once for the class, and {drawn} of their steps"
               " drawn ahead for 80x24 terminals (in each language the sessions may speak)."),
        "pt": ("Pronto em {seconds} s: {lessons} lições rodadas uma vez para a turma e {drawn} dos seus passos"
               " desenhados de antemão para terminais 80x24 (em cada idioma que as sessões podem usar)."),
    },
    "console_merging_on": {
        "en": "Memory: the sessions share their identical pages (KSM is on).",
        "pt": "Memória: as sessões compartilham as páginas de memória idênticas (o KSM está ligado).",
    },
    "console_merging_off": {
        "en": ("Memory: KSM is off on this machine; turned on (as root: echo 1 > /sys/kernel/mm/ksm/run),"
               " the sessions share their identical pages, for some CPU (README, \"Memory: KSM\")."),
        "pt": ("Memória: o KSM está desligado nesta máquina; se ligado (como root: echo 1 > /sys/kernel/mm/ksm/run),"
               " as sessões passam a compartilhar as páginas de memória idênticas, ao custo de um pouco de CPU"
               " (README, \"Memory: KSM\")."),
    },
    "console_hangup_reload": {
        "en": "Running detached: SIGHUP reloads the keys file.",
        "pt": "Rodando sem terminal: SIGHUP recarrega o arquivo de chaves.",
    },
    # ---- why a session ended or was refused (console and learner lines)
    "why_quit": {"en": "quit", "pt": "saiu do tutor"},
    "why_idle": {"en": "idle", "pt": "inativo"},
    "why_disconnected": {"en": "disconnected", "pt": "desconectou"},
    "why_class_over": {"en": "class over", "pt": "fim da aula"},
    "why_cpu": {"en": "CPU allowance spent", "pt": "tempo de CPU esgotado"},
    "why_signal": {"en": "signal {n}", "pt": "sinal {n}"},
    "why_exit": {"en": "exit code {n}", "pt": "código de saída {n}"},
    "why_command": {"en": "asked to run a command", "pt": "pediu para executar um comando"},
    "why_no_pty": {"en": "no terminal", "pt": "sem terminal"},
    "why_bad_name": {"en": "no usable name", "pt": "nome inutilizável"},
    "why_no_start": {"en": "no session could be started", "pt": "nenhuma sessão pôde ser iniciada"},
    "why_many_sessions": {"en": "a second session on one connection", "pt": "uma segunda sessão na mesma conexão"},
    "why_class_ended": {"en": "the instructor ended the class", "pt": "o professor encerrou a aula"},
    "why_consoles_full": {"en": "{n} consoles open already", "pt": "já há {n} consoles abertos"},
    "why_full": {"en": "classroom full ({seats} seats)", "pt": "sala cheia ({seats} lugares)"},
    # ---- errors that stop the server before it starts
    "err_who": {
        "en": ("tutor serve: say who may join: --authorized-keys FILE (only those keys) or --open (anyone who knows "
               "the address)."),
        "pt": ("tutor serve: diga quem pode entrar: --authorized-keys ARQUIVO (só essas chaves) ou --open (qualquer um "
               "que saiba o endereço)."),
    },
    "err_keys": {
        "en": "tutor serve: cannot use the authorized keys file {path}: {why}",
        "pt": "tutor serve: não foi possível usar o arquivo de chaves autorizadas {path}: {why}",
    },
    "err_hostkey": {
        "en": "tutor serve: cannot read or create the host key {path}: {why}",
        "pt": "tutor serve: não foi possível ler ou criar a chave do servidor {path}: {why}",
    },
    "err_listen": {
        "en": "tutor serve: cannot listen on {host}:{port}: {why}",
        "pt": "tutor serve: não foi possível escutar em {host}:{port}: {why}",
    },
    "err_lessons": {
        "en": "tutor serve: the lessons cannot be loaded:\n{why}",
        "pt": "tutor serve: as lições não puderam ser carregadas:\n{why}",
    },
    "sandbox_refused": {
        "en": "tutor serve: no sandbox here ({why}): code exercises are refused "
              "(--allow-unsandboxed-code runs them with process limits only)",
        "pt": "tutor serve: sem isolamento aqui ({why}): os exercícios de código ficam recusados "
              "(--allow-unsandboxed-code os roda só com os limites de processo)",
    },
    "sandbox_allowed": {
        "en": "tutor serve: no sandbox here ({why}): code exercises run with process limits only, "
              "as --allow-unsandboxed-code asks",
        "pt": "tutor serve: sem isolamento aqui ({why}): os exercícios de código rodam só com os limites "
              "de processo, como pede o --allow-unsandboxed-code",
    },
    "err_forker": {
        "en": "tutor serve: the session forker did not start: {why}",
        "pt": "tutor serve: o processo que cria as sessões não iniciou: {why}",
    },
    "err_data_dir": {
        "en": "tutor serve: cannot use the data folder {path}: {why}",
        "pt": "tutor serve: não foi possível usar a pasta de dados {path}: {why}",
    },
})


def say(key: str, lang: str, **fields: object) -> str:
    return STRINGS.get(key, lang, **fields)
