"""Write docs/performance.md from one `make bench` run directory (tests/bench/bench.sh).

    report.py build/bench/<date> docs/performance.md

Reads: meta.env, commands.tsv, {first,second,three,cache}.{log,time,load,settle}, footprint-{before,first}.json,
*.proxy.jsonl (countproxy.py), python_env.json and the generated inventories.
"""

from __future__ import annotations

import collections
import json
import math
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_SECOND = 0.05
TARGET_ENV = 0.5
TARGET_THREE = 1.6
TARGET_CACHE = 1.3

RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")


def read(run: Path, name: str, default: str = "") -> str:
    p = run / name
    return p.read_text(encoding="utf-8") if p.exists() else default


def recap_section(log: str, banner: str) -> list[tuple[str, float]]:
    """Lines of a profile_tasks (TASKS RECAP) or profile_roles (ROLES RECAP) summary: (name, seconds)."""
    out: list[tuple[str, float]] = []
    lines = log.splitlines()
    try:
        i = next(n for n, line in enumerate(lines) if line.startswith(banner))
    except StopIteration:
        return out
    for line in lines[i + 1:]:
        if not line.strip() or line.startswith("=") or re.match(r"^\w+day \d", line):
            if out and not line.strip():
                break
            continue
        if line.startswith("~") or line.startswith("total "):
            continue
        m = re.match(r"^(.*?)[ -]*\s(\d+\.\d+)s$", line)
        if not m:
            break
        out.append((m.group(1).rstrip(" -"), float(m.group(2))))
    return out


def recaps(log: str) -> dict[str, dict[str, int]]:
    hosts = {}
    for line in log.splitlines():
        m = RECAP.match(line)
        if m:
            hosts[m.group(1)] = dict(zip(("ok", "changed", "unreachable", "failed", "skipped"),
                                         map(int, m.groups()[1:])))
    return hosts


def task_count(log: str) -> int:
    return sum(1 for line in log.splitlines() if line.startswith(("TASK [", "RUNNING HANDLER [")))


def proxy_log(run: Path, name: str) -> list[dict]:
    p = run / name
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def proxy_summary(entries: list[dict]) -> dict:
    s = {"deb_bytes": 0, "debs": 0, "list_bytes": 0, "lists": 0, "https": collections.Counter(),
         "https_n": collections.Counter(), "dup_urls": [], "errors": 0}
    urls = collections.Counter(e["url"] for e in entries if e.get("kind") == "http" and e.get("status") == "200")
    for e in entries:
        if e.get("error"):
            s["errors"] += 1
            continue
        if e["kind"] == "connect":
            s["https"][e["host"]] += e["bytes"]
            s["https_n"][e["host"]] += 1
        elif e.get("status") == "200":
            if e["url"].endswith(".deb"):
                s["deb_bytes"] += e["bytes"]
                s["debs"] += 1
            else:
                s["list_bytes"] += e["bytes"]
                s["lists"] += 1
    s["dup_urls"] = [(u, n) for u, n in urls.items() if n > 1]
    return s


def proxy_total(s: dict) -> int:
    """Every byte a proxy log counted: .deb files, package lists and HTTPS tunnels."""
    return s["deb_bytes"] + s["list_bytes"] + sum(s["https"].values())


def mb(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 1e6:,.1f} MB"


def mib_kib(k: int | None) -> str:
    return "n/a" if k is None else f"{k / 1024:,.0f} MiB"


