/*
 * A driver that crashes its process on purpose (tests of crash containment only,
 * docs/reliability.md#crash-containment). Built by the integration tests with cc.
 *
 *   c.crash   dereferences NULL inside `call` (a real SIGSEGV, not a signal sent from outside)
 *   c.ping    emits c.pong {"pid": <the process that handled it>}
 *   anything else: no events
 *
 * -DCRASH_IN_CREATE makes `create` dereference NULL (a crash while the daemon loads it);
 * -DCRASH_IN_CONSTRUCTOR makes an ELF constructor do it (a crash inside dlopen).
 * Calls complete synchronously, before `call` returns.
 */
#include "lightning_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lt_instance { int unused; };

static volatile int *volatile nowhere = NULL;

#ifdef CRASH_IN_CONSTRUCTOR
__attribute__((constructor)) static void crash_on_load(void) { *nowhere = 1; }
#endif

static void finish(lt_complete_fn complete, void *ctx, lt_call_id id, int32_t status, const char *json) {
    complete(ctx, id, status, lt_bytes_copy(json, strlen(json)));
}

static lt_instance *create(const lt_host_v1 *host, const uint8_t *config, size_t len, lt_bytes *error) {
    (void)host; (void)config; (void)len; (void)error;
#ifdef CRASH_IN_CREATE
    *nowhere = 1;
#endif
    return calloc(1, sizeof(struct lt_instance));
}

static void call(lt_instance *inst, const char *method, const uint8_t *params, size_t len, lt_call_id id,
                 lt_complete_fn complete, void *ctx) {
    (void)inst;
    if (strcmp(method, "health") == 0) {
        finish(complete, ctx, id, LT_STATUS_OK, "{\"status\":\"healthy\",\"latency_ms\":0}");
        return;
    }
    if (strcmp(method, "driver.handle") != 0) {
        finish(complete, ctx, id, LT_STATUS_ERROR, "{\"code\":\"unsupported\",\"message\":\"crash-driver answers driver.handle only\"}");
        return;
    }
    char *json = malloc(len + 1);
    if (json == NULL) { finish(complete, ctx, id, LT_STATUS_ERROR, "{\"code\":\"internal\",\"message\":\"out of memory\"}"); return; }
    if (len) memcpy(json, params, len);
    json[len] = 0;
    if (strstr(json, "\"type\":\"c.crash\"") != NULL) {
        *nowhere = 1;
    }
    if (strstr(json, "\"type\":\"c.ping\"") != NULL) {
        char buf[160];
        snprintf(buf, sizeof buf, "{\"events\":[{\"type\":\"c.pong\",\"source\":\"crash-driver\",\"data\":{\"pid\":%d}}]}", (int)getpid());
        finish(complete, ctx, id, LT_STATUS_OK, buf);
    } else {
        finish(complete, ctx, id, LT_STATUS_OK, "{\"events\":[]}");
    }
    free(json);
}

static void destroy(lt_instance *inst) { free(inst); }

static const lt_plugin_v1 plugin = {
    .struct_size = sizeof(lt_plugin_v1),
    .abi_version = LT_ABI_VERSION,
    .id = "crash-driver",
    .version = "1.0.0",
    .create = create,
    .call = call,
    .destroy = destroy,
    .get_extension = NULL,
};

LT_EXPORT const lt_plugin_v1 *lt_plugin_entry(const lt_host_v1 *host) {
    (void)host;
    return &plugin;
}
