# Copyright: (c) 2026, ML in a Box developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""mlbox-info: what this ML box offers, for the people who use it (installed by the python_stack role).

    mlbox-info              the environments and their kernels, JupyterLab's address, the last verify result
    mlbox-info --manifest   the manifest (every component, its version and licence) as Markdown

It reads /etc/mlbox/info.json (written by the role: where things are), the kernel specs, each environment's
pyvenv.cfg and the summary verify.yml leaves on the box. It never reads or prints JupyterLab's token. Login
shells run it once (/etc/profile.d/mlbox.sh). Standard library only: the role installs it as
/usr/local/bin/mlbox-info with /usr/bin/python3 as its interpreter.
"""

import json
import os
import sys

INFO = "/etc/mlbox/info.json"


def read_object(path):
    """The JSON object in the file at path; {} when the file is missing, unreadable or holds no object."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def python_version(env_dir):
    try:
        with open(os.path.join(env_dir, "pyvenv.cfg"), encoding="utf-8") as handle:
            for line in handle:
                key, _sep, value = line.partition("=")
                if key.strip() in ("version_info", "version"):
                    return value.strip()
    except OSError:
        pass
    return "?"


def kernels(kernels_dir):
    """{environment directory: [display names]} of the registered kernels."""
    found = {}
    try:
        names = sorted(os.listdir(kernels_dir))
    except OSError:
        return found
    for name in names:
        spec = read_object(os.path.join(kernels_dir, name, "kernel.json"))
        if not spec.get("argv"):
            continue
        env_dir = os.path.dirname(os.path.dirname(spec["argv"][0]))
        found.setdefault(env_dir, []).append(spec.get("display_name") or name)
    return found


def environments(envs_dir):
    try:
        names = sorted(os.listdir(envs_dir))
    except OSError:
        return []
    return [n for n in names if os.path.isfile(os.path.join(envs_dir, n, "pyvenv.cfg"))]


def verify_line(summary):
    if not summary:
        return "not run yet (playbooks/verify.yml)"
    line = (f"{summary.get('time', '?')}: {summary.get('passed', '?')} passed, {summary.get('failed', '?')} failed, "
            f"{summary.get('skipped', '?')} skipped")
    failed = summary.get("failed_checks") or []
    if failed:
        line += f" (failed: {', '.join(failed)})"
    return line


def report(info):
    envs_dir = info.get("envs_dir", "/opt/mlbox/envs")
    by_env = kernels(info.get("kernels_dir", "/usr/local/share/jupyter/kernels"))
    shell_env = info.get("shell_env") or ""
    lines = [f"ML in a Box: {info.get('host', os.uname().nodename)}", "", "Python environments (kernel in JupyterLab):"]
    names = environments(envs_dir)
    width = max([len(n) for n in names] + [4])
    for name in names:
        env_dir = os.path.join(envs_dir, name)
        kernel = ", ".join(by_env.get(env_dir, [])) or "no kernel"
        note = "   <- python, pip, jupyter in your shell" if name == shell_env else ""
        lines.append(f"  {name:<{width}}  Python {python_version(env_dir):<8} {kernel}{note}")
    if not names:
        lines.append("  none")
    jupyter = info.get("jupyterlab")
    if jupyter:
        port = jupyter["port"]
        lines += ["", f"JupyterLab: {jupyter['url']} (as {jupyter['user']}; token: ask the box's administrator)",
                  f"  from your computer: ssh -N -L {port}:127.0.0.1:{port} <you>@<this box>"]
    lines += ["", "Last verify: " + verify_line(read_object(info.get("verify_summary", ""))),
              "Packages of your own: pip install <pkg> (or %pip install in a notebook) installs for you only,",
              "  into ~/.local/share/mlbox/envs/<environment>." if info.get("user_packages") else
              "  not enabled on this box (python_stack_user_packages).",
              f"Everything installed: {info.get('manifest', '?')} (mlbox-info --manifest)"]
    return "\n".join(lines)


def main(argv):
    info = read_object(INFO)
    if argv[1:] == ["--manifest"]:
        try:
            with open(info.get("manifest", ""), encoding="utf-8") as handle:
                sys.stdout.write(handle.read())
        except OSError as exc:
            sys.stdout.write(f"No manifest yet ({exc}).\n")
        return 0
    if argv[1:]:
        sys.stderr.write("usage: mlbox-info [--manifest]\n")
        return 2
    print(report(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
