/* Lineage for other tools: OpenLineage 2-0-2 JobEvents (static lineage, no run) and a CSV of column edges. */
#include "query/encode.h"
#include "query/source.h"
#include "sql/lexer.h"
#include "sql/splitter.h"
#include "util/buf.h"
#include "util/jsontext.h"

#include <string.h>

#define OL_SCHEMA "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
#define OL_SQL    "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet"
#define OL_SOURCE                                                                                                      \
    "https://openlineage.io/spec/facets/1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet"
#define OL_JOBTYPE "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
#define OL_COLUMNS                                                                                                     \
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
#define OL_PRODUCER "urn:lineaged:" LINEAGED_VERSION

static json_t *facet(const char *schema)
{
    return json_pack("{s:s, s:s}", "_producer", OL_PRODUCER, "_schemaURL", schema);
}

static const char *job_namespace(const graph_stmt_info_t *st)
{
    return st->repository ? st->repository : st->project ? st->project : "default";
}

/* The dataset entry for `v` in `list`, created when missing. */
static json_t *dataset(json_t *list, const char *ns, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d) if(strcmp(json_string_value(json_object_get(d, "name")), name) == 0) return d;
    d = json_pack("{s:s, s:s}", "namespace", ns, "name", name);
    json_array_append_new(list, d);
    return d;
}

