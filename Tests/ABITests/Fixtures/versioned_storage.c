/* A tiny storage provider compiled at test time by IntegrationTests (DaemonUpgradeTests,
 * DaemonIsolationTests) with cc against lightning_plugin.h alone. It stores nothing: it answers
 * `health` and `storage.container.list` with its own version, so a test sees which build serves.
 *
 * Variants chosen with -D:
 *   PLUGIN_VERSION="2.0.0"  the version the library reports (default "1.0.0");
 *   UNHEALTHY               `health` answers "unhealthy" (a broken upgrade);
 *   ALLOW_CRASH             `storage.container.exists` for the container "crash" dereferences a
 *                           NULL pointer (SIGSEGV): never built into anything shipped. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lightning_plugin.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "1.0.0"
#endif

struct lt_instance { const lt_host_v1 *host; };

static void answer(lt_complete_fn done, void *ctx, lt_call_id id, int32_t status, const char *json) {
    done(ctx, id, status, lt_bytes_copy(json, strlen(json)));
}

static lt_instance *create(const lt_host_v1 *host, const uint8_t *config, size_t len, lt_bytes *error) {
    (void)config; (void)len; (void)error;
    lt_instance *i = calloc(1, sizeof *i);
    i->host = host;
    return i;
}

#ifdef ALLOW_CRASH
static int *volatile nowhere = NULL;
#endif

static void call(lt_instance *inst, const char *method, const uint8_t *params, size_t len, lt_call_id id,
                 lt_complete_fn done, void *ctx) {
    (void)inst;
    char buf[256];
    if (strcmp(method, "health") == 0) {
#ifdef UNHEALTHY
        answer(done, ctx, id, LT_STATUS_OK, "{\"status\":\"unhealthy\",\"latency_ms\":0,\"error\":\"fixture built UNHEALTHY\"}");
#else
        answer(done, ctx, id, LT_STATUS_OK, "{\"status\":\"healthy\",\"latency_ms\":0,\"details\":{\"version\":\"" PLUGIN_VERSION "\"}}");
#endif
    } else if (strcmp(method, "storage.container.list") == 0) {
        snprintf(buf, sizeof buf, "{\"containers\":[\"served-by-%s\"]}", PLUGIN_VERSION);
        answer(done, ctx, id, LT_STATUS_OK, buf);
    } else if (strcmp(method, "storage.container.exists") == 0) {
#ifdef ALLOW_CRASH
        if (len >= 7 && memmem(params, len, "\"crash\"", 7) != NULL) { *nowhere = 1; }
#else
        (void)params; (void)len;
#endif
        answer(done, ctx, id, LT_STATUS_OK, "{\"exists\":true}");
    } else {
        snprintf(buf, sizeof buf, "{\"code\":\"unsupported\",\"message\":\"fixture-storage %s does not offer %.100s\"}", PLUGIN_VERSION, method);
        answer(done, ctx, id, LT_STATUS_ERROR, buf);
    }
}

static void destroy(lt_instance *inst) { free(inst); }

static const lt_plugin_v1 plugin = {
    .struct_size = sizeof(lt_plugin_v1),
    .abi_version = LT_ABI_VERSION,
    .id = "fixture-storage",
    .version = PLUGIN_VERSION,
    .create = create,
    .call = call,
    .destroy = destroy,
    .get_extension = NULL,
};

LT_EXPORT const lt_plugin_v1 *lt_plugin_entry(const lt_host_v1 *host) {
    (void)host;
    return &plugin;
}