def role_of_package(pkg: str) -> str:
    """The role whose defaults or vars name this package (the first, in site order)."""
    order = ["preflight", "nvidia_driver", "cuda", "cudnn", "docker", "nvidia_docker", "python_stack",
             "desktop_apps", "manifest"]
    for role in order:
        for f in sorted((REPO / "roles" / role).glob("*/*.yml")):
            if f.parent.name in ("defaults", "vars") and re.search(rf"(?<![\w.-]){re.escape(pkg)}(?![\w.-])",
                                                                   f.read_text(encoding="utf-8")):
                return role
    return "?"


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def main() -> None:
    run, dest = Path(sys.argv[1]), Path(sys.argv[2])
    meta = dict(line.split("=", 1) for line in read(run, "meta.env").splitlines() if "=" in line)
    names = ("first", "second", "second-pipelining", "three", "cache", "noop", "noop-pipelining")
    logs = {n: read(run, f"{n}.log") for n in names}
    secs = {n: float(read(run, f"{n}.time", "nan")) for n in names}
    loads = {n: read(run, f"{n}.load", "? ?").split() for n in names}
    # Seconds bench.sh waited, before a converge, for the load left by the part before it to fall (lib.sh: settle).
    settled = {n: read(run, f"{n}.settle", "? ?").split() for n in names}
    # CPU seconds: the controller (ansible-playbook and its workers), the boxes' cgroups.
    cpu = {n: [float(x) for x in read(run, f"{n}.cpu", "nan nan").split()] for n in names}
    pyenv = json.loads(read(run, "python_env.json", "{}"))
    fp_before = json.loads(read(run, "footprint-before.json", "{}"))
    fp = json.loads(read(run, "footprint-first.json", "{}"))
    commands = [line.split("\t", 1) for line in read(run, "commands.tsv").splitlines() if "\t" in line]

    w: list[str] = []
    add = w.append
    add("# Performance: what provisioning and re-provisioning cost\n")
    add("<!-- Written by `make bench` (tests/bench/report.py); edit the benchmark, not this file. -->\n")
    add(f"Measured by `make bench` on {meta.get('date', '?')} at commit `{meta.get('commit', '?')}`, on a "
        f"{meta.get('cores', '?')}-core machine ({meta.get('cpu', '?')}, {meta.get('mem_gib', '?')} GiB). Absolute "
        "seconds vary from run to run (the network, PyPI, the machine's other work): each figure has the 1-minute "
        "load average next to it (before, after), and the targets are ratios. Before each converge the "
        "benchmark waits (three minutes at most) for the load average to fall to 1.0, so that a converge does not "
        "pay for the part before it (the wait is in the table of section 1). Every box is a fresh "
        f"container from `{meta.get('image', '?')}`, made like the local box (`make box`), converged with "
        "`playbooks/site.yml -e mlbox_profile=cpu` and `inventories/local`'s settings "
        f"(PyTorch {meta.get('torch') or '?'} CPU from the wheelhouse `{meta.get('wheelhouse') or 'none'}`; "
        f"the rest from PyPI and the Debian archive). {meta.get('ansible', '')}.\n")

    # Summary.
    first, second, three = secs["first"], secs["second"], secs["three"]
    add("## Targets\n")
    add("| measure | figure | target | |")
    add("|---|---|---|---|")
    r2 = second / first
    add(f"| second converge / first converge (one host), wall time | {second:.0f} s / {first:.0f} s = {r2:.1%} | "
        f"<= {TARGET_SECOND:.0%} | {verdict(r2, TARGET_SECOND)} |")
    c1, c2 = sum(cpu["first"]), sum(cpu["second"])
    add(f"| the same in CPU seconds (controller + box) | {c2:.0f} s / {c1:.0f} s = {c2 / c1:.1%} | "
        f"<= {TARGET_SECOND:.0%} | {verdict(c2 / c1, TARGET_SECOND)} |")
    if logs["second-pipelining"]:
        rp = secs["second-pipelining"] / first
        add(f"| second converge with `ANSIBLE_PIPELINING=True` / first converge | {secs['second-pipelining']:.0f} s / "
            f"{first:.0f} s = {rp:.1%} | <= {TARGET_SECOND:.0%} | {verdict(rp, TARGET_SECOND)} |")
    if pyenv:
        rt = pyenv["role_total_s"] / pyenv["pip_total_s"]
        add(f"| environments, whole job: role / plain pip | {pyenv['role_total_s']:.0f} s / "
            f"{pyenv['pip_total_s']:.0f} s = {rt:.2f}x | <= {TARGET_ENV}x | {verdict(rt, TARGET_ENV)} |")
        rb = pyenv["role_build_s"] / pyenv["pip_build_s"]
        add(f"| environments {', '.join(f'`{env}`' for env in pyenv['envs'])}, builds: role (uv) / plain pip | "
            f"{pyenv['role_build_s']:.0f} s / {pyenv['pip_build_s']:.0f} s = {rb:.2f}x | <= {TARGET_ENV}x | "
            f"{verdict(rb, TARGET_ENV)} |")
    if logs["three"]:
        r3 = three / first
        add(f"| three hosts in parallel / one host (first converges) | {three:.0f} s / {first:.0f} s = {r3:.2f}x | "
            f"<= {TARGET_THREE}x | {verdict(r3, TARGET_THREE)} |")
    if logs["cache"]:
        one_bytes = proxy_total(proxy_summary(proxy_log(run, "first.proxy.jsonl")))
        cache_bytes = proxy_total(proxy_summary(proxy_log(run, "cache.proxy.jsonl")))
        rc_ = cache_bytes / one_bytes if one_bytes else float("nan")
        add(f"| three hosts behind a cache host: bytes the cache fetched / bytes one host fetched (section 1) | "
            f"{mb(cache_bytes)} / {mb(one_bytes)} = {rc_:.2f}x | <= {TARGET_CACHE}x | {verdict(rc_, TARGET_CACHE)} |")
    add("")
    add("<!-- ANALYSIS -->\n")

    # Reproduce.
    add("## How to reproduce\n")
    add("```sh\nmake bench      # make setup, make images, then tests/bench/bench.sh; about an hour on 2 cores\n```\n")
    add("`tests/bench/bench.sh` runs these commands, in this order (each `site.yml` run from the repository root; "
        "`MLBOX_BENCH_SKIP=\"three python_env\"` leaves parts out). Raw logs, proxy logs and footprints stay in "
        "`build/bench/<date>/`.\n")
    add("| part | command |")
    add("|---|---|")
    for name, cmd in commands:
        add(f"| {name} | `{cmd.replace(str(REPO) + '/', '')}` |")
    add("")
    wheel_mount = f"-v {meta['wheelhouse']}:/srv/wheelhouse:ro " if meta.get("wheelhouse") else ""
    add("Each box is created as `tests/harness/box.sh` creates the local box (`bench_box` in `tests/bench/lib.sh`), "
        "then waited for (`systemctl is-system-running --wait`, at most 120 s):\n")
    add("```sh\ndocker run -d --name mlbox-bench-1 --hostname mlbox-bench-1 \\\n"
        "  --cap-add SYS_ADMIN --cap-add NET_ADMIN --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \\\n"
        "  -v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns host \\\n"
        f"  --network host --label mlbox.bench=1 {wheel_mount}{meta.get('image', '?')} /lib/systemd/systemd\n```\n")
    add("The benchmark adds two things of its own: "
        "`/etc/apt/apt.conf.d/01mlbox-bench-proxy` (apt through `tests/bench/countproxy.py`, without pipelining) "
        "and, in the inventory, `python_stack_uv_environment: {HTTPS_PROXY: ...}` for uv. Both only count bytes. "
        "The one-host inventory (`build/bench/<date>/inv-one/hosts.yml`, next to a `group_vars` link to "
        "`inventories/local/group_vars`):\n")
    add("```yaml\n" + read(run, "inv-one/hosts.yml").strip() + "\n```\n")

    # 1. Converges.
    add("## 1. First and second converge, one host\n")
    rc = {n: recaps(logs[n]) for n in logs}
    add("Wall time; CPU seconds of the controller (`ansible-playbook` and its workers: user + system, from bash's "
        "`time`) and of the box (its container's cgroup, `cpuacct.usage`); tasks started (skipped ones included); "
        "the play recap's ok and changed.\n")
    add("| converge | wall time | CPU: controller, box | tasks started | ok | changed | load before, after | "
        "waited for the load to fall |")
    add("|---|---|---|---|---|---|---|---|")
    for n in ("first", "second", "second-pipelining"):
        if not logs[n]:
            continue
        h = next(iter(rc[n].values()), {})
        add(f"| {n} | {secs[n]:.1f} s | {cpu[n][0]:.1f} s, {cpu[n][1]:.1f} s | {task_count(logs[n])} | "
            f"{h.get('ok', '?')} | {h.get('changed', '?')} | {', '.join(loads[n])} | {settled[n][0]} s |")
    add("")
    if logs["noop"]:
        add("The cost of a task that does nothing on this box (`tests/bench/noop.yml`: twenty `ansible.builtin.ping` "
            "tasks through the `community.docker.docker` connection): "
            f"{secs['noop'] / 20:.2f} s a task without pipelining (load {', '.join(loads['noop'])}), "
            f"{secs['noop-pipelining'] / 20:.2f} s with `ANSIBLE_PIPELINING=True` "
            f"(load {', '.join(loads['noop-pipelining'])}). `ansible.cfg` sets `pipelining = True` under "
            "`[connection]`, for every connection: the local box, Molecule and this benchmark's converges run with "
            "it (the row second-pipelining sets it once more, in the environment).\n")
    roles = {n: dict(recap_section(logs[n], "ROLES RECAP")) for n in logs}
    add("Per role (`ansible.posix.profile_roles`; tasks outside a role are listed by their action):\n")
    add("| role | first | second | second, pipelining | three hosts (section 3) |")
    add("|---|---|---|---|---|")

    def cell(n: str, name: str) -> str:
        return f"{roles[n][name]:.1f} s" if name in roles[n] else ""
    for name in sorted(roles["first"], key=lambda k: -roles["first"][k]):
        add(f"| {name} | {cell('first', name)} | {cell('second', name)} | {cell('second-pipelining', name)} | "
            f"{cell('three', name)} |")
    add("| **total** | " + " | ".join(f"{sum(roles[n].values()):.1f} s"
                                      for n in ("first", "second", "second-pipelining", "three")) + " |")
    add("")
    for n, label in (("first", "first converge"), ("second", "second converge")):
        tasks = recap_section(logs[n], "TASKS RECAP")
        add(f"Slowest tasks of the {label} (`ansible.posix.profile_tasks`; {len(tasks)} timed, "
            f"{sum(t for _name, t in tasks):.0f} s in all):\n")
        add("| task | time |")
        add("|---|---|")
        for name, t in tasks[:15]:
            add(f"| {name.replace('|', '/')} | {t:.1f} s |")
        add("")
    tasks2 = recap_section(logs["second"], "TASKS RECAP")
    if tasks2:
        under1 = [t for _name, t in tasks2 if t < 1.0]
        add(f"In the second converge, {len(under1)} of {len(tasks2)} tasks took under a second each and "
            f"{sum(under1):.0f} s together; the {len(tasks2) - len(under1)} others took "
            f"{sum(t for _name, t in tasks2 if t >= 1.0):.0f} s.\n")

    # 2. Environments.
    if pyenv:
        add("## 2. Python environments: the role (uv) vs plain pip\n")
        add(f"`tests/bench/python_env.sh`: the box's environments (`base`, `pytorch`) built by the `python_stack` role "
            "(`tests/bench/python_env.yml`, JupyterLab off) in one fresh container, then by `python3 -m venv` + "
            "`pip install` of the same top-level pins with the same find-links and indexes in another fresh "
            "container; cold caches on both sides, one environment after the other. Both sides include "
            f"`apt-get install python3-venv`; the role's side also installs uv itself from PyPI "
            f"({pyenv['role_install_uv_s']:.1f} s) and runs Ansible. Load: {pyenv['role_load']} (role), "
            f"{pyenv['pip_load']} (pip).\n")
        add("| | role (uv) | plain pip | role / pip | same packages and versions |")
        add("|---|---|---|---|---|")
        add(f"| whole job | {pyenv['role_total_s']:.1f} s | {pyenv['pip_total_s']:.1f} s | "
            f"{pyenv['role_total_s'] / pyenv['pip_total_s']:.2f}x | |")
        same = all(e["same_packages"] for e in pyenv["envs"].values())
        pip_each = " + ".join(f"{e['pip_s']:.1f}" for e in pyenv["envs"].values())
        add(f"| builds of {', '.join(f'`{env}`' for env in pyenv['envs'])}: one python_env run (venv, resolve, sync "
            f"each) vs venv + pip install each | {pyenv['role_build_s']:.1f} s | {pyenv['pip_build_s']:.1f} s "
            f"({pip_each}) | "
            f"{pyenv['role_build_s'] / pyenv['pip_build_s']:.2f}x | "
            f"{'yes' if same else 'no (see the run directory)'} |")
        for host in sorted(set(pyenv["uv_pypi_bytes"]) | set(pyenv["pip_pypi_bytes"])):
            add(f"| downloaded from `{host}` (countproxy.py) | {mb(pyenv['uv_pypi_bytes'].get(host, 0))} | "
                f"{mb(pyenv['pip_pypi_bytes'].get(host, 0))} | | |")
        add(f"| uv's cache after both environments | {mib_kib(pyenv['uv_cache_kib'])} (unpacked wheels) | | | |")
        add("")

    # 3. Three hosts.
    if logs["three"]:
        add("## 3. Three hosts in parallel vs one host\n")
        hosts3 = rc["three"]
        add(f"One `ansible-playbook` run over three fresh boxes (forks: Ansible's default 5), against the first "
            f"converge of section 1, which ran just before it: {three:.1f} s vs {first:.1f} s = {three / first:.2f}x "
            f"(load before, after: {', '.join(loads['three'])} vs {', '.join(loads['first'])}). CPU seconds, "
            f"controller and boxes: {cpu['three'][0]:.0f} s + {cpu['three'][1]:.0f} s vs {cpu['first'][0]:.0f} s + "
            f"{cpu['first'][1]:.0f} s. Changed per host: "
            + ", ".join(f"{h} {v['changed']}" for h, v in hosts3.items()) + ". Per role see the table in section 1; "
            "the roles that grow most:\n")
        add("| role | one host | three hosts | ratio |")
        add("|---|---|---|---|")
        grow = sorted(((n, roles["first"][n], roles["three"].get(n, 0.0)) for n in roles["first"]),
                      key=lambda x: -(x[2] - x[1]))
        for n, t1, t3 in grow[:8]:
            add(f"| {n} | {t1:.1f} s | {t3:.1f} s | {t3 / t1 if t1 else float('nan'):.2f}x |")
        add("")

    # 4. Downloads and disk.
    box_steps = [(n, float(read(run, f"{n}.time", "nan")), (run / f"{n}.failed").exists())
                 for n in ("box-first", "box-second", "box-cached")]
    if any(not math.isnan(step[1]) for step in box_steps):
        add("## make box, as a person runs it\n")
        add("`tests/harness/box.sh` from start to end (the container, `site.yml`, `verify.yml`, the artifacts check) "
            "on a box of the benchmark's own: the first with an empty uv cache, the second on the same box, then a new "
            "box after `make box-destroy`, with the uv cache that the first left on the host (`build/uv-cache` for the "
            "developer's box).\n")
        add("| run | wall time | result |")
        add("|---|---|---|")
        labels = {"box-first": "first `make box` (empty cache)", "box-second": "second `make box` (same box)",
                  "box-cached": "new box, warm cache (after `make box-destroy`)"}
        for n, t, failed in box_steps:
            add(f"| {labels[n]} | {t:.0f} s | {'failed' if failed else 'passed'} |")
        add("")

    add("## 4. Downloads and disk, per component\n")
    p1 = proxy_summary(proxy_log(run, "first.proxy.jsonl"))
    p2 = proxy_summary(proxy_log(run, "second.proxy.jsonl"))
    p3 = [proxy_summary(proxy_log(run, f"three-{i}.proxy.jsonl")) for i in (1, 2, 3)]
    add("Network, counted by `tests/bench/countproxy.py` (apt per URL; uv per HTTPS host). Not counted: the wheel of "
        "uv itself, which the role installs with pip, and pip does not get `python_stack_uv_environment` (so not the "
        "proxy) where `python_stack_uv_system_certs` is true; and PyTorch's wheel, read from the wheelhouse.\n")
    add("| converge | apt .deb files | apt package lists | PyPI (uv, through HTTPS_PROXY) | same URL fetched twice |")
    add("|---|---|---|---|---|")

    def prow(label: str, s: dict) -> None:
        https = ", ".join(f"{h} {mb(b)}" for h, b in s["https"].most_common()) or "0"
        dups = ", ".join(f"{u.rsplit('/', 1)[-1]} x{n}" for u, n in s["dup_urls"]) or "none"
        add(f"| {label} | {s['debs']} files, {mb(s['deb_bytes'])} | {s['lists']} files, {mb(s['list_bytes'])} | "
            f"{https} | {dups} |")
    prow("first (one host)", p1)
    prow("second (same host)", p2)
    if logs["three"]:
        for i, s in enumerate(p3, 1):
            prow(f"three hosts: host {i}", s)
    if logs["cache"]:
        prow("cache host, for three hosts", proxy_summary(proxy_log(run, "cache.proxy.jsonl")))
    add("")
    if logs["cache"]:
        recap = ", ".join(f"{h}: changed={r['changed']} failed={r['failed']}" for h, r in recaps(logs["cache"]).items())
        add(f"The last row: three fresh boxes and a cache host (roles/package_cache: apt-cacher-ng, proxpi) "
            f"converged by one `ansible-playbook` run in {secs['cache']:.1f} s "
            f"(load before, after: {', '.join(loads['cache'])}). "
            "The boxes download through the cache (`package_cache_host`), and the cache fetches through "
            "`countproxy.py` (`package_cache_upstream_proxy`), which counts what the fleet took from the network. "
            "Unlike the one host's count, it includes the wheel of uv itself (pip reads it through the cache). "
            f"Recap: {recap}.\n")

    txs = fp.get("apt_transactions", [])[len(fp_before.get("apt_transactions", [])):]
    if txs:
        add("apt transactions of the first converge (`/var/log/apt/history.log`; .deb sizes from "
            "`/var/cache/apt/archives`, which nothing cleans during a converge; installed size from dpkg):\n")
        add("| component (role) | asked for | packages installed | .deb bytes | installed size |")
        add("|---|---|---|---|---|")
        for tx in txs:
            req = tx["requested"] or [p["name"] for p in tx["installed"]][:3]
            comp = ", ".join(sorted({role_of_package(p) for p in req}))
            debs = sum(p.get("deb_bytes") or 0 for p in tx["installed"])
            inst = sum(p.get("installed_kib") or 0 for p in tx["installed"])
            add(f"| {comp} | {' '.join(req)} | {len(tx['installed'])} | {mb(debs)} | {mib_kib(inst)} |")
        tot_deb = sum(p.get("deb_bytes") or 0 for tx in txs for p in tx["installed"])
        names = [p["name"] for tx in txs for p in tx["installed"]]
        twice = [n for n, c in collections.Counter(names).items() if c > 1]
        tot_inst = sum(p.get("installed_kib") or 0 for tx in txs for p in tx["installed"])
        add(f"| **all** | | {len(names)} | {mb(tot_deb)} | {mib_kib(tot_inst)} |")
        add("")
        add(f"Packages installed by more than one transaction: {', '.join(twice) if twice else 'none'}.\n")

    du = fp.get("du_kib", {})
    du0 = fp_before.get("du_kib", {})
    add("Disk after the first converge (`du -sk`; hard links counted once within one `du`):\n")
    add("| path | what | size |")
    add("|---|---|---|")
    for env, k in fp.get("env_kib", {}).items():
        add(f"| `/opt/mlbox/envs/{env}` | environment `{env}` (python_stack) | {mib_kib(k)} |")
    rows = [
        ("/opt/mlbox/envs", "all environments"),
        ("/var/cache/mlbox/uv", "uv's cache (python_stack_uv_cache_dir)"),
        ("/opt/mlbox/tools", "uv's own venv"),
        ("/root/.cache/pip", "pip's cache (the pip that installs uv)"),
        ("/var/cache/apt/archives", "the .deb files apt fetched"),
        ("/var/lib/apt/lists", "apt's package lists"),
        ("/var/lib/docker", "Docker's data (vfs)"),
        ("/usr", "/usr (distribution packages)"),
    ]
    for path, what in rows:
        before = du0.get(path)
        extra = f" (image: {mib_kib(before)})" if before else ""
        add(f"| `{path}` | {what} | {mib_kib(du.get(path))}{extra} |")
    add(f"| uv cache + environments, one `du` | what they take together | "
        f"{mib_kib(fp.get('uv_cache_plus_envs_kib'))} |")
    if fp.get("container_rw_bytes") is not None and fp_before.get("container_rw_bytes") is not None:
        add(f"| the container's writable layer | all the first converge added | "
            f"{mb(fp['container_rw_bytes'] - fp_before['container_rw_bytes'])} |")
    add("")
    if fp.get("uv_cache_kib_by_bucket"):
        add("uv's cache by bucket: " + ", ".join(f"`{k}` {mib_kib(v)}" for k, v in fp["uv_cache_kib_by_bucket"].items())
            + ".\n")
    add("<!-- STORAGE -->\n")

    text = "\n".join(w)
    # The written reasons: why a target is missed and what would reach it; why something is stored twice.
    for marker, name in (("<!-- ANALYSIS -->", "analysis.md"), ("<!-- STORAGE -->", "storage.md")):
        notes = REPO / "tests/bench" / name
        text = text.replace(marker, notes.read_text(encoding="utf-8").strip() if notes.exists() else "")
    dest.write_text(text.rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