/* column name without its table's name and the dot */
static const char *field_of(const graph_snap_t *s, int col)
{
    int t = graph_column_table(s, col);
    const char *name = graph_node_name(s, col);
    if(t != GRAPH_NONE) {
        size_t tl = strlen(graph_node_name(s, t));
        if(strlen(name) > tl && name[tl] == '.')
            return name + tl + 1;
    }
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

static void add_column_edge(const graph_snap_t *s, json_t *outputs, const char *ns, int e)
{
    int src = graph_edge_source(s, e), dst = graph_edge_target(s, e);
    int st = graph_column_table(s, src), dt = graph_column_table(s, dst);
    if(st == GRAPH_NONE || dt == GRAPH_NONE)
        return;
    json_t *out = dataset(outputs, ns, graph_node_name(s, dt));
    json_t *facets = json_object_get(out, "facets");
    if(!facets) {
        facets = json_object();
        json_object_set_new(out, "facets", facets);
    }
    json_t *cl = json_object_get(facets, "columnLineage");
    if(!cl) {
        cl = facet(OL_COLUMNS);
        json_object_set_new(cl, "fields", json_object());
        json_object_set_new(facets, "columnLineage", cl);
    }
    json_t *fields = json_object_get(cl, "fields");
    const char *fname = field_of(s, dst);
    json_t *field = json_object_get(fields, fname);
    if(!field) {
        field = json_pack("{s:[]}", "inputFields");
        json_object_set_new(fields, fname, field);
    }
    json_t *in =
        json_pack("{s:s, s:s, s:s}", "namespace", ns, "name", graph_node_name(s, st), "field", field_of(s, src));
    const char *t = graph_edge_transformation(s, e);
    if(t) {
        /* contract §5 subtypes: direct ones describe the value, the others how rows were chosen */
        int direct = strcmp(t, "IDENTITY") == 0 || strcmp(t, "TRANSFORMATION") == 0 || strcmp(t, "AGGREGATION") == 0;
        json_object_set_new(in, "transformations",
                            json_pack("[{s:s, s:s}]", "type", direct ? "DIRECT" : "INDIRECT", "subtype", t));
    }
    json_array_append_new(json_object_get(field, "inputFields"), in);
}

typedef struct sink {
    query_write_fn write;
    void *ud;
    int rc;
} sink_t;

/* jansson hands over whole characters: a C1 control or U+2028/9 is never cut between two calls */
static int sink_cb(const char *data, size_t len, void *p)
{
    sink_t *k = p;
    size_t n;
    for(size_t at; !k->rc && len; data += at + n, len -= at + n) {
        at = jsontext_next(data, len, &n);
        char esc[JSONTEXT_ESCAPE_LEN];
        if(at)
            k->rc = k->write(k->ud, data, at);
        if(!k->rc && n) {
            jsontext_escape_char(data + at, n, esc);
            k->rc = k->write(k->ud, esc, sizeof(esc));
        }
    }
    return k->rc ? -1 : 0;
}

static int emit(json_t *ev, query_write_fn write, void *ud)
{
    sink_t k = {write, ud, 0};
    int failed = json_dump_callback(ev, sink_cb, &k, JSON_COMPACT);
    json_decref(ev);
    if(failed)
        return k.rc ? k.rc : GRAPH_ERR_NOMEM;
    return write(ud, "\n", 1);
}

/*
 * The statement's text: from its first token to the token that ends it, found by the parser's own
 * splitter, so the `;` inside a procedure body (BEGIN ... END, $$ ... $$, T-SQL up to GO) do not cut
 * it. The stored segment runs to the next statement's start and may begin earlier (a file's first
 * one starts at 1:1): comments around the statement are left out, except the writer's cut marker.
 */
static json_t *statement_text(const graph_stmt_info_t *st, const source_text_t *t)
{
    if(!t)
        return NULL;
    sql_dialect_t d;
    if(!st->dialect || sql_dialect_from_name(st->dialect, &d) || d == SQL_DIALECT_AUTO)
        d = sql_dialect_guess(t->text, t->len);
    sql_lexer_t lx;
    sql_splitter_t sp;
    sql_lexer_init(&lx, t->text, t->len, d, 1);
    sql_splitter_init(&sp, d);
    size_t begin = t->len, end = 0;
    int ended = 0;
    sql_token_t tok;
    while(!ended && sql_lexer_next(&lx, &tok) == 0 && tok.type != SQL_TOK_EOF) {
        if(tok.type == SQL_TOK_COMMENT || sql_tok_is_jinja_block(&tok, t->text) ||
           (int64_t)t->line + tok.line - 1 < st->line)
            continue;
        sql_split_t split = sql_splitter_feed(&sp, &tok, t->text, t->len);
        if(split == SQL_SPLIT_DROP) {
            ended = begin < end;
            sql_splitter_init(&sp, d); /* a separator before the statement: start again after it */
            continue;
        }
        if(begin == t->len)
            begin = tok.off;
        end = tok.off + tok.len;
        ended = split == SQL_SPLIT_AFTER;
    }
    if(!ended && t->cut > 0 && begin < t->len)
        end = t->len; /* cut inside the statement: keep the marker that says so */
    while(end > begin && (t->text[end - 1] == '\n' || t->text[end - 1] == '\r'))
        end--;
    if(end <= begin)
        return NULL;
    if(end - begin > SOURCE_TEXT_MAX) {
        end = begin + SOURCE_TEXT_MAX;
        while(end > begin && ((unsigned char)t->text[end] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
            end--;
    }
    return json_stringn(t->text + begin, end - begin);
}

/* `s` as a URI path: unreserved characters and '/' kept, every other byte %XX; 0 when `out` is too small */
static int uri_path(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for(const unsigned char *c = (const unsigned char *)s; *c; c++) {
        int keep =
            (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-._~/", *c);
        if(n + (keep ? 1 : 3) >= outlen)
            return 0;
        if(keep) {
            out[n++] = (char)*c;
        } else {
            out[n++] = '%';
            out[n++] = hex[*c >> 4];
            out[n++] = hex[*c & 15];
        }
    }
    out[n] = '\0';
    return 1;
}

/*
 * Where the statement's file came from: for a GitHub ingestion the file at its commit (git); an
 * uploaded or `lineaged ingest`ed file is located by nothing outside this server, so its URL is a
 * name, urn:lineaged:file:NAMESPACE/PATH.
 */
static json_t *source_location(const graph_stmt_info_t *st, const char *ns, const char *repo_base)
{
    char path[3 * GRAPH_MAX_NAME + 1], space[3 * GRAPH_MAX_NAME + 1];
    if(!uri_path(st->file, path, sizeof(path)) || !uri_path(ns, space, sizeof(space)))
        return NULL;
    json_t *loc = facet(OL_SOURCE);
    char url[2 * sizeof(path) + 640];
    if(!st->commit) {
        snprintf(url, sizeof(url), "urn:lineaged:file:%s/%s", space, path);
        json_object_set_new(loc, "type", json_string("file"));
        json_object_set_new(loc, "url", json_string(url));
        json_object_set_new(loc, "path", json_string(st->file));
        return loc;
    }
    size_t n = strlen(repo_base);
    while(n && repo_base[n - 1] == '/')
        n--;
    char repo[GRAPH_MAX_NAME + 512];
    snprintf(repo, sizeof(repo), "%.*s/%s", (int)(n > 400 ? 400 : n), repo_base, st->repository);
    snprintf(url, sizeof(url), "%s/blob/%s/%s", repo, st->commit, path);
    json_object_set_new(loc, "type", json_string("git"));
    json_object_set_new(loc, "url", json_string(url));
    json_object_set_new(loc, "repoUrl", json_string(repo));
    json_object_set_new(loc, "path", json_string(st->file));
    json_object_set_new(loc, "version", json_string(st->commit));
    if(st->branch)
        json_object_set_new(loc, "branch", json_string(st->branch));
    return loc;
}

typedef struct ol_export {
    const graph_snap_t *s;
    const char *event_time, *repo_base;
    query_write_fn write;
    void *ud;
    int next; /* the next statement of the snapshot to export */
} ol_export_t;

/* The event of statement k (text: its stored SQL, or NULL); 0 when it writes nothing. */
static int export_statement(const ol_export_t *x, int k, const source_text_t *t)
{
    const graph_snap_t *s = x->s;
    int rc = 0;
    const int *edges;
    int n = graph_statement_edges(s, k, &edges);
    graph_stmt_info_t st;
    graph_statement_at(s, k, &st);
    const char *ns = job_namespace(&st);
    const char *dns = st.project ? st.project : "default";
    json_t *inputs = json_array(), *outputs = json_array();
    for(int i = 0; i < n; i++) {
        int e = edges[i], a = graph_edge_source(s, e), z = graph_edge_target(s, e);
        graph_edge_kind_t kind = graph_edge_kind(s, e);
        int table_edge = graph_node_kind(s, a) != GRAPH_COLUMN && graph_node_kind(s, z) != GRAPH_COLUMN;
        if(kind == GRAPH_DERIVES && table_edge) {
            dataset(inputs, dns, graph_node_name(s, a));
            dataset(outputs, dns, graph_node_name(s, z));
        } else if(kind == GRAPH_READS_FROM) {
            dataset(inputs, dns, graph_node_name(s, z));
        } else if(kind == GRAPH_WRITES_TO) {
            dataset(outputs, dns, graph_node_name(s, z));
        }
    }
    if(!json_array_size(outputs)) {
        json_decref(inputs);
        json_decref(outputs);
        return 0;
    }
    for(int i = 0; i < n; i++)
        if(graph_edge_kind(s, edges[i]) == GRAPH_DERIVES &&
           graph_node_kind(s, graph_edge_target(s, edges[i])) == GRAPH_COLUMN)
            add_column_edge(s, outputs, dns, edges[i]);
    char name[GRAPH_MAX_NAME + 32];
    snprintf(name, sizeof(name), "%s:%d", st.file ? st.file : "unknown", st.line);
    json_t *facets = json_object();
    json_t *text = statement_text(&st, t);
    if(text) {
        json_t *sql = facet(OL_SQL);
        json_object_set_new(sql, "query", text);
        if(st.dialect)
            json_object_set_new(sql, "dialect", json_string(st.dialect));
        json_object_set_new(facets, "sql", sql);
    }
    json_t *loc = st.file && (st.repository || !st.commit) ? source_location(&st, ns, x->repo_base) : NULL;
    if(loc)
        json_object_set_new(facets, "sourceCodeLocation", loc);
    json_t *jt = facet(OL_JOBTYPE);
    json_object_set_new(jt, "processingType", json_string("BATCH"));
    json_object_set_new(jt, "integration", json_string("LINEAGED"));
    json_object_set_new(jt, "jobType", json_string(st.routine ? "STORED_PROCEDURE" : "QUERY"));
    json_object_set_new(facets, "jobType", jt);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:o}, s:o, s:o}", "eventTime", x->event_time, "producer",
                           OL_PRODUCER, "schemaURL", OL_SCHEMA, "job", "namespace", ns, "name", name, "facets", facets,
                           "inputs", inputs, "outputs", outputs);
    rc = ev ? emit(ev, x->write, x->ud) : GRAPH_ERR_NOMEM;
    return rc;
}

/* Statements come in id order from both sides: those before `t` have no stored text. */
static int export_text(void *ud, const source_text_t *t)
{
    ol_export_t *x = ud;
    int rc = 0;
    graph_stmt_info_t st;
    while(!rc && x->next < graph_statement_count(x->s) && graph_statement_at(x->s, x->next, &st) == 0 &&
          st.id <= t->statement_id) {
        rc = export_statement(x, x->next, st.id == t->statement_id ? t : NULL);
        x->next++;
    }
    return rc;
}

int query_export_openlineage(duckdb_connection conn, const graph_snap_t *s, const char *event_time,
                             const char *repo_base, query_write_fn write, void *ud)
{
    ol_export_t x = {s, event_time, repo_base, write, ud, 0};
    int rc = source_each(conn, export_text, &x);
    for(; !rc && x.next < graph_statement_count(s); x.next++)
        rc = export_statement(&x, x.next, NULL);
    return rc;
}

/*
 * One CSV field, quoted when it holds a comma, quote or line break. A field that starts with = + - @,
 * a tab or a CR is a formula to a spreadsheet (a table named `=HYPERLINK(...)` runs when the export is
 * opened): it is quoted and starts with a ' inside the quotes, as OWASP's CSV injection advice says.
 */
static int csv_field(buf_t *b, const char *v, int last)
{
    int rc = 0;
    int formula = v && *v && strchr("=+-@\t\r", *v);
    if(v && (formula || strpbrk(v, ",\"\r\n"))) {
        rc = buf_addc(b, '"');
        if(!rc && formula)
            rc = buf_addc(b, '\'');
        for(const char *p = v; !rc && *p; p++)
            rc = *p == '"' ? buf_adds(b, "\"\"") : buf_addc(b, *p);
        rc = rc ? rc : buf_addc(b, '"');
    } else if(v) {
        rc = buf_adds(b, v);
    }
    return rc ? rc : buf_addc(b, last ? '\n' : ',');
}

int query_export_csv(const graph_snap_t *s, query_write_fn write, void *ud)
{
    static const char header[] =
        "source_table,source_column,target_table,target_column,transformation,file,line,procedure\n";
    int rc = write(ud, header, sizeof(header) - 1);
    buf_t b;
    buf_init(&b, 4 * GRAPH_MAX_NAME + 256);
    for(int e = 0; e < graph_edge_count(s) && !rc; e++) {
        int a = graph_edge_source(s, e), z = graph_edge_target(s, e);
        if(graph_edge_kind(s, e) != GRAPH_DERIVES || graph_node_kind(s, a) != GRAPH_COLUMN ||
           graph_node_kind(s, z) != GRAPH_COLUMN)
            continue;
        int at = graph_column_table(s, a), zt = graph_column_table(s, z);
        graph_stmt_info_t st = {0};
        int has = graph_edge_statement(s, e, &st) == 0;
        char line[16] = "";
        if(has)
            snprintf(line, sizeof(line), "%d", st.line);
        buf_reset(&b);
        rc = csv_field(&b, at != GRAPH_NONE ? graph_node_name(s, at) : "", 0);
        rc = rc ? rc : csv_field(&b, field_of(s, a), 0);
        rc = rc ? rc : csv_field(&b, zt != GRAPH_NONE ? graph_node_name(s, zt) : "", 0);
        rc = rc ? rc : csv_field(&b, field_of(s, z), 0);
        rc = rc ? rc : csv_field(&b, graph_edge_transformation(s, e), 0);
        rc = rc ? rc : csv_field(&b, has ? st.file : NULL, 0);
        rc = rc ? rc : csv_field(&b, line, 0);
        rc = rc ? rc : csv_field(&b, has ? st.routine : NULL, 1);
        rc = rc ? rc : write(ud, b.data, b.len);
    }
    buf_free(&b);
    return rc;
}
