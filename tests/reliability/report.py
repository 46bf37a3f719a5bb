"""Write the reliability documents.

    report.py bad-input DOC                 docs/bad-input.md: every case of the bad-input tables
    report.py results DOC JUNIT.xml...      docs/reliability.md: what `make reliability` tried, passed, failed

The results come from the JUnit reports of tests/reliability (pytest --junitxml): each test case's
`outcome` property (what it saw, step by step), its `doc` property (what it does) and its failure.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
TABLES = sorted((REPO / "tests" / "integration").glob("bad_input*.yml"))
# The security classes of issue 17 and their cases (tests/reliability/security_classes.yml), and what each
# case did on the code before the fix (docs/evidence/security-before.json, written by
# tests/reliability/before.sh).
CLASSES = REPO / "tests" / "reliability" / "security_classes.yml"
BEFORE = REPO / "docs" / "evidence" / "security-before.json"

# Test function -> section of docs/reliability.md, in this order.
SECTIONS = {
    "test_bad_input": "Bad input",
    "test_vendor_repository_unreachable": "Faults",
    "test_wrong_signing_key": "Faults",
    "test_key_with_another_fingerprint": "Faults",
    "test_damaged_package_download": "Faults",
    "test_killed_during_apt_install": "Faults",
    "test_killed_during_environment_build": "Faults",
    "test_check_mode_on_a_fresh_host": "Check mode",
}
ORDER = ["Bad input", "Faults", "Check mode", "Security"]
HOW = {
    "Bad input": (
        "Every case of the bad-input tables (`tests/integration/bad_input*.yml`, listed in "
        "[bad-input.md](bad-input.md)) runs its playbook against one Debian 12 test container. Passed: the run "
        "failed, a failure message holds the expected text (it names the variable and the fix), Ansible "
        "reported no change, and /etc, /usr/local and dpkg's status are byte-identical afterwards."),
    "Faults": (
        "Each fault runs a role against a fresh Debian 12 test container (the bad-input suite's image and "
        "flags) with the fixture vendor repositories. Passed: a clear error, apt still usable (`apt-get check`, "
        "empty `dpkg --audit`, `apt-get update` without errors or warnings), and a rerun without the fault "
        "converges. A killed run gets SIGKILL on the controller (ansible-playbook) and on the target (every "
        "process of the run: the module, apt-get, dpkg, uv), as a lost session or a crash would."),
    "Check mode": (
        "`ansible-playbook playbooks/site.yml --check` with `inventories/local`'s settings (cpu profile) against "
        "a fresh test container with systemd, as the image comes (no apt package lists) and after `apt-get "
        "update`. Passed: no failed task, and /etc, /usr/local and dpkg's status unchanged. (On a converged host, "
        "`--check` must report 0 changed: that is in `make test`, Molecule scenario `site`. The roles the cpu "
        "profile leaves out run under `--check` on fresh hosts in `make test` too: the Molecule scenarios "
        "`nvidia_stack`, `docker` and `desktop_apps` start with `check`.)"),
    "Security": (
        "One test container with systemd: site.yml with `inventories/local`'s settings (cpu profile; trimmed: "
        "the base environment only, no Docker) and the nvidia_driver role with Secure Boot on (fixture NVIDIA "
        "repository, a generated MOK key), both with `-v`. On that box: site.yml again with settings or planted "
        "files of a careless or hostile inventory (each must be refused before any change, nothing planted may "
        "run, JupyterLab stays on the loopback); verify.yml with three programs listening beyond the loopback; "
        "JupyterLab restarted while another user's program holds its port. Then `playbooks/template.yml` after "
        "leaving what a build leaves (sshd's host keys, the build user's authorized_keys, histories). The proxy "
        "cases use a container of their own each. (verify.yml's listener check also runs in `make test`: Molecule "
        "scenario `site`.)"),
}


@dataclass
class Result:
    section: str
    name: str
    passed: bool
    skipped: bool
    seconds: float
    doc: str
    outcome: str
    failure: str


def read_junit(paths: list[Path]) -> list[Result]:
    """The cases of the reports, in order. A case found again in a later report (run again by hand, for
    example after a fix of the test itself) takes the later result, which says so."""
    results: dict[tuple[str, str], Result] = {}
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):
            function, _sep, param = case.get("name", "").partition("[")
            props = {p.get("name"): p.get("value", "") for p in case.iter("property")}
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            message = "" if failure is None else (failure.get("message") or failure.text or "")
            section = SECTIONS.get(function, "Security" if "test_security" in case.get("classname", "") else "Other")
            name = param.rstrip("]") if param else function.removeprefix("test_").replace("_", " ")
            outcome = props.get("outcome", "")
            if (function, name) in results:
                outcome = f"(from a later run: {path.name}) {outcome}"
            results[(function, name)] = Result(section, name, failure is None and case.find("skipped") is None,
                                               case.find("skipped") is not None, float(case.get("time", 0)),
                                               props.get("doc", ""), outcome, message)
    return list(results.values())


def cell(text: str, limit: int = 700) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def first_line(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    return lines[0] if lines else ""


def results_doc(results: list[Result], tables: dict[str, dict], missing: list[str]) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    passed = sum(r.passed for r in results)
    failed = sum(not r.passed and not r.skipped for r in results)
    rerun = sum(r.outcome.startswith("(from a later run") for r in results)
    out = [
        "# Reliability and security: results",
        "",
        f"Generated by `make reliability` (`tests/reliability/run.sh`) on {now}; do not edit, run it again. "
        "What each case does is in `tests/reliability/` (the bad-input cases: [bad-input.md](bad-input.md)); "
        "each run's Ansible output is in `build/reliability/logs/`.",
        "",
        f"**{len(results)} cases tried, {passed} passed, {failed} failed.**",
        "",
        *([f"**Incomplete run: no results from {', '.join(missing)} (timed out or crashed).**", ""] if missing else []),
        *([f"{rerun} case(s) come from a later run of their own, after a fix of the test itself: their rows say so.",
           ""] if rerun else []),
        "| section | tried | passed | failed |",
        "|---|---:|---:|---:|",
    ]
    for section in ORDER:
        rows = [r for r in results if r.section == section]
        if rows:
            out.append(f"| {section} | {len(rows)} | {sum(r.passed for r in rows)} | "
                       f"{sum(not r.passed and not r.skipped for r in rows)} |")
    out.append(f"| **total** | **{len(results)}** | **{passed}** | **{failed}** |")
    out += security_classes(results)
    failures = [r for r in results if not r.passed and not r.skipped]
    if failures:
        out += ["", "## Failing cases", ""]
        out += [f"- {r.section}: **{r.name}**: {cell(first_line(r.failure), 600)}" for r in failures]
    for section in ORDER:
        rows = [r for r in results if r.section == section]
        if not rows:
            continue
        out += ["", f"## {section}", "", HOW[section], ""]
        if section.startswith("Bad input"):
            out += ["| case | playbook | result | rejected with (expected text) |", "|---|---|---|---|"]
            for r in rows:
                case = tables.get(r.name, {})
                reason = first_line(r.failure)
                if reason.startswith("AssertionError: {'"):  # the stats: rejected, but after a change
                    reason = f"rejected only after changing the host: {reason.removeprefix('AssertionError: ')}"
                verdict = "passed" if r.passed else f"**FAILED**: {cell(reason, 400)}"
                out.append(f"| {cell(r.name)} | {case.get('playbook', '')} | {verdict} | "
                           f"{cell(case.get('expect', ''), 300)} |")
        else:
            out += ["| case | result | what it did | what was seen |", "|---|---|---|---|"]
            for r in rows:
                verdict = "passed" if r.passed else "**FAILED**"
                seen = r.outcome or first_line(r.failure)
                if not r.passed and not r.outcome:
                    seen = f"{cell(r.failure, 600)}"
                out.append(f"| {cell(r.name)} | {verdict} ({r.seconds:.0f} s) | {cell(r.doc, 400)} | "
                           f"{cell(seen, 1200)} |")
    return "\n".join(out) + "\n"


def case_name(entry) -> str:
    """A case of security_classes.yml as the results name it: a bad-input case by its name; a reliability case
    ({security: test_function[param]}) by its parameter, or its function's name in words."""
    if isinstance(entry, str):
        return entry
    function, _sep, param = entry["security"].partition("[")
    return param.rstrip("]") if param else function.removeprefix("test_").replace("_", " ")


