"""Chat on the example warehouse (examples/finance, what `make run` seeds): every intent of the issue,
asked with qualified and unqualified names and with typos, answered with the file and line it comes
from; `query_complete` carries counts, never the question or the answer."""

import asyncio
import json
import os
import sys

import websockets

sys.path.insert(0, os.path.dirname(__file__))
from harness import IngestedServerTest, main, run_cli  # noqa: E402

FINANCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../examples/finance"))


def where(source):
    # `lineaged ingest FINANCE` names files relative to FINANCE
    return (source["file"], source["line"])


class FinanceChatTest(IngestedServerTest):
    prefix = "lineaged-finance-"
    server_args = ("--query-event-rate", "10000")

    @classmethod
    def fill(cls, db):
        return run_cli("ingest", "--db", db, FINANCE, timeout=120)

    def check(self, question, qtype, says, source=None, not_says=None):
        body = self.answer(question)
        self.assertEqual(body["query_type"], qtype, (question, body["response"]))
        for text in says:
            self.assertIn(text, body["response"], question)
        if not_says:
            self.assertNotIn(not_says, body["response"], question)
        if source:
            self.assertIn(source, [where(s) for s in body["sources"]], (question, body["sources"]))
        return body

    def test_what_feeds_with_qualified_unqualified_and_misspelt_names(self):
        for name in ("marts.revenue_daily", "revenue_daily", "revenue_daly", "MARTS.Revenue_Daily"):
            body = self.check(f"What feeds {name}?", "lineage_upstream",
                              ["marts.revenue_daily is fed by", "core.fct_invoices", "core.dim_customer"],
                              ("marts/mart_revenue_daily.sql", 2))
            self.assertEqual(body["entities"][0]["name"], "marts.revenue_daily")
            self.assertEqual(body["entities"][0]["exact"], name != "revenue_daly")
        self.check("what does marts.revenue_daily depend on", "lineage_upstream", ["is fed by"])
        self.check("what feeds marts.revenue_daily.revenue_usd", "lineage_upstream",
                   ["core.fct_invoices.gross_amount_usd"], ("marts/mart_revenue_daily.sql", 2))

    def test_unknown_names_get_close_ones(self):
        self.check("What feeds marts.revenu?", "unknown", ["Did you mean marts.revenue_daily"])
        # nothing is close to the whole name: the tables of its schema are offered
        body = self.check("What feeds marts.nonexistent?", "unknown", ["Did you mean marts."])
        self.assertNotIn("Try a qualified name", body["response"])
        self.check("What feeds nothing_like_this?", "unknown", ["Try a qualified name such as schema.table."])

    def test_impact_with_paths(self):
        self.check("What breaks if I change staging.stg_invoices?", "impact",
                   ["staging.stg_invoices → core.fct_invoices → marts.revenue_daily"],
                   ("core/fct_invoices.sql", 2))
        self.check("what depends on dim_custmer", "impact", ["Changing core.dim_customer", "marts.customer_ltv"])

    def test_definition_and_use(self):
        self.check("where is usp_log_run defined", "definition",
                   ["finance.usp_log_run is defined in", "usp_log_run.sql at line 2"], ("procedures/usp_log_run.sql", 2))
        # no DDL: the statement that writes it, never one that only reads it
        self.check("Where is core.gl_balances defined?", "definition",
                   ["No DDL for core.gl_balances", "usp_load_gl_balances.sql:2"],
                   ("procedures/usp_load_gl_balances.sql", 2), not_says="mart_budget_vs_actual")
        self.check("Where is fct_ledger used?", "where_used", ["used by 2 statements", "rpt_pnl_monthly.sql:2"],
                   ("procedures/usp_load_gl_balances.sql", 2))
        # a procedure is used where it is called
        self.check("where is finance.usp_log_run used", "where_used", ["usp_load_gl_balances.sql:2"],
                   ("procedures/usp_load_gl_balances.sql", 2))
        self.check("who calls usp_load_gl_balances", "where_used", ["usp_close_period.sql:2"])

    def test_columns(self):
        self.check("which columns does core.fct_ledger have", "columns",
                   ["7 known columns", "account_id", "net_amount", "posted_on"], ("core/fct_ledger.sql", 2))
        # known from the statements that name them when no DDL defines the table
        self.check("what columns are in dim_customer", "columns", ["credit_limit", "first_seen_at"],
                   ("core/dim_customer.sql", 2))

    def test_paths_either_way(self):
        chain = "raw.erp_invoices → staging.stg_invoices → core.fct_invoices → marts.revenue_daily"
        for q in ("How does raw.erp_invoices reach marts.revenue_daily?",
                  "how does marts.revenue_daily reach raw.erp_invoices",
                  "how is marts.revenue_daily built from erp_invoices",
                  "how does erp_invoices get to revenue_daily"):
            self.check(q, "path", ["raw.erp_invoices reaches marts.revenue_daily in 3 steps", chain],
                       ("staging/stg_invoices.sql", 2))
        self.check("how does core.fct_ledger reach marts.customer_ltv", "path", ["No data path of at most 50 steps connects"])

    def test_file_outputs(self):
        self.check("What did usp_load_gl_balances.sql create?", "file_outputs",
                   ["defines finance.usp_load_gl_balances"], ("procedures/usp_load_gl_balances.sql", 2))
        self.check("what did staging/stg_invoices.sql create", "file_outputs",
                   ["writes staging.stg_invoices"], ("staging/stg_invoices.sql", 2))

    def test_procedures_and_writers(self):
        self.check("Which procedures write core.gl_balances?", "procedures",
                   ["1 procedure writes core.gl_balances: finance.usp_load_gl_balances."],
                   ("procedures/usp_load_gl_balances.sql", 2))
        self.check("which procedure writes gl_balance", "procedures", ["finance.usp_load_gl_balances"])
        self.check("who writes gl_balances", "writers",
                   ["finance.usp_load_gl_balances", "usp_load_gl_balances.sql:2 create_procedure in "
                    "finance.usp_load_gl_balances"], ("procedures/usp_load_gl_balances.sql", 2))
        self.check("what writes core.fct_invoices", "writers",
                   ["No stored procedure writes core.fct_invoices", "fct_invoices.sql:2"])
        # what a procedure's body reads, writes and calls
        body = self.check("what does finance.usp_load_gl_balances write", "procedure_lineage",
                          ["reads core.fct_ledger", "writes core.gl_balances", "calls finance.usp_log_run"],
                          ("procedures/usp_load_gl_balances.sql", 2))
        # drawn as lineage: what it reads to the left of it, what it writes or calls to the right
        placed = {n["name"]: n.get("direction") for n in body["graph_data"]["nodes"]}
        self.assertEqual(placed, {"finance.usp_load_gl_balances": None, "core.fct_ledger": "upstream",
                                  "core.gl_balances": "downstream", "finance.usp_log_run": "downstream"})
        self.assertEqual(len(body["graph_data"]["edges"]), 3)
        self.check("what does usp_close_period read", "procedure_lineage",
                   ["reads core.fct_invoices", "calls finance.usp_load_gl_balances"])

    def test_query_complete_carries_counts_only(self):
        questions = ["what feeds revenue_daly", "who writes gl_balances"]

        async def scenario():
            async with websockets.connect(self.srv.ws_url) as ws:
                await asyncio.wait_for(ws.recv(), 5)  # connection_ack
                loop = asyncio.get_running_loop()
                for q in questions:
                    await loop.run_in_executor(None, self.chat, q)
                got, raw = [], []
                deadline = loop.time() + 20
                while len(got) < len(questions) and loop.time() < deadline:
                    text = await asyncio.wait_for(ws.recv(), 20)
                    msg = json.loads(text)
                    if msg["type"] == "query_complete":
                        got.append(msg["data"])
                        raw.append(text)
                return got, raw
        got, raw = asyncio.run(scenario())
        self.assertEqual([d["query_type"] for d in got], ["lineage_upstream", "writers"])
        for d, text in zip(got, raw):
            self.assertLessEqual(set(d), {"query_type", "latency_ms", "status", "http_status", "result_nodes",
                                          "result_edges"})
            for leak in ("revenue", "gl_balances", "feeds", "writes", "usp_"):
                self.assertNotIn(leak, text)


if __name__ == "__main__":
    main()
