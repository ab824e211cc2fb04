"""``scripts/setup.sh --dev`` as a fresh machine meets it: from a clean clone, with LibreOffice
missing and apt in simulate mode.

On Debian 12 with Node.js from NodeSource, asking apt for ``npm`` conflicts with ``nodejs``
("held broken packages"), and the old script stopped there, so the README's test command never
reached pytest. These tests run the real script from a ``git clone`` of this repository with
``soffice`` hidden from ``PATH`` and ``apt-get`` replaced by a recorder that asks the real
``apt-get -s`` (simulate) what it would do, or fails as apt does for the packages a test names.

Nothing is installed: apt only simulates, pip finds every pinned package already present (the
clone's ``.venv`` reads the shared one's packages through a ``.pth`` file, with no index), and
npm installs axe-core from its cache (offline). The script itself runs unchanged, every step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: The recorder on PATH in place of apt-get: each call's arguments go to $FAKE_APT_LOG; an
#: install naming a package in $FAKE_APT_FAIL fails as apt does with held packages; any other
#: install is simulated by the real apt-get (-s), its exit status recorded.
FAKE_APT = """#!/usr/bin/env bash
echo "apt-get $*" >> "$FAKE_APT_LOG"
[[ $1 == update ]] && exit 0
for package in "$@"; do
  for failing in ${FAKE_APT_FAIL:-}; do
    if [[ $package == "$failing" ]]; then
      echo "E: Unable to correct problems, you have held broken packages." >&2
      exit 100
    fi
  done
done
/usr/bin/apt-get -s "$@" >/dev/null 2>&1
status=$?
echo "simulated: $status" >> "$FAKE_APT_LOG"
exit $status
"""
#: Not root (CI): the script calls sudo, which would reset PATH to the real apt-get.
FAKE_SUDO = '#!/usr/bin/env bash\nexec "$@"\n'


def _tool(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


def _path_without(tmp: Path, hidden: set[str]) -> str:
    """This PATH with the ``hidden`` commands gone: a folder holding one is replaced by a
    folder of links to everything else in it."""
    parts = []
    for n, folder in enumerate(os.environ["PATH"].split(os.pathsep)):
        where = Path(folder)
        if not where.is_dir():
            continue
        if not any((where / name).exists() for name in hidden):
            parts.append(folder)
            continue
        mirror = tmp / f"path-{n}"
        mirror.mkdir()
        for entry in where.iterdir():
            if entry.name not in hidden:
                (mirror / entry.name).symlink_to(entry)
        parts.append(str(mirror))
    return os.pathsep.join(parts)


def _clone(tmp: Path) -> Path:
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def _run(tmp: Path, clone: Path, hidden: set[str], failing: str) -> tuple[int, str, str]:
    """Run ``scripts/setup.sh --dev`` in ``clone``; (exit status, stderr, apt-get's calls)."""
    fake = tmp / "fake-bin"
    fake.mkdir()
    _tool(fake, "apt-get", FAKE_APT)
    _tool(fake, "sudo", FAKE_SUDO)
    log = tmp / "apt.log"
    log.touch()
    env = {
        **os.environ,
        "PATH": f"{fake}{os.pathsep}{_path_without(tmp, hidden)}",
        "FAKE_APT_LOG": str(log),
        "FAKE_APT_FAIL": failing,
        "PIP_NO_INDEX": "1",  # every pinned package is already there: nothing is fetched
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "npm_config_offline": "true",  # axe-core from npm's cache
    }
    assert shutil.which("soffice", path=env["PATH"]) is None
    run = subprocess.run(
        ["bash", "scripts/setup.sh", "--dev"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return run.returncode, run.stderr, log.read_text(encoding="utf-8")


def _asked(calls: str, package: str) -> bool:
    return any(
        line.startswith("apt-get install") and package in line.split()
        for line in calls.splitlines()
    )


def test_a_failed_required_tool_says_what_to_install_and_the_other_tools_are_still_asked(
    tmp_path: Path,
) -> None:
    """pdftoppm missing and poppler-utils failing (required): the script says to install it by
    hand and stops before Python, but LibreOffice, after it, is still asked for; npm, which
    is there (NodeSource's Node.js), never."""
    clone = _clone(tmp_path)
    status, err, calls = _run(
        tmp_path, clone, {"soffice", "libreoffice", "pdftoppm"}, "poppler-utils"
    )
    assert status == 1, err
    assert "could not install poppler-utils (poppler-utils) with apt; install it by hand" in err
    assert "setup: stopped; missing: poppler-utils." in err
    assert _asked(calls, "poppler-utils") and _asked(calls, "libreoffice-impress")
    assert not _asked(calls, "npm") and not _asked(calls, "nodejs"), calls
    assert not (clone / ".venv").exists()  # stopped before Python


def test_a_fresh_clone_without_libreoffice_sets_up_in_full(tmp_path: Path) -> None:
    """soffice missing and libreoffice-impress failing (optional): the script says to install
    it by hand and goes on to make .venv, install the pinned packages and axe-core."""
    clone = _clone(tmp_path)
    shared = ROOT / ".venv" / "bin" / "python"
    if not shared.exists() or not (ROOT / "node_modules" / "axe-core").exists():
        pytest.fail("run scripts/setup.sh --dev in this checkout first (its .venv is shared)")
    purelib = subprocess.run(
        [str(shared), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The clone's .venv made first as the script makes it, marked by its prompt (the script's
    # own `python3 -m venv` rewrites pyvenv.cfg without it), and reading the shared packages:
    # pip then finds each pin installed and fetches nothing.
    venv = ["python3", "-m", "venv", "--prompt", "made-by-the-test", str(clone / ".venv")]
    subprocess.run(venv, check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = clone / ".venv" / "lib" / version / "site-packages"
    assert site.is_dir(), site
    (site / "shared-venv.pth").write_text(purelib + "\n", encoding="utf-8")

    status, err, calls = _run(tmp_path, clone, {"soffice", "libreoffice"}, "libreoffice-impress")
    assert status == 0, err
    assert _asked(calls, "libreoffice-impress")
    assert "could not install LibreOffice Impress (libreoffice-impress) with apt" in err
    assert not _asked(calls, "npm") and not _asked(calls, "nodejs"), calls
    config = (clone / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "made-by-the-test" not in config  # the script's venv step ran
    assert (clone / "node_modules" / "axe-core" / "axe.min.js").exists()  # and npm ci
