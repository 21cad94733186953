/*
 * A driver plugin written in plain C against lightning_plugin.h alone (no Swift, no SDK).
 *
 *   manifest:      manifests/c-example-driver.json (capabilities: "c.greet")
 *   c.greet        {"name": "Ada"}  →  emits c.greeting {"message": "hello, Ada"}
 *   c.count        emits c.counted {"count": <calls so far on this instance>}
 *
 * Build by hand (what a third party would do):
 *   cc -shared -fPIC -O2 -I PluginSDK/CLightningABI/include Examples/CDriver/c_driver.c -o libc_example_driver.so
 *
 * Calls complete on a worker thread per instance, so `call` never blocks the host's thread.
 */
#include "lightning_plugin.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
    struct job *next;
    char method[64];
    uint8_t *params;
    size_t params_len;
    lt_call_id id;
    lt_complete_fn complete;
    void *complete_ctx;
};

struct lt_instance {
    const lt_host_v1 *host;
    pthread_t worker;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job *head, *tail;
    int stopping;
    unsigned long calls;
};

static const lt_host_v1 *g_host;

static void log_info(const lt_host_v1 *host, const char *msg) {
    if (host != NULL) host->log(host->host_ctx, LT_LOG_INFO, msg, strlen(msg));
}

static void finish(struct job *j, int32_t status, const char *json) {
    j->complete(j->complete_ctx, j->id, status, lt_bytes_copy(json, strlen(json)));
}

/* Copies the string value of "key" found after `from` in `json` into out (no escapes allowed). */
static int find_string(const char *json, size_t len, const char *from, const char *key, char *out, size_t cap) {
    const char *end = json + len;
    const char *p = from ? strstr(json, from) : json;
    if (p == NULL) return 0;
    char pattern[80];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    p = strstr(p, pattern);
    if (p == NULL) return 0;
    p += strlen(pattern);
    while (p < end && (*p == ' ' || *p == ':')) p++;
    if (p >= end || *p != '"') return 0;
    p++;
    size_t n = 0;
    while (p < end && *p != '"' && n + 1 < cap) {
        if (*p == '\\' || (unsigned char)*p < 0x20) return 0;
        out[n++] = *p++;
    }
    out[n] = 0;
    return p < end && *p == '"';
}

static void handle(struct lt_instance *inst, struct job *j) {
    char buf[1024];
    inst->calls++;
    if (strcmp(j->method, "health") == 0) {
        finish(j, LT_STATUS_OK, "{\"status\":\"healthy\",\"latency_ms\":0}");
        return;
    }
    if (strcmp(j->method, "driver.handle") != 0) {
        snprintf(buf, sizeof buf, "{\"code\":\"unsupported\",\"message\":\"c-example-driver has no method %s\"}", j->method);
        finish(j, LT_STATUS_ERROR, buf);
        return;
    }
    /* The params are {"event": {...}} with NUL-free UTF-8 JSON; make a terminated copy. */
    char *json = malloc(j->params_len + 1);
    if (json == NULL) { finish(j, LT_STATUS_ERROR, "{\"code\":\"internal\",\"message\":\"out of memory\"}"); return; }
    memcpy(json, j->params, j->params_len);
    json[j->params_len] = 0;
    char type[128] = "", name[128] = "stranger";
    find_string(json, j->params_len, "\"event\"", "type", type, sizeof type);
    if (strcmp(type, "c.greet") == 0) {
        find_string(json, j->params_len, "\"data\"", "name", name, sizeof name);
        snprintf(buf, sizeof buf,
                 "{\"events\":[{\"type\":\"c.greeting\",\"source\":\"c-example-driver\",\"data\":{\"message\":\"hello, %s\"}}]}", name);
        finish(j, LT_STATUS_OK, buf);
    } else if (strcmp(type, "c.count") == 0) {
        snprintf(buf, sizeof buf, "{\"events\":[{\"type\":\"c.counted\",\"source\":\"c-example-driver\",\"data\":{\"count\":%lu}}]}", inst->calls);
        finish(j, LT_STATUS_OK, buf);
    } else {
        finish(j, LT_STATUS_OK, "{\"events\":[]}");
    }
    free(json);
}

static void *worker_main(void *arg) {
    struct lt_instance *inst = arg;
    for (;;) {
        pthread_mutex_lock(&inst->lock);
        while (inst->head == NULL && !inst->stopping) pthread_cond_wait(&inst->wake, &inst->lock);
        struct job *j = inst->head;
        if (j == NULL) { pthread_mutex_unlock(&inst->lock); return NULL; }
        inst->head = j->next;
        if (inst->head == NULL) inst->tail = NULL;
        pthread_mutex_unlock(&inst->lock);
        handle(inst, j);
        free(j->params);
        free(j);
    }
}

static lt_instance *create(const lt_host_v1 *host, const uint8_t *config, size_t len, lt_bytes *error) {
    (void)config; (void)len;
    struct lt_instance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        const char *msg = "{\"code\":\"internal\",\"message\":\"out of memory\"}";
        *error = lt_bytes_copy(msg, strlen(msg));
        return NULL;
    }
    inst->host = host;
    pthread_mutex_init(&inst->lock, NULL);
    pthread_cond_init(&inst->wake, NULL);
    if (pthread_create(&inst->worker, NULL, worker_main, inst) != 0) {
        const char *msg = "{\"code\":\"unavailable\",\"message\":\"pthread_create failed\"}";
        *error = lt_bytes_copy(msg, strlen(msg));
        free(inst);
        return NULL;
    }
    log_info(host, "c-example-driver instance created");
    return inst;
}

static void call(lt_instance *inst, const char *method, const uint8_t *params, size_t len, lt_call_id id,
                 lt_complete_fn complete, void *ctx) {
    struct job *j = calloc(1, sizeof *j);
    uint8_t *copy = len ? malloc(len) : NULL;
    if (j == NULL || (len && copy == NULL)) {
        free(j); free(copy);
        const char *msg = "{\"code\":\"internal\",\"message\":\"out of memory\"}";
        complete(ctx, id, LT_STATUS_ERROR, lt_bytes_copy(msg, strlen(msg)));
        return;
    }
    snprintf(j->method, sizeof j->method, "%s", method);
    if (len) memcpy(copy, params, len);
    j->params = copy; j->params_len = len; j->id = id; j->complete = complete; j->complete_ctx = ctx;
    pthread_mutex_lock(&inst->lock);
    if (inst->tail) inst->tail->next = j; else inst->head = j;
    inst->tail = j;
    pthread_cond_signal(&inst->wake);
    pthread_mutex_unlock(&inst->lock);
}

static void destroy(lt_instance *inst) {
    pthread_mutex_lock(&inst->lock);
    inst->stopping = 1;
    pthread_cond_signal(&inst->wake);
    pthread_mutex_unlock(&inst->lock);
    pthread_join(inst->worker, NULL);
    pthread_mutex_destroy(&inst->lock);
    pthread_cond_destroy(&inst->wake);
    free(inst);
}

static const lt_plugin_v1 plugin = {
    .struct_size = sizeof(lt_plugin_v1),
    .abi_version = LT_ABI_VERSION,
    .id = "c-example-driver",
    .version = "1.0.0",
    .create = create,
    .call = call,
    .destroy = destroy,
    .get_extension = NULL,
};

LT_EXPORT const lt_plugin_v1 *lt_plugin_entry(const lt_host_v1 *host) {
    g_host = host;
    return &plugin;
}
