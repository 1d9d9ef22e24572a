"""scripts/setup.sh: a missing package or a tampered download is one clear line, never a half set-up."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import main  # noqa: E402

SETUP = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "setup.sh")


def fake_tool(folder, name, body):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)


class SetupTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lineaged-setup-")
        self.root = os.path.join(self.tmp, "repo")
        os.makedirs(os.path.join(self.root, "scripts"))
        shutil.copy(SETUP, os.path.join(self.root, "scripts", "setup.sh"))
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        # Never the real package manager: every package reads as installed and apt-get only records
        # its arguments, unless a test says otherwise.
        self.apt_log = os.path.join(self.tmp, "apt-get.log")
        fake_tool(self.bin, "dpkg-query", 'printf "install ok installed"')
        fake_tool(self.bin, "apt-get", f'echo "$*" >> "{self.apt_log}"')
        fake_tool(self.bin, "sudo", "exit 1")

    def apt_calls(self):
        if not os.path.exists(self.apt_log):
            return []
        with open(self.apt_log) as f:
            return f.read().splitlines()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_setup(self):
        env = dict(os.environ, PATH=self.bin + os.pathsep + os.environ["PATH"])
        return subprocess.run(["bash", os.path.join(self.root, "scripts", "setup.sh")], capture_output=True,
                              text=True, env=env, timeout=60)

    def test_missing_packages_without_root_name_the_apt_line(self):
        fake_tool(self.bin, "dpkg-query", 'case "$*" in *libjansson-dev*) exit 1;; esac; printf "install ok installed"')
        fake_tool(self.bin, "id", "echo 1000")
        r = self.run_setup()
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("missing Debian packages: libjansson-dev", lines[0])
        self.assertIn("sudo apt-get install libjansson-dev", lines[0])
        self.assertEqual(self.apt_calls(), [])

    def test_as_root_missing_packages_go_to_apt_get(self):
        fake_tool(self.bin, "dpkg-query", 'case "$*" in *libjansson-dev*) exit 1;; esac; printf "install ok installed"')
        fake_tool(self.bin, "id", "echo 0")
        fake_tool(self.bin, "npm", 'echo "not a tarball" > bogus.tgz; echo bogus.tgz')
        r = self.run_setup()
        self.assertEqual(self.apt_calls(), ["update -qq", "install -y -qq --no-install-recommends libjansson-dev"])
        self.assertIn("installing libjansson-dev", r.stderr)

    def test_tampered_duckdb_download_is_refused(self):
        fake_tool(self.bin, "npm", 'echo "not a tarball" > bogus.tgz; echo bogus.tgz')
        r = self.run_setup()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("integrity mismatch", r.stderr)
        self.assertEqual(self.apt_calls(), [])
        self.assertFalse(os.path.exists(os.path.join(self.root, "deps", "duckdb", "lib", "libduckdb.so")))


if __name__ == "__main__":
    main()
