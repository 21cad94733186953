// The floor of the storage benchmark: the same SQLite work the storage plugin does for one
// operation, straight from C with prepared statements (no ABI, no JSON, no queue hop).
// Same schema, WAL, the same synchronous mode; an upsert is BEGIN IMMEDIATE + SELECT by key +
// INSERT OR REPLACE + COMMIT, as the plugin does. Compiled with `cc -O2 ... -lsqlite3` by
// lightning-bench at run time.
//
//   sqlite_floor DBPATH full|normal COUNT
//   prints one line per operation: "<op> median_ns=<n> p99_ns=<n> rate=<ops per second>"
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

static void report(const char *op, long long *s, long n, long long total) {
    qsort(s, (size_t)n, sizeof(long long), cmp);
    long p99 = (long)((double)(n - 1) * 0.99 + 0.5);
    printf("%s median_ns=%lld p99_ns=%lld rate=%.0f\n", op, s[n / 2], s[p99], (double)n * 1e9 / (double)total);
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_floor: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: sqlite_floor DBPATH full|normal COUNT\n"); return 64; }
    long n = atol(argv[3]);
    if (n < 10) n = 10;
    sqlite3 *db;
    check(sqlite3_open(argv[1], &db), db, "open");
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", strcmp(argv[2], "normal") == 0 ? "NORMAL" : "FULL");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL", 0, 0, 0), db, "wal");
    check(sqlite3_exec(db, pragma, 0, 0, 0), db, "synchronous");
    check(sqlite3_exec(db,
        "CREATE TABLE IF NOT EXISTS documents (container TEXT NOT NULL, partition_key TEXT NOT NULL, id TEXT NOT NULL,"
        " data TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, etag TEXT NOT NULL,"
        " PRIMARY KEY (container, partition_key, id)) WITHOUT ROWID", 0, 0, 0), db, "schema");
    sqlite3_stmt *begin, *commit, *find, *put, *query;
    check(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, 0), db, "prepare begin");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, 0), db, "prepare commit");
    check(sqlite3_prepare_v2(db, "SELECT id, partition_key, data, created_at, updated_at, etag FROM documents"
                                 " WHERE container = ?1 AND partition_key = '' AND id = ?2", -1, &find, 0), db, "prepare find");
    check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO documents VALUES (?1, '', ?2, ?3, ?4, ?4, ?5)", -1, &put, 0), db, "prepare put");
    check(sqlite3_prepare_v2(db, "SELECT id, partition_key, data, created_at, updated_at, etag FROM documents"
                                 " WHERE container = ?1 AND json_type(data, '$.\"group\"') IN ('integer','real')"
                                 " AND json_extract(data, '$.\"group\"') = ?2 ORDER BY partition_key, id LIMIT 11", -1, &query, 0), db, "prepare query");
    long long *s = malloc(sizeof(long long) * (size_t)n);
    char id[32], data[512], etag[40];
    // upsert: n distinct documents (creates), then the same ids again (replaces) are both upserts
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "doc-%ld", i);
        snprintf(data, sizeof data, "{\"group\":%ld,\"n\":%ld,\"name\":\"document number %ld\",\"pad\":\"%s\",\"tags\":[\"a\",\"b\",\"c\"]}",
                 i % 100, i, i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        snprintf(etag, sizeof etag, "\"%08lx\"", (unsigned long)i * 2654435761u);
        long long t0 = now_ns();
        check(sqlite3_step(begin), db, "begin"); sqlite3_reset(begin);
        sqlite3_bind_text(find, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(find, 2, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(find) == SQLITE_ROW) {}
        sqlite3_reset(find);
        sqlite3_bind_text(put, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(put, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(put, 3, data, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(put, 4, (sqlite3_int64)time(0) * 1000);
        sqlite3_bind_text(put, 5, etag, -1, SQLITE_TRANSIENT);
        check(sqlite3_step(put), db, "put"); sqlite3_reset(put);
        check(sqlite3_step(commit), db, "commit"); sqlite3_reset(commit);
        s[i] = now_ns() - t0;
    }
    report("upsert", s, n, now_ns() - start);
    start = now_ns();
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "doc-%ld", (i * 7919) % n);
        long long t0 = now_ns();
        sqlite3_bind_text(find, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_text(find, 2, id, -1, SQLITE_TRANSIENT);
        int rows = 0;
        while (sqlite3_step(find) == SQLITE_ROW) { rows++; (void)sqlite3_column_text(find, 2); }
        sqlite3_reset(find);
        s[i] = now_ns() - t0;
        if (rows != 1) { fprintf(stderr, "sqlite_floor: read found %d rows\n", rows); return 1; }
    }
    report("read", s, n, now_ns() - start);
    long q = n / 10 < 10 ? 10 : n / 10;
    start = now_ns();
    for (long i = 0; i < q; i++) {
        long long t0 = now_ns();
        sqlite3_bind_text(query, 1, "bench", -1, SQLITE_STATIC);
        sqlite3_bind_int64(query, 2, i % 100);
        while (sqlite3_step(query) == SQLITE_ROW) { (void)sqlite3_column_text(query, 2); }
        sqlite3_reset(query);
        s[i] = now_ns() - t0;
    }
    report("query", s, q, now_ns() - start);
    sqlite3_finalize(begin); sqlite3_finalize(commit); sqlite3_finalize(find); sqlite3_finalize(put); sqlite3_finalize(query);
    sqlite3_close(db);
    free(s);
    return 0;
}
