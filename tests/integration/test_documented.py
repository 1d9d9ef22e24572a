"""What README, docs/design.md and docs/websocket.md state and no other test checked: the log line
format and --log-level, an address that is not this machine's, --trend-window, connection_ack, the
README's command line against each subcommand's --help, the README's package list against setup.sh, reason phrases on every status the API answers,
the metric names of contract.md §7, a --data-dir that cannot be made, a database file that is not (or not all of) a DuckDB database, and the OpenLineage export of the example warehouse against the
spec's required fields; every relative link and #anchor in README, BENCHMARKS.md and docs/, every
flag default they state, every metric /metrics exports, the README's layout of the source folders, and every
endpoint and parameter bound of the README's API table."""

import http.client
import json
import os
import re
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, free_port, main, run_cli  # noqa: E402
from ws_helpers import RawWS, metric  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
EXAMPLES = os.path.join(ROOT, "examples/finance")

# "<UTC time> <level> <event> key=value ..." (design.md: events are area.what)
LINE_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info |warn |error) [a-z0-9_]+(\.[a-z0-9_]+)*'
                     r'( [a-z0-9_]+=("([^"\\]|\\.)*"|[^ "]*))*$')


class LogFormatTest(unittest.TestCase):
    def test_every_line_is_one_event_in_the_documented_form(self):
        with Server("--log-level", "debug") as srv:
            srv.request("GET", "/health")
            srv.request("GET", "/nope")
            ws = RawWS(srv.host, srv.port)
            ws.recv_json()
            ws.close()
            srv.stop()
            log = srv.log()
        lines = log.splitlines()
        self.assertTrue(log.endswith("\n"))
        for line in lines:
            self.assertRegex(line, LINE_RE)
        events = [line.split()[2] for line in lines]
        for event in ("store.opened", "server.listening", "http.response", "ws.connected", "server.stopped"):
            self.assertIn(event, events)
        self.assertTrue(any(line.split()[1] == "debug" for line in lines))

    def test_log_level_hides_lower_levels_from_flag_and_environment(self):
        for how in ("flag", "env"):
            with self.subTest(how=how):
                args, env = (("--log-level", "warn"), None) if how == "flag" else ((), {"LINEAGED_LOG_LEVEL": "warn"})
                with Server(*args, "--allowed-origin", "https://dash.example.com", env=env) as srv:
                    srv.request("GET", "/health")
                    srv.request("POST", "/api/v1/stats", body=b"", headers={"Origin": "https://evil.example.net"})
                    srv.stop()
                    log = srv.log()
                levels = {line.split()[1] for line in log.splitlines()}
                self.assertEqual(levels, {"warn"}, log)  # the refused POST, and nothing at info or debug
                self.assertIn(" http.rejected ", log)