def case_nodes() -> list[str]:
    """pytest node ids of every case of security_classes.yml (for before.sh)."""
    nodes = []
    for item in yaml.safe_load(CLASSES.read_text()) or []:
        for entry in item["cases"]:
            if isinstance(entry, str):
                nodes.append(f"tests/reliability/test_bad_input_suite.py::test_bad_input[{entry}]")
            else:
                nodes.append(f"tests/reliability/test_security.py::{entry['security']}")
    # One file after the other: test_security's converged box is a module fixture, made again at each switch.
    return sorted(dict.fromkeys(nodes), key=lambda node: node.split("::")[0])


def before_doc(commit: str, paths: list[Path]) -> dict:
    """{case name: what it did on the code before}: accepted (went through, or changed the host), or refused
    with another message (and which)."""
    seen = {"_commit": commit}
    for r in read_junit(paths):
        if not r.name:  # the entry a run cut short by its time leaves
            continue
        if r.passed:
            seen[r.name] = "refused as now (the class was already closed here)"
        elif "succeeded but should have failed" in r.failure or r.failure.startswith("AssertionError: {'"):
            seen[r.name] = "**accepted**" + (" (changed the host)" if "AssertionError: {'" in r.failure else "")
        elif "TimeoutExpired" in r.failure:
            seen[r.name] = "**accepted** (still running 45 s later: past the checks, installing)"
        elif "files changed on the host" in r.failure:
            seen[r.name] = "**accepted** (changed files on the host)"
        elif r.section == "Security":
            failed = [step for step in r.outcome.split("; ") if step.startswith("FAILED")]
            seen[r.name] = "**failed**: " + cell(failed[0] if failed else first_line(r.failure), 200)
        else:
            seen[r.name] = "failed another way: " + cell(first_line(r.failure), 200)
    return seen


