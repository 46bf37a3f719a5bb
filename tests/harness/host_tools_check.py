"""Every host tool the harness calls is in tests/harness/host-tools.txt or is part of every Debian system.

A static scan of the harness's shell scripts and the Makefile's recipes: it splits each script into simple
commands (following pipes, lists, compound commands, $(...), `...`, <(...), bash -c '...', and wrappers such
as as_root, sudo, env, timeout, xargs, exec, nohup) and takes each command's first word. A word is a host
tool unless it is a shell builtin or keyword, a function or alias the scanned scripts define, a tool of the
checkout's virtual environment (.venv/bin), a path (a script of the checkout, or "$BIN/..."), an expansion
("$@", $cmd) that cannot be known statically, or on BASE_SYSTEM below. Host tools missing from
host-tools.txt are printed as `file:line: command` and the exit status is 1.

Usage: host_tools_check.py [FILE...]   (default: the harness's scripts and the Makefile)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS_LIST = REPO / "tests" / "harness" / "host-tools.txt"

# What every Debian machine that runs the harness has, so the harness need not install it: the Essential
# packages (coreutils, bash, dash, debianutils, diffutils, findutils, grep, gzip, hostname, sed, tar,
# util-linux, dpkg, perl-base, ncurses-bin), apt and mawk (Priority: required), and what the README asks for
# before `make` can run at all (git to clone, make, python3 for the virtual environment, sudo for a user who
# is not root: as_root cannot install sudo with sudo). Anything else goes into host-tools.txt.
BASE_SYSTEM = {
    # coreutils
    *"""basename cat chmod chown chroot cksum comm cp cut date dd df dirname du echo env expr false head id
    install join ln ls md5sum mkdir mkfifo mktemp mv nice nl nohup nproc od paste printf pwd readlink realpath
    rm rmdir seq sha1sum sha256sum sha512sum sleep sort split stat stdbuf tac tail tee test timeout touch tr
    true truncate tsort tty uname uniq wc whoami yes""".split(),
    "[",
    # bash, dash, debianutils, diffutils, findutils, grep, gzip, hostname, sed, tar, util-linux, perl-base
    *"bash sh dash which run-parts diff cmp find xargs grep egrep fgrep gzip gunzip zcat hostname sed tar".split(),
    *"setpriv flock getopt kill mount umount logger nsenter unshare perl".split(),
    # dpkg, apt (Priority: required), mawk (awk), ncurses-bin
    *"dpkg dpkg-query dpkg-divert apt-get apt-cache apt-config apt-key awk mawk tput clear".split(),
    # The README's prerequisites.
    *"git make python3 sudo".split(),
}

SHELL_WORDS = {
    # keywords
    *"if then else elif fi case esac for select while until do done in function time { } ! [[ ]]".split(),
    # builtins
    *""". : alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs
    disown echo enable eval exec exit export fc fg getopts hash help history jobs kill let local logout
    mapfile popd printf pushd pwd read readarray readonly return set shift shopt source suspend test
    times trap true false type typeset ulimit umask unalias unset wait""".split(),
}

# Wrappers whose arguments hold a command: how many leading words (besides options) to skip before it.
WRAPPERS = {"as_root": 0, "sudo": 0, "exec": 0, "nohup": 0, "nice": 0, "time": 0, "command": 0, "env": 0,
            "timeout": 1, "xargs": 0, "builtin": 0, "stdbuf": 0, "setpriv": 0, "flock": 1}
# Not wrappers: chroot and `docker exec` run their command in another root, not on the host.
# Options of these wrappers that take a value as the next word.
WRAPPER_VALUE_OPTIONS = {"sudo": {"-u", "-g", "-C", "-D"}, "timeout": {"-k", "-s"}, "env": {"-u", "-C"},
                         "xargs": {"-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"}, "nice": {"-n"},
                         "setpriv": {"--reuid", "--regid", "--groups"}}
# The harness's own runners whose arguments after the first (a check's name) are a command: run-tests.sh.
RUNNERS = {"check": 1, "check_bg": 1, "setup": 1}

SEPARATORS = {";", "&", "&&", "||", "|", "|&", "\n", "(", ")", ";;", ";&", ";;&", "{", "}"}
REDIRECTIONS = {">", ">>", "<", "<>", ">&", "<&", "&>", "&>>", ">|", "<<<"}


class Word:
    def __init__(self, text: str, line: int, literal: bool):
        self.text, self.line, self.literal = text, line, literal  # literal: no quoting or expansion in it

    def __repr__(self) -> str:
        return f"Word({self.text!r}@{self.line})"


class Scanner:
    """Tokenises shell text; the command substitutions it meets are scanned as scripts of their own."""

    def __init__(self, text: str, first_line: int, sink: list):
        self.s, self.i, self.line, self.sink = text, 0, first_line, sink
        self.tokens: list = []
        self.heredocs: list[tuple[str, bool]] = []

    def sub(self, text: str, line: int) -> None:
        scan(text, line, self.sink)

    def balanced(self, open_: str, close: str) -> str:
        """From just after an opening bracket, the text up to its closing one (quotes respected)."""
        depth, start, s = 1, self.i, self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                self.i += 2
                continue
            if c == "'" and open_ != "{":
                self.i = s.index("'", self.i + 1) + 1 if "'" in s[self.i + 1:] else len(s)
                continue
            if c == '"':
                self.double_quoted()
                continue
            if c == "\n":
                self.line += 1
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return s[start:self.i - 1]
            self.i += 1
        return s[start:]

    def dollar(self) -> None:
        """At a `$`: scan a command substitution, skip arithmetic and parameter expansions."""
        s, line = self.s, self.line
        if s.startswith("$((", self.i):
            self.i += 3
            self.balanced("(", ")")
            if s.startswith(")", self.i):
                self.i += 1
        elif s.startswith("$(", self.i):
            self.i += 2
            self.sub(self.balanced("(", ")"), line)
        elif s.startswith("${", self.i):
            self.i += 2
            inner = self.balanced("{", "}")
            for m in re.finditer(r"\$\(", inner):  # ${x:-$(cmd)}
                scan(inner[m.end():], line, self.sink)
        else:
            self.i += 1

    def double_quoted(self) -> None:
        s = self.s
        self.i += 1
        while self.i < len(s) and s[self.i] != '"':
            c = s[self.i]
            if c == "\\":
                self.i += 2
            elif c == "$":
                self.dollar()
            elif c == "`":
                self.i += 1
                end = s.find("`", self.i)
                end = len(s) if end < 0 else end
                self.sub(s[self.i:end], self.line)
                self.i = end + 1
            else:
                if c == "\n":
                    self.line += 1
                self.i += 1
        self.i += 1

    def word(self) -> Word:
        s, start, line, literal = self.s, self.i, self.line, True
        parts: list[str] = []
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\n;&|<>()" and not (c == "(" and parts and "".join(parts).endswith("=")):
                break
            if c == "(":  # arr=(...) / arr+=(...)
                self.i += 1
                parts.append("(" + self.balanced("(", ")") + ")")
                literal = False
                continue
            if c == "\\":
                if s.startswith("\\\n", self.i):
                    self.i += 2
                    self.line += 1
                    continue
                parts.append(s[self.i + 1:self.i + 2])
                self.i += 2
                literal = False
                continue
            if c == "'":
                end = s.find("'", self.i + 1)
                end = len(s) if end < 0 else end
                parts.append(s[self.i + 1:end])
                self.line += s.count("\n", self.i, end)
                self.i = end + 1
                literal = False
                continue
            if c == '"':
                begin = self.i
                self.double_quoted()
                inner = s[begin + 1:self.i - 1]
                parts.append(inner)
                literal = False
                continue
            if c == "$":
                begin = self.i
                self.dollar()
                parts.append(s[begin:self.i])
                literal = False
                continue
            if c == "`":
                end = s.find("`", self.i + 1)
                end = len(s) if end < 0 else end
                self.sub(s[self.i + 1:end], self.line)
                parts.append(s[self.i:end + 1])
                self.i = end + 1
                literal = False
                continue
            parts.append(c)
            self.i += 1
        del start
        return Word("".join(parts), line, literal)

    def skip_heredocs(self) -> None:
        s = self.s
        for delimiter, _strip in self.heredocs:
            while self.i < len(s):
                end = s.find("\n", self.i)
                end = len(s) if end < 0 else end
                text = s[self.i:end]
                self.i = end + 1
                self.line += 1
                if text.strip() == delimiter:
                    break
        self.heredocs = []

    def run(self) -> list:
        s = self.s
        operators = sorted(SEPARATORS | REDIRECTIONS | {"<<", "<<-"}, key=len, reverse=True)
        while self.i < len(s):
            c = s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and s.startswith("\\\n", self.i):
                self.i += 2
                self.line += 1
            elif c == "#":
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif c == "\n":
                self.tokens.append(("op", "\n", self.line))
                self.i += 1
                self.line += 1
                if self.heredocs:
                    self.skip_heredocs()
            elif c in "<>" and s.startswith("(", self.i + 1):  # <(...) >(...)
                self.i += 2
                line = self.line
                self.sub(self.balanced("(", ")"), line)
                self.tokens.append(("word", Word("/dev/fd/N", line, False), line))
            elif c in ";&|<>()":
                op = next(o for o in operators if s.startswith(o, self.i))
                self.i += len(op)
                if op in ("<<", "<<-"):
                    while self.i < len(s) and s[self.i] in " \t":
                        self.i += 1
                    delimiter = self.word()
                    self.heredocs.append((delimiter.text, op == "<<-"))
                    continue
                self.tokens.append(("op", op, self.line))
            else:
                w = self.word()
                # 2>&1, 3<file: the descriptor number belongs to the redirection.
                if w.literal and w.text.isdigit() and self.i < len(s) and s[self.i] in "<>":
                    continue
                self.tokens.append(("word", w, w.line))
        return self.tokens


def scan(text: str, first_line: int, sink: list) -> None:
    """Append (line, word, defined-functions) for every command word of a shell text to sink."""
    tokens = Scanner(text, first_line, sink).run()
    expect_command = True
    i = 0
    pending_case = 0  # 1: after `case`, before `in`; 2: reading a pattern
    skip_to = None
    while i < len(tokens):
        kind, value, line = tokens[i]
        i += 1
        if kind == "op":
            if value in REDIRECTIONS:
                i += 1  # the file name
                continue
            if pending_case == 2 and value == ")":
                pending_case = 0
                expect_command = True
                continue
            if value in (";;", ";&", ";;&"):
                pending_case = 2
                continue
            if value in SEPARATORS:
                expect_command = True
            continue
        word: Word = value
        if skip_to is not None:
            if word.text == skip_to:
                skip_to = None
                expect_command = skip_to is None
            continue
        if pending_case == 1:
            if word.text == "in":
                pending_case = 2
            continue
        if pending_case == 2:
            if word.text == "esac":
                pending_case = 0
            continue
        if not expect_command:
            continue
        text = word.text
        if word.literal and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=.*", text, re.S):
            continue  # an assignment before the command
        if not word.literal and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\+?=.*", text, re.S):
            continue
        if text == "case":
            pending_case = 1
            continue
        if text in ("for", "select"):
            skip_to = "do"
            continue
        if text == "[[":
            skip_to = "]]"
            expect_command = False
            continue
        if text == "function":
            i += 1
            continue
        if i < len(tokens) and tokens[i][1] == "(" and i + 1 < len(tokens) and tokens[i + 1][1] == ")":
            sink.append(("function", text, line))  # name() { ... }
            i += 2
            continue
        if text in ("if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "fi", "done",
                    "esac"):
            continue
        expect_command = False
        if text in ("bash", "sh", "dash"):  # bash -c 'commands'
            j = i
            while j < len(tokens) and tokens[j][0] == "word":
                if tokens[j][1].text == "-c" and j + 1 < len(tokens) and tokens[j + 1][0] == "word":
                    scan(tokens[j + 1][1].text, tokens[j + 1][2], sink)
                    break
                j += 1
        sink.append(("command", word, line))
        if text == "command" and i < len(tokens) and tokens[i][0] == "word" and tokens[i][1].text in ("-v", "-V"):
            continue  # a look-up, not a call
        if text == "trap" and i < len(tokens) and tokens[i][0] == "word":
            scan(tokens[i][1].text, tokens[i][2], sink)  # trap 'commands' SIGNAL
            continue
        if text == "alias":
            for _kind, w, ln in tokens[i:]:
                if isinstance(w, Word) and "=" in w.text:
                    sink.append(("function", w.text.split("=", 1)[0], ln))
                else:
                    break
            continue
        skip = WRAPPERS.get(text, RUNNERS.get(text))
        if skip is not None:
            value_options = WRAPPER_VALUE_OPTIONS.get(text, set())
            while i < len(tokens) and tokens[i][0] == "word":
                t = tokens[i][1].text
                if t.startswith("-") and t != "-":
                    i += 2 if t in value_options else 1
                    continue
                if text == "env" and "=" in t:
                    i += 1
                    continue
                if skip:
                    skip -= 1
                    i += 1
                    continue
                break
            expect_command = True


def makefile_recipes(path: Path) -> list[tuple[int, str]]:
    """The recipe lines of a Makefile as shell text, make's variables replaced (tools of the venv, python)."""
    lines = path.read_text().splitlines()
    variables = {}
    for line in lines:
        m = re.match(r"^(?:export\s+)?([A-Z_]+)\s*[:?]?=\s*(.*)$", line)
        if m:
            variables[m.group(1)] = m.group(2).strip()

    def expand(text: str) -> str:
        for _attempt in range(3):
            text = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables.get(m.group(1), "MAKEVAR"), text)
        text = re.sub(r"\$\([a-z]+ [^)]*\)", "MAKEVAR", text)  # $(dir $@) and other functions
        text = re.sub(r"\$[@<^*?]", "MAKEVAR", text)
        return text.replace("$$", "$")

    recipes = []
    for number, line in enumerate(lines, 1):
        if line.startswith("\t"):
            recipes.append((number, expand(line[1:].lstrip("@-+"))))
    return recipes


