// The cheapest possible plugin, written against lightning_plugin.h alone: every call completes
// synchronously, inside `call`, on the caller's thread. It measures what the host's side of the
// ABI costs (continuation, C call, completion, result copy) with no plugin work at all.
// Compiled with `cc -shared` by lightning-bench at run time.
//
// Methods: "noop" -> {} (static bytes, no release); "echo" -> a heap copy of the params.
#include <stdlib.h>
#include <string.h>
#include "lightning_plugin.h"

struct lt_instance { int unused; };

static const char empty[] = "{}";

static lt_instance *create(const lt_host_v1 *host, const uint8_t *config, size_t len, lt_bytes *error) {
    (void)host; (void)config; (void)len; (void)error;
    return calloc(1, sizeof(struct lt_instance));
}

static void call(lt_instance *inst, const char *method, const uint8_t *params, size_t len, lt_call_id id,
                 lt_complete_fn complete, void *ctx) {
    (void)inst;
    if (strcmp(method, "echo") == 0 && params != NULL && len > 0) {
        complete(ctx, id, LT_STATUS_OK, lt_bytes_copy(params, len));
        return;
    }
    lt_bytes b = { (const uint8_t *)empty, sizeof empty - 1, NULL, NULL };
    complete(ctx, id, LT_STATUS_OK, b);
}

static void destroy(lt_instance *inst) { free(inst); }

static const lt_plugin_v1 table = {
    sizeof(lt_plugin_v1), LT_ABI_VERSION, "bench-noop", "1.0.0", create, call, destroy, NULL,
};

LT_EXPORT const lt_plugin_v1 *lt_plugin_entry(const lt_host_v1 *host) {
    (void)host;
    return &table;
}