def security_classes(results: list[Result]) -> list[str]:
    """The section that lists each security class, its cases, their result now and on the code before."""
    if not CLASSES.is_file():
        return []
    classes = yaml.safe_load(CLASSES.read_text()) or []
    before = json.loads(BEFORE.read_text()) if BEFORE.is_file() else {}
    by_name = {r.name: r for r in results}
    out = ["", "## Security classes", "",
           "The classes of [issue 17](../tests/reliability/security_classes.yml): what a careless or hostile "
           "inventory could do, and the cases that show it cannot any more. *Now*: this run. *Before*: the same "
           f"case on {before.get('_commit', 'the code before the fix')} (`tests/reliability/before.sh`): *accepted* "
           "means the run went through (or changed the host); *failed another way* that it failed, but not with a "
           "check of this input: the old message follows (often a download from the real vendor, which this "
           "sandbox blocks and a real host would make, or a command that failed later, after changes). Cases "
           "marked (reliability) run against a converged box (section Security); the others are "
           "bad-input cases.", ""]
    for number, item in enumerate(classes, 1):
        out += [f"### {number}. {item['class']}", "", " ".join(item["fix"].split()), "",
                "| case | now | before |", "|---|---|---|"]
        for entry in item["cases"]:
            name = case_name(entry)
            r = by_name.get(name)
            now = "not run" if r is None else ("passed" if r.passed else "**FAILED**")
            where = " (reliability)" if r is not None and r.section == "Security" else ""
            out.append(f"| {cell(name)}{where} | {now} | {before.get(name, 'not run against the old code')} |")
        out.append("")
    return out


def load_tables() -> dict[str, list[dict]]:
    return {str(path.relative_to(REPO)): yaml.safe_load(path.read_text()) or [] for path in TABLES}


def bad_input_doc(tables: dict[str, list[dict]]) -> str:
    total = sum(len(cases) for cases in tables.values())
    out = [
        "# The bad-input suite",
        "",
        "Generated from the tables by `make reliability` (`tests/reliability/report.py bad-input`); do not edit.",
        "",
        f"{total} invalid configurations. Each runs its playbook (in `tests/integration/playbooks/`) against a "
        "Debian 12 test container with the given extra variables and must be rejected before anything changes: "
        "the run fails, a failure message holds the expected text, which names the variable and the fix, "
        "Ansible reports no change, and /etc, /usr/local and dpkg's status are byte-identical afterwards. "
        "`make test` runs the tables under `tests/integration/` (`pytest tests/integration`); `make reliability` "
        "runs them all and publishes the outcome in [reliability.md](reliability.md).",
        "",
        "| table | cases |",
        "|---|---:|",
    ]
    out += [f"| `{table}` | {len(cases)} |" for table, cases in tables.items()]
    for table, cases in tables.items():
        out += ["", f"## `{table}`", ""]
        header = [line[2:] for line in Path(REPO / table).read_text().splitlines()[1:] if line.startswith("# ")]
        if header:
            out += [" ".join(header), ""]
        out += ["| case | playbook | input | rejected with |", "|---|---|---|---|"]
        for case in cases:
            given = yaml.safe_dump(case.get("vars") or {}, default_flow_style=True, width=10000).strip()
            given = "" if given == "{}" else f"`{given}`"
            extras = []
            if "os_release" in case:
                release = dict(re.findall(r'^(NAME|VERSION_ID)="?([^"\n]*)"?$', case["os_release"], re.M))
                extras.append(f"os-release says {release.get('NAME', '?')} {release.get('VERSION_ID', '?')}")
            if "user" in case:
                extras.append(f"connects as {case['user']}")
            given = "; ".join([x for x in [given, *extras] if x])
            out.append(f"| {cell(case['name'])} | {case['playbook']} | {cell(given, 400)} | "
                       f"{cell(case['expect'], 400)} |")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "bad-input":
        Path(argv[1]).write_text(bad_input_doc(load_tables()))
        return 0
    if argv[:1] == ["case-nodes"]:
        print("\n".join(case_nodes()))
        return 0
    if len(argv) >= 4 and argv[0] == "before":
        Path(argv[2]).write_text(json.dumps(before_doc(argv[1], [Path(p) for p in argv[3:] if Path(p).is_file()]),
                                            indent=1) + "\n")
        return 0
    if len(argv) >= 3 and argv[0] == "results":
        missing = [Path(p).stem for p in argv[2:] if not Path(p).is_file()]
        results = read_junit([Path(p) for p in argv[2:] if Path(p).is_file()])
        by_name = {case["name"]: case for cases in load_tables().values() for case in cases}
        Path(argv[1]).write_text(results_doc(results, by_name, missing))
        failed = sum(not r.passed and not r.skipped for r in results)
        print(f"{len(results)} cases tried, {sum(r.passed for r in results)} passed, {failed} failed"
              + (f"; no report from {', '.join(missing)} (did it time out?)" if missing else ""))
        return 1 if missing else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