def default_files() -> list[Path]:
    files = sorted((REPO / "tests" / "harness").glob("*.sh"))
    files += [REPO / "tests" / "harness" / "fixture_repos" / "selftest.sh", REPO / "tests" / "reliability" / "run.sh",
              REPO / "tests" / "box" / "run.sh"]
    files += sorted((REPO / "tests" / "bench").glob("*.sh"))
    # Not scanned: tests/harness/fixture_repos/payloads/*.sh, the stand-in programs packaged into the
    # fixture .debs (they run inside the test containers, not on the host).
    return [f for f in files if f.is_file()] + [REPO / "Makefile"]


def main(argv: list[str]) -> int:
    listed = {}
    for line in TOOLS_LIST.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            if len(fields) != 2:
                print(f"{TOOLS_LIST.relative_to(REPO)}: bad line {line!r}: `command package` expected")
                return 1
            listed[fields[0]] = fields[1]
    venv = {p.name for p in (REPO / ".venv" / "bin").glob("*")}
    files = [Path(a).resolve() for a in argv] or default_files()

    found: list[tuple[Path, int, Word]] = []
    functions: set[str] = set()
    # Functions of the harness's libraries count in every file (a file given alone sources them too).
    for path in dict.fromkeys(files + default_files()):
        sink: list = []
        if path.name == "Makefile" or path.suffix == ".mk":
            for number, text in makefile_recipes(path):
                scan(text, number, sink)
        else:
            scan(path.read_text(), 1, sink)
        for kind, item, line in sink:
            if kind == "function":
                functions.add(item)
            elif path in files:
                found.append((path, line, item))
    found.sort(key=lambda f: (files.index(f[0]), f[1]))

    problems = 0
    seen = 0
    for path, line, word in found:
        name = word.text
        if not word.literal and not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
            continue  # "$@", "$BIN/tool", $cmd: not knowable statically (or a path of the checkout)
        if "/" in name:
            if not name.startswith("/"):
                continue  # a script of the checkout
            name = name.rsplit("/", 1)[1]
        seen += 1
        if name in SHELL_WORDS or name in functions or name in venv or name in BASE_SYSTEM or name in listed:
            continue
        rel = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        print(f"{rel}:{line}: '{name}' is called but is not in {TOOLS_LIST.relative_to(REPO)} "
              f"(nor a base-system command, a builtin, a function or a .venv tool)")
        problems += 1
    if not venv:
        print("note: .venv/bin is missing (make setup): its tools count as host tools")
    names = ", ".join(str(f.relative_to(REPO)) for f in files if f.is_relative_to(REPO))
    print(f"host-tools-check: {len(files)} files ({names}), {seen} command words, {problems} not in the list")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
