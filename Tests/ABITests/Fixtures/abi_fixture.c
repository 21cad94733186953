/* A test plugin compiled by ABITests with cc against lightning_plugin.h alone.
 * Variants chosen with -D: BAD_MAJOR, NO_ENTRY, NULL_ENTRY, SMALL_STRUCT, OLDER_MINOR, CREATE_FAILS, PLUGIN_ID="...". */
#include <stddef.h>
#include "lightning_plugin.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef PLUGIN_ID
#define PLUGIN_ID "abi-fixture"
#endif

struct lt_instance { const lt_host_v1 *host; int destroyed; };

static int g_live_instances;

static void ok(lt_complete_fn done, void *ctx, lt_call_id id, const char *json) {
    done(ctx, id, LT_STATUS_OK, lt_bytes_copy(json, strlen(json)));
}

struct later { lt_complete_fn done; void *ctx; lt_call_id id; };

static void *complete_later(void *arg) {
    struct later *l = arg;
    usleep(100 * 1000);
    ok(l->done, l->ctx, l->id, "{\"slow\":true}");
    free(l);
    return NULL;
}

struct relay { lt_complete_fn done; void *ctx; lt_call_id id; };

/* Completion of the host call: pass the host's answer through as our own result. */
static void relay_done(void *ctx, lt_call_id id, int32_t status, lt_bytes result) {
    (void)id;
    struct relay *r = ctx;
    r->done(r->ctx, r->id, status, result); /* ownership of result passes on */
    free(r);
}

static lt_instance *create(const lt_host_v1 *host, const uint8_t *config, size_t len, lt_bytes *error) {
#ifdef CREATE_FAILS
    (void)host; (void)config; (void)len;
    const char *msg = "{\"code\":\"invalid_argument\",\"message\":\"config field \\\"colour\\\": expected a string\"}";
    *error = lt_bytes_copy(msg, strlen(msg));
    return NULL;
#else
    (void)config; (void)len; (void)error;
    lt_instance *i = calloc(1, sizeof *i);
    i->host = host;
    __atomic_add_fetch(&g_live_instances, 1, __ATOMIC_SEQ_CST);
    return i;
#endif
}

static void call(lt_instance *inst, const char *method, const uint8_t *params, size_t len, lt_call_id id,
                 lt_complete_fn done, void *ctx) {
    char buf[256];
    if (strcmp(method, "echo") == 0) {
        done(ctx, id, LT_STATUS_OK, lt_bytes_copy(params, len));
    } else if (strcmp(method, "slow") == 0) {
        struct later *l = malloc(sizeof *l);
        l->done = done; l->ctx = ctx; l->id = id;
        pthread_t t;
        pthread_create(&t, NULL, complete_later, l);
        pthread_detach(t);
    } else if (strcmp(method, "host.relay") == 0) {
        /* Calls the host method named in params ("{...}" is forwarded as is) and relays the result. */
        struct relay *r = malloc(sizeof *r);
        r->done = done; r->ctx = ctx; r->id = id;
        inst->host->call(inst->host->host_ctx, "test.method", params, len, 7, relay_done, r);
    } else if (strcmp(method, "emit") == 0) {
        const char *events = "[{\"type\":\"fixture.emitted\",\"data\":{\"n\":1}}]";
        int rc = inst->host->emit(inst->host->host_ctx, (const uint8_t *)events, strlen(events));
        inst->host->log(inst->host->host_ctx, LT_LOG_INFO, "emitted", 7);
        snprintf(buf, sizeof buf, "{\"rc\":%d}", rc);
        ok(done, ctx, id, buf);
    } else if (strcmp(method, "live") == 0) {
        snprintf(buf, sizeof buf, "{\"live\":%d}", __atomic_load_n(&g_live_instances, __ATOMIC_SEQ_CST));
        ok(done, ctx, id, buf);
    } else {
        const char *e = "{\"code\":\"unsupported\",\"message\":\"no such method\"}";
        done(ctx, id, LT_STATUS_ERROR, lt_bytes_copy(e, strlen(e)));
    }
}

static void destroy(lt_instance *inst) {
    __atomic_sub_fetch(&g_live_instances, 1, __ATOMIC_SEQ_CST);
    free(inst);
}

static const lt_plugin_v1 plugin = {
#ifdef SMALL_STRUCT
    .struct_size = 8,
#else
    .struct_size = sizeof(lt_plugin_v1),
#endif
#ifdef BAD_MAJOR
    .abi_version = (2u << 16),
#else
    .abi_version = LT_ABI_VERSION,
#endif
    .id = PLUGIN_ID,
    .version = "1.0.0",
    .create = create,
    .call = call,
    .destroy = destroy,
    .get_extension = NULL,
};

#ifdef NO_ENTRY
LT_EXPORT const lt_plugin_v1 *some_other_symbol(const lt_host_v1 *host);
LT_EXPORT const lt_plugin_v1 *some_other_symbol(const lt_host_v1 *host) { (void)host; return &plugin; }
#else
#ifdef OLDER_MINOR
/* A table from an older minor without get_extension: struct_size stops before it and the bytes
   after it are garbage the host must not read. */
static lt_plugin_v1 older;
static const void *garbage_extension(const char *id) { (void)id; return (const void *)0x1; }
#endif

LT_EXPORT const lt_plugin_v1 *lt_plugin_entry(const lt_host_v1 *host) {
    (void)host;
#ifdef OLDER_MINOR
    older = plugin;
    older.struct_size = (uint32_t)offsetof(lt_plugin_v1, get_extension);
    older.get_extension = garbage_extension;
    return &older;
#endif
#ifdef NULL_ENTRY
    (void)plugin;
    return NULL;
#else
    return &plugin;
#endif
}
#endif
