// The floor of the context benchmark's search: SQLite FTS5 straight from C, with the same table,
// tokenizer, ranking and snippet as the Context Hub's index (Host/Core/Context/ContextIndex.swift),
// and the same work per query: every match in bm25 order (the hub walks them all to filter by
// access list and count `total`), then a snippet for each of the first 20.
//
//   fts_floor DOCS.tsv ITERATIONS TERM...
//   DOCS.tsv: one document per line, "name<TAB>content"
//   prints one line per term: "<term> median_ns=<n> p99_ns=<n> matches=<n>"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "fts_floor: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: fts_floor DOCS.tsv ITERATIONS TERM...\n"); return 64; }
    long iterations = atol(argv[2]);
    if (iterations < 1) iterations = 1;
    sqlite3 *db;
    check(sqlite3_open(":memory:", &db), db, "open");
    check(sqlite3_exec(db, "CREATE VIRTUAL TABLE fts USING fts5(name, content, tokenize = 'unicode61 remove_diacritics 2')", 0, 0, 0), db, "schema");
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 1; }
    sqlite3_stmt *ins, *q, *snip;
    check(sqlite3_prepare_v2(db, "INSERT INTO fts(rowid, name, content) VALUES (?, ?, ?)", -1, &ins, 0), db, "prepare insert");
    check(sqlite3_exec(db, "BEGIN", 0, 0, 0), db, "begin");
    char *line = NULL;
    size_t cap = 0;
    long rowid = 1;
    while (getline(&line, &cap, f) > 0) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        char *content = tab + 1;
        size_t n = strlen(content);
        if (n && content[n - 1] == '\n') content[n - 1] = 0;
        sqlite3_bind_int64(ins, 1, rowid++);
        sqlite3_bind_text(ins, 2, line, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, content, -1, SQLITE_STATIC);
        check(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
    }
    check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    fclose(f);
    check(sqlite3_prepare_v2(db, "SELECT rowid, bm25(fts, 5.0, 1.0) AS s FROM fts WHERE fts MATCH ? ORDER BY s", -1, &q, 0), db, "prepare query");
    check(sqlite3_prepare_v2(db, "SELECT snippet(fts, -1, '[', ']', '…', 16) FROM fts WHERE fts MATCH ? AND rowid = ?", -1, &snip, 0), db, "prepare snippet");
    long long *samples = malloc(sizeof(long long) * (size_t)iterations);
    for (int t = 3; t < argc; t++) {
        char match[256];
        snprintf(match, sizeof match, "\"%s\"", argv[t]);
        long matches = 0;
        for (long i = 0; i < iterations; i++) {
            long long t0 = now_ns();
            long long page[20];
            int pn = 0;
            matches = 0;
            sqlite3_bind_text(q, 1, match, -1, SQLITE_STATIC);
            while (sqlite3_step(q) == SQLITE_ROW) {
                if (pn < 20) page[pn++] = sqlite3_column_int64(q, 0);
                (void)sqlite3_column_double(q, 1);
                matches++;
            }
            sqlite3_reset(q);
            for (int k = 0; k < pn; k++) {
                sqlite3_bind_text(snip, 1, match, -1, SQLITE_STATIC);
                sqlite3_bind_int64(snip, 2, page[k]);
                if (sqlite3_step(snip) == SQLITE_ROW) (void)sqlite3_column_text(snip, 0);
                sqlite3_reset(snip);
            }
            samples[i] = now_ns() - t0;
        }
        qsort(samples, (size_t)iterations, sizeof(long long), cmp);
        long p99 = (long)((double)(iterations - 1) * 0.99 + 0.5);
        printf("%s median_ns=%lld p99_ns=%lld matches=%ld\n", argv[t], samples[iterations / 2], samples[p99], matches);
    }
    free(samples);
    free(line);
    sqlite3_close(db);
    return 0;
}