class ListenAddressTest(unittest.TestCase):
    def test_an_address_that_is_not_this_machines_exits_1_with_a_reason(self):
        # 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real host; nothing is sent to it.
        r = run_cli("serve", "--host", "192.0.2.1", "--port", str(free_port()), "--db", ":memory:", timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("server.listen_failed", r.stderr)
        self.assertIn("192.0.2.1", r.stderr)
        self.assertNotIn("server.listening", r.stderr)


class StatsSettingsTest(unittest.TestCase):
    def test_trend_window_is_the_flag(self):
        with Server("--trend-window", "120", "--stats-interval", "30") as srv:
            status, stats = srv.get_json("/api/v1/stats")
            self.assertEqual(status, 200)
            self.assertEqual(stats["trendWindowSeconds"], 120)
            ws = RawWS(srv.host, srv.port)
            ws.recv_json()
            self.assertEqual(ws.recv_json()["data"]["trendWindowSeconds"], 120)
            ws.close()
        with Server("--stats-interval", "30") as srv:
            self.assertEqual(srv.get_json("/api/v1/stats")[1]["trendWindowSeconds"], 3600)  # the default

    def test_connection_ack_fields(self):
        version = run_cli("--version").stdout.split()[-1]
        with Server("--stats-interval", "0.75") as srv:
            acks = []
            for _ in range(2):
                ws = RawWS(srv.host, srv.port)
                acks.append(ws.recv_json())
                ws.close()
            _, _, text = srv.request("GET", "/metrics")
        for ack in acks:
            self.assertEqual(ack["type"], "connection_ack")
            self.assertEqual(set(ack["data"]), {"client_id", "server_version", "stats_interval_seconds",
                                                "max_message_bytes"})
            self.assertEqual(ack["data"]["server_version"], version)
            self.assertEqual(ack["data"]["stats_interval_seconds"], 0.75)
            self.assertEqual(ack["data"]["max_message_bytes"], 65536)
        self.assertEqual([a["data"]["client_id"] for a in acks], [1, 2])
        # the inbox bound's counter is exported (its overflow is covered by tests/unit/test_bus.c)
        self.assertEqual(metric(text.decode(), "lineaged_events_dropped_total"), 0)


class ReadmeCommandLineTest(unittest.TestCase):
    def synopsis(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            block = f.read().split("## Command line", 1)[1].split("```", 2)[1]
        lines, cmd = {}, None
        for line in block.splitlines():
            m = re.match(r"^lineaged (\w+)?", line)
            if m:
                cmd = m.group(1)  # None for "lineaged --help | --version"
            lines[cmd] = lines.get(cmd, "") + line
        lines.pop(None)
        return lines

    def test_every_flag_of_each_subcommand_is_in_the_readme_and_no_other(self):
        synopsis = self.synopsis()
        self.assertEqual(set(synopsis), {"serve", "parse", "ingest", "export"})
        for cmd, text in synopsis.items():
            with self.subTest(cmd=cmd):
                r = run_cli(cmd, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(set(re.findall(r"--[a-z0-9-]+", text)) - {"--help"},
                                 set(re.findall(r"(?<![\w-])--[a-z0-9-]+", r.stdout)) - {"--help"})

    def test_the_top_level_help_shows_every_flag_of_each_subcommand(self):
        # `serve` says [options] there and points at its own --help
        top = run_cli("--help").stdout
        for cmd in ("parse", "ingest", "export"):
            with self.subTest(cmd=cmd):
                line = re.search(rf"^  lineaged {cmd} .*$", top, re.M).group(0)
                own = run_cli(cmd, "--help").stdout
                self.assertEqual(set(re.findall(r"--[a-z0-9-]+", line)),
                                 set(re.findall(r"(?<![\w-])--[a-z0-9-]+", own)) - {"--help"})


class RequirementsTest(unittest.TestCase):
    def test_the_readme_names_every_package_setup_installs(self):
        with open(os.path.join(ROOT, "scripts/setup.sh")) as f:
            setup = f.read().split("if ((for_bench))")[0]  # make bench's own are in BENCHMARKS.md
        names = set(re.search(r"packages=\(([^)]*)\)", setup).group(1).split())
        for line in re.findall(r"install_packages ([^\n]*)", setup):
            names.update(w for w in line.split() if re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", w))
        self.assertIn("chromium", names)
        with open(os.path.join(ROOT, "README.md")) as f:
            section = f.read().split("## Requirements", 1)[1].split("\n## ", 1)[0]
        listed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", section))
        self.assertEqual(names - listed, set())


class StatusLineTest(unittest.TestCase):
    def test_every_status_the_api_answers_has_its_reason_phrase(self):
        with tempfile.TemporaryDirectory() as seed:
            for schema in ("a", "b"):  # two tables named t: the short name is ambiguous (409)
                with open(os.path.join(seed, f"{schema}.sql"), "w") as f:
                    f.write(f"CREATE TABLE {schema}.t (id INT);\n")
            with Server("--seed-dir", seed) as srv:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if len(srv.get_json("/api/v1/search?q=t&kind=table")[1]["results"]) == 2:
                        break
                    time.sleep(0.05)
                cases = [("GET", "/health", None, {}, 200, "OK"),
                         ("GET", "/api/v1/lineage/t", None, {}, 409, "Conflict"),
                         ("POST", "/api/chat/semantic", b'{"query": "x"}', {}, 501, "Not Implemented"),
                         ("GET", "/api/v1/nope", None, {}, 404, "Not Found"),
                         ("DELETE", "/health", None, {}, 405, "Method Not Allowed"),
                         ("GET", "/api/v1/lineage/a.t?depth=x", None, {}, 400, "Bad Request"),
                         ("GET", "/health", None, {"Host": "evil.example"}, 421, "Misdirected Request"),
                         ("POST", "/api/v1/files/upload", b"x", {"Content-Type": "text/plain"}, 415,
                          "Unsupported Media Type"),
                         ("POST", "/api/chat/graph", b'{"query": "x"}', {"Content-Type": "text/plain"}, 415,
                          "Unsupported Media Type")]
                for method, path, body, headers, status, reason in cases:
                    with self.subTest(path=path, status=status):
                        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
                        conn.request(method, path, body=body, headers=headers)
                        resp = conn.getresponse()
                        resp.read()
                        conn.close()
                        self.assertEqual((resp.status, resp.reason), (status, reason))


    def test_every_limit_status_has_its_reason_phrase(self):
        """The limits' answers (docs/design.md's table): 429 from --github-max-per-ip, 503 from
        --upload-inflight-mb, 507 from --min-free-mb, 413 and 411 from the body checks."""
        def answer(srv, method, path, body, headers, send_body=True):
            with socket.create_connection((srv.host, srv.port), timeout=10) as s:
                head = f"{method} {path} HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                s.sendall(head.encode() + b"\r\n" + (body if send_body else b""))
                line = s.makefile("rb").readline().decode().rstrip("\r\n")
            return int(line.split(" ", 2)[1]), line.split(" ", 2)[2]

        json_type = {"Content-Type": "application/json"}
        silent = socket.socket()  # a remote that never answers: the first clone holds its place
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        try:
            with Server("--github-url", f"http://127.0.0.1:{silent.getsockname()[1]}", "--github-max-per-ip", "1",
                        "--max-upload-mb", "1", "--upload-inflight-mb", "1") as srv:
                ingest = b'{"repo":"acme/x"}'
                length = {"Content-Length": str(len(ingest)), **json_type}
                self.assertEqual(answer(srv, "POST", "/api/v1/github/ingest", ingest, length), (202, "Accepted"))
                self.assertEqual(answer(srv, "POST", "/api/v1/github/ingest", ingest, length),
                                 (429, "Too Many Requests"))
                form = {"Content-Type": "multipart/form-data; boundary=b"}
                self.assertEqual(answer(srv, "POST", "/api/v1/files/upload", b"", {"Content-Length": str(2 << 20), **form},
                                        send_body=False), (413, "Payload Too Large"))
                self.assertEqual(answer(srv, "POST", "/api/v1/files/upload", b"", {"Transfer-Encoding": "chunked", **form},
                                        send_body=False), (411, "Length Required"))
                with socket.create_connection((srv.host, srv.port), timeout=10) as held:  # in flight, mid-body
                    held.sendall(f"POST /api/v1/files/upload HTTP/1.1\r\nHost: {srv.host}:{srv.port}\r\n"
                                 f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 600000\r\n\r\n"
                                 f"--b\r\n".encode())
                    time.sleep(0.3)
                    self.assertEqual(answer(srv, "POST", "/api/v1/files/upload", b"",
                                            {"Content-Length": "1000", **form}, send_body=False),
                                     (503, "Service Unavailable"))
        finally:
            silent.close()
        fs = os.statvfs(tempfile.gettempdir())
        with Server("--min-free-mb", str(fs.f_bavail * fs.f_frsize // (1 << 20) + 100000)) as srv:
            self.assertEqual(answer(srv, "POST", "/api/v1/files/upload", b"",
                                    {"Content-Length": "1000", "Content-Type": "multipart/form-data; boundary=b"},
                                    send_body=False), (507, "Insufficient Storage"))


# contract.md §7, name for name, with the type Prometheus is told and the labels the contract names
CONTRACT_METRICS = {
    "lineaged_ws_connections": ("gauge", None),
    "lineaged_ws_connections_total": ("counter", None),
    "lineaged_ws_rejected_total": ("counter", ('reason="origin"', 'reason="ip_limit"')),
    "lineaged_ws_evicted_total": ("counter", None),
    "lineaged_ws_messages_sent_total": ("counter", tuple(f'type="{t}"' for t in (
        "connection_ack", "stats_update", "ingestion_started", "ingestion_progress", "ingestion_complete",
        "query_complete", "error"))),
    "lineaged_ws_messages_throttled_total": ("counter", None),
    "lineaged_ws_messages_invalid_total": ("counter", None),
    "lineaged_ingest_files_total": ("counter", ('status="processed"',)),
    "lineaged_http_requests_total": ("counter", ('code="200"',)),
}


class ContractMetricsTest(unittest.TestCase):
    def test_every_metric_of_the_contract_is_exported_under_its_name(self):
        with tempfile.TemporaryDirectory() as seed:
            with open(os.path.join(seed, "a.sql"), "w") as f:
                f.write("INSERT INTO core.b SELECT x FROM raw.a;\n")
            with Server("--seed-dir", seed) as srv:
                # the counter moves with the file's event, a moment after files/stats sees the commit
                deadline = time.monotonic() + 30
                while True:
                    status, headers, body = srv.request("GET", "/metrics")
                    processed = metric(body.decode(), 'lineaged_ingest_files_total{status="processed"}')
                    if processed >= 1 or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"), headers)
        text = body.decode()
        for name, (kind, labels) in CONTRACT_METRICS.items():
            with self.subTest(metric=name):
                self.assertIn(f"\n# TYPE {name} {kind}\n", text)
                samples = re.findall(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.M)
                self.assertTrue(samples)
                for label in labels or ():
                    self.assertIn("{" + label + "}", [s[0] for s in samples])
        self.assertEqual(metric(text, 'lineaged_ingest_files_total{status="processed"}'), 1)

    def test_the_docs_name_every_metric_exported_and_no_other(self):
        with Server() as srv:
            status, _, body = srv.request("GET", "/metrics")
        self.assertEqual(status, 200)
        exported = set(re.findall(r"^# TYPE (lineaged_\w+) ", body.decode(), re.M))
        documented = set(re.findall(r"\blineaged_[a-z_]+", "\n".join(doc_text(name) for name in DOCS)))
        self.assertGreater(len(exported), 10)
        self.assertEqual(exported - documented, set())
        self.assertEqual(documented - exported, set())


class DataDirTest(unittest.TestCase):
    def test_a_data_dir_that_cannot_be_made_exits_1_naming_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            blocker = os.path.join(tmp, "a-file")
            open(blocker, "w").close()
            for data_dir in (blocker, os.path.join(blocker, "data")):
                with self.subTest(data_dir=data_dir):
                    r = run_cli("serve", "--port", str(free_port()), "--db", ":memory:", "--data-dir", data_dir,
                                timeout=20)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    errors = [x for x in r.stderr.splitlines() if " error " in x]
                    self.assertEqual(len(errors), 1, errors)  # one line says it all
                    line = errors[0]
                    self.assertIn("api.start_failed", line)
                    self.assertIn(f'dir="{blocker}/', line)
                    self.assertIn("Not a directory", line)


class OptionsAfterPathsTest(unittest.TestCase):
    def test_ingest_and_parse_take_options_after_their_paths(self):
        with tempfile.TemporaryDirectory() as tmp:
            sql = os.path.join(tmp, "a.sql")
            with open(sql, "w") as f:
                f.write("INSERT INTO core.b SELECT x FROM raw.a;\n")
            db = os.path.join(tmp, "here.duckdb")
            # before, --db was taken for a path and the file went into ./data/lineage.duckdb of the cwd
            r = run_cli("ingest", sql, "--db", db, "--project", "p", cwd=tmp, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("1 processed", r.stdout)
            self.assertTrue(os.path.exists(db))
            self.assertFalse(os.path.exists(os.path.join(tmp, "data")))
            r = run_cli("ingest", "--db", db, "--project", "p", "--", sql, cwd=tmp, timeout=60)
            self.assertEqual((r.returncode, "1 skipped" in r.stdout), (0, True), r.stdout + r.stderr)
            r = run_cli("parse", sql, "--dialect", "tsql", cwd=tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["dialect"], "tsql")
            r = run_cli("parse", sql, "--nope", cwd=tmp)
            self.assertEqual(r.returncode, 2, r.stderr)


class CorruptDatabaseTest(unittest.TestCase):
    def test_a_file_that_is_not_a_whole_duckdb_database_is_one_line_and_exit_1(self):
        with tempfile.TemporaryDirectory() as tmp:
            junk = os.path.join(tmp, "junk.duckdb")
            with open(junk, "wb") as f:
                f.write(b"DUCK" + bytes(range(256)) * 8)
            good = os.path.join(tmp, "good.duckdb")
            sql = os.path.join(tmp, "a.sql")
            with open(sql, "w") as f:
                f.write("INSERT INTO core.b SELECT x FROM raw.a;\n")
            r = run_cli("ingest", "--db", good, sql, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            cut = os.path.join(tmp, "cut.duckdb")
            with open(good, "rb") as src, open(cut, "wb") as dst:
                dst.write(src.read(20000))  # a copy that stopped part way
            for db in (junk, cut):
                for cmd in (["serve", "--port", str(free_port()), "--data-dir", os.path.join(tmp, "data")],
                            ["ingest", sql], ["export", "--format", "csv"]):
                    with self.subTest(db=os.path.basename(db), cmd=cmd[0]):
                        size = os.path.getsize(db)
                        r = run_cli(*cmd, "--db", db, cwd=tmp, timeout=20)
                        self.assertEqual(r.returncode, 1, r.stderr)
                        lines = r.stderr.strip().splitlines()
                        self.assertEqual(len(lines), 1, lines)
                        self.assertIn(f"lineaged {cmd[0]}: cannot open database {db}: ", lines[0])
                        self.assertEqual(os.path.getsize(db), size)  # left as it was


# OpenLineage 2-0-2 (https://openlineage.io/spec/2-0-2/OpenLineage.json): BaseEvent requires eventTime
# (date-time), producer and schemaURL (URIs); JobEvent requires job {namespace, name}; datasets require
# namespace and name; every facet _producer and _schemaURL. ColumnLineageDatasetFacet 1-2-0: fields ->
# {inputFields: [{namespace, name, field, transformations: [{type, subtype}]}]}.
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


class OpenLineageSpecTest(unittest.TestCase):
    def check_facets(self, facets):
        self.assertIsInstance(facets, dict)
        for name, facet in facets.items():
            self.assertRegex(facet["_producer"], URI, name)
            self.assertRegex(facet["_schemaURL"], r"^https://openlineage\.io/spec/facets/\d+-\d+-\d+/\w+\.json#/\$defs/\w+$")

    def check_dataset(self, ds):
        for key in ("namespace", "name"):
            self.assertIsInstance(ds[key], str)
            self.assertTrue(ds[key])
        self.check_facets(ds.get("facets", {}))

    def test_the_example_warehouse_export_has_what_the_spec_requires(self):
        with Server("--seed-dir", EXAMPLES) as srv:
            deadline = time.monotonic() + 60
            while srv.get_json("/api/v1/files/stats")[1]["processed"] < 30 and time.monotonic() < deadline:
                time.sleep(0.1)
            # the export reads the lineage index, which takes up committed files after the counters
            # (a group of files commits at once): wait for it too, same bound
            while True:
                stats = srv.get_json("/api/v1/stats")[1]
                status, headers, body = srv.request("GET", "/api/v1/export/openlineage")
                events = [json.loads(line) for line in body.decode().splitlines()] if status == 200 else []
                if len(events) >= 20 or time.monotonic() >= deadline:
                    break
                time.sleep(0.2)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(events), 20, stats)
        columns = 0
        for ev in events:
            self.assertRegex(ev["eventTime"], DATE_TIME)
            self.assertRegex(ev["producer"], URI)
            self.assertEqual(ev["schemaURL"], "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent")
            self.assertNotIn("run", ev)  # static lineage: a JobEvent has no run and no eventType
            self.assertNotIn("eventType", ev)
            job = ev["job"]
            self.assertTrue(job["namespace"])
            self.assertRegex(job["name"], r"^\S+\.\w+:\d+$")  # path:line
            self.check_facets(job["facets"])
            self.assertIn(job["facets"]["jobType"]["jobType"], ("QUERY", "STORED_PROCEDURE"))
            self.assertTrue(job["facets"]["sql"]["query"])
            # a folder of files names no git repository: its location is a name, not a URL under --github-url
            loc = job["facets"]["sourceCodeLocation"]
            self.assertEqual(loc["type"], "file")
            self.assertEqual(loc["url"], "urn:lineaged:file:" + job["namespace"] + "/" + job["name"].rsplit(":", 1)[0])
            self.assertTrue(ev["outputs"])
            for ds in ev["inputs"] + ev["outputs"]:
                self.check_dataset(ds)
            known = {(d["namespace"], d["name"]) for d in ev["inputs"] + ev["outputs"]}
            for out in ev["outputs"]:
                cl = out.get("facets", {}).get("columnLineage")
                if not cl:
                    continue
                for field, spec in cl["fields"].items():
                    self.assertTrue(field)
                    for src in spec["inputFields"]:
                        columns += 1
                        self.assertIn((src["namespace"], src["name"]), known)
                        self.assertTrue(src["field"])
                        for t in src.get("transformations", []):
                            self.assertIn(t["type"], ("DIRECT", "INDIRECT"))
        self.assertGreater(columns, 50)


DOCS = ["README.md", "BENCHMARKS.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(ROOT, "docs"))
                                              if f.endswith(".md"))


def doc_text(name, fenced=True):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        text = f.read()
    return text if fenced else re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def heading_anchors(name):
    """GitHub's ids: lower case, punctuation but '-' and '_' dropped, spaces to '-', repeats get -1, -2."""
    seen, out = {}, set()
    for line in doc_text(name, fenced=False).splitlines():
        m = re.match(r"^#{1,6} (.*)", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}-{n}")
    return out


class DocLinksTest(unittest.TestCase):
    def test_every_relative_link_resolves_and_every_anchor_exists(self):
        checked = 0
        for name in DOCS:
            for link in re.findall(r"\]\(([^)\s]+)\)", doc_text(name, fenced=False)):
                if re.match(r"^[a-z]+:", link):
                    continue
                target, _, anchor = link.partition("#")
                path = os.path.normpath(os.path.join(ROOT, os.path.dirname(name), target)) if target else \
                    os.path.join(ROOT, name)
                with self.subTest(doc=name, link=link):
                    checked += 1
                    self.assertTrue(os.path.exists(path))
                    if anchor and path.endswith(".md"):
                        self.assertIn(anchor, heading_anchors(os.path.relpath(path, ROOT)))
        self.assertGreater(checked, 20)


class RepositoryLayoutTest(unittest.TestCase):
    def test_the_readme_layout_names_every_folder_of_the_source_tree(self):
        section = doc_text("README.md").split("## Repository layout", 1)[1].split("\n## ", 1)[0]
        named = {p.rstrip("/") for p in re.findall(r"`([\w./-]+/)`", section)}
        built = {"build", "deps", "node_modules", "data"}  # made by setup and make, ignored by git
        folders = {f for f in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, f))
                   and not f.startswith((".", "build-")) and f not in built}
        for top in ("src", "tests"):
            folders |= {f"{top}/{f}" for f in os.listdir(os.path.join(ROOT, top))
                        if os.path.isdir(os.path.join(ROOT, top, f)) and f != "__pycache__"}
        for folder in sorted(folders):
            with self.subTest(folder=folder):
                self.assertTrue(folder in named or any(n.startswith(folder + "/") for n in named)
                                or folder in ("src", "tests"))


# "`--flag` (default 64)", "`--flag` (30 s)", "`--flag`, 10)", "`--flag` jobs waiting, default 256)",
# and table cells "`--flag` 16 (" or "`--flag` 10 s |"
FLAG_VALUE = re.compile(r"`--([a-z0-9-]+)`(?:[^`.;|()]{0,30}?[(,] ?default /?|,? \(|, | (?=[0-9][0-9,.]*(?: s)? [|(]))"
                        r"([0-9][0-9,.]*)(?: ?(?:s|MiB|KiB|bytes/s))? ?[),;:|(]")


class DocFlagDefaultsTest(unittest.TestCase):
    def test_every_default_the_docs_state_is_the_one_serve_help_states(self):
        r = run_cli("serve", "--help")
        defaults = dict(re.findall(r"^  --([a-z0-9-]+) .*\(default ([^)]*)\)$", r.stdout, re.M))
        self.assertGreater(len(defaults), 20)
        found = 0
        for name in DOCS:
            for m in FLAG_VALUE.finditer(doc_text(name)):
                flag, value = m.groups()
                found += 1
                with self.subTest(doc=name, text=m.group(0)):
                    self.assertEqual(value.replace(",", ""), defaults.get(flag))
        self.assertGreater(found, 15)


class ApiTableTest(unittest.TestCase):
    def test_every_endpoint_in_the_readme_table_is_routed_for_its_method(self):
        section = doc_text("README.md").split("## API at a glance", 1)[1].split("\n## ", 1)[0]
        endpoints = []
        for cell in re.findall(r"^\| (`[^|]*`) \|", section, re.M):
            endpoints += re.findall(r"`(GET|POST|PUT|DELETE) ([^`?\[]+)", cell)
        self.assertGreater(len(endpoints), 15)
        with Server() as srv:
            for method, path in endpoints:
                path = path.replace("{name}", "no.such_table").replace("{id}", "ing_0")
                with self.subTest(method=method, path=path):
                    body = b"{}" if method == "POST" else None
                    status, _, reply = srv.request(method, path, body=body,
                                                   headers={"Content-Type": "application/json"} if body else {})
                    self.assertNotEqual(status, 405, reply)
                    self.assertNotIn(b"no such endpoint", reply)

    def test_every_parameter_bound_the_readme_table_states_is_the_servers(self):
        section = doc_text("README.md").split("## API at a glance", 1)[1].split("\n## ", 1)[0]
        bounds = []  # (path, parameter, default, most)
        for path, rest in re.findall(r"^\| `GET ([^`?]+)[^|]*\| (.*)$", section, re.M):
            for param, default, most in re.findall(r"`(\w+)`: [^;()]*?default (\d+), at most (\d+)", rest):
                bounds.append((path.replace("{name}", "core.b"), param, int(default), int(most)))
        self.assertGreaterEqual(len(bounds), 3)
        with tempfile.TemporaryDirectory() as seed:
            with open(os.path.join(seed, "a.sql"), "w") as f:
                f.write("INSERT INTO core.b SELECT x FROM raw.a;\n")
            with Server("--seed-dir", seed) as srv:
                deadline = time.monotonic() + 30
                while srv.request("GET", "/api/v1/lineage/core.b")[0] != 200 and time.monotonic() < deadline:
                    time.sleep(0.05)
                for path, param, default, most in bounds:
                    with self.subTest(path=path, param=param):
                        query = path + ("?q=b&" if path.endswith("/search") else "?")
                        status, body = srv.get_json(query.rstrip("?&"))
                        self.assertEqual(status, 200, body)
                        if param in body:  # lineage echoes its depth
                            self.assertEqual(body[param], default)
                        self.assertEqual(srv.request("GET", f"{query}{param}={most}")[0], 200)
                        self.assertEqual(srv.request("GET", f"{query}{param}={most + 1}")[0], 400)


if __name__ == "__main__":
    main()
