"""The engine and the script model import no Panda3D, no pygame and no web code."""

import subprocess
import sys


def test_engine_and_script_import_no_adapters():
    code = (
        "import sys, companion.script, companion.session, companion.session.preview, "
        "companion.cli\n"
        "from companion.cli import build_parser; build_parser()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('panda3d', 'direct', 'pygame', 'aiohttp', 'pyttsx3', 'playwright')]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
