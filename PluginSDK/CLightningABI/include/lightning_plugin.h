/*
 * lightning_plugin.h — the only contract between the Lightning daemon and a plugin library.
 *
 * A plugin is a shared library that exports one symbol, `lt_plugin_entry`. The host dlopens it
 * (RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, never dlclose), calls the entry once with its service
 * table, and from then on talks to the plugin through `lt_plugin_v1.create/call/destroy`.
 *
 *     host                                   plugin
 *     ────                                   ──────
 *     lt_plugin_entry(&host) ─────────────▶  returns const lt_plugin_v1 *   (static, never freed)
 *     plugin->create(config json) ────────▶  returns lt_instance * or NULL + error bytes
 *     plugin->call(inst, "storage.read",  ─▶  ... later, from any thread ...
 *                  params json, id, cb)   ◀─  cb(cb_ctx, id, LT_STATUS_OK, result bytes)
 *     plugin->destroy(inst) ──────────────▶  (after every call has completed)
 *
 * Rules every side keeps:
 *  - Only bytes cross: UTF-8 JSON for structured values. No Swift, C++ or allocator-specific type.
 *  - Every struct starts with `struct_size` and `abi_version`. Structs only grow at the end; a
 *    reader reads only fields that lie below `struct_size`.
 *  - ABI versions are (major << 16 | minor). A major mismatch refuses the load; a newer minor on
 *    either side is fine (the older side ignores what it does not know).
 *  - Ownership is written on every buffer. `lt_bytes` carries its own release function; whoever
 *    receives an `lt_bytes` calls `release(ctx)` exactly once (when release is non-NULL).
 *  - `call` must not block the calling (host) thread on I/O: it starts the work and returns;
 *    the completion may run on any thread, before or after `call` returns, exactly once.
 *  - Threading tags: [any-thread] may be called concurrently from any thread;
 *    [host-loop] is called from one host thread at a time.
 *
 * Method names and the JSON shapes of params and results are documented per provider kind in
 * docs/plugin-abi.md; the same names are used by the out-of-process child protocol
 * (docs/protocol.md), so any plugin can also run isolated in a child process.
 */
#ifndef LIGHTNING_PLUGIN_H
#define LIGHTNING_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(__clang__) && !defined(_Nonnull)
#define _Nonnull
#define _Nullable
#endif

#if defined(_WIN32)
#define LT_EXPORT __declspec(dllexport)
#else
#define LT_EXPORT __attribute__((visibility("default")))
#endif

#define LT_ABI_VERSION_MAJOR 1u
#define LT_ABI_VERSION_MINOR 0u
#define LT_ABI_VERSION ((LT_ABI_VERSION_MAJOR << 16) | LT_ABI_VERSION_MINOR)
#define LT_ABI_MAJOR(v) ((uint32_t)(v) >> 16)

/* Name of the one exported symbol. */
#define LT_PLUGIN_ENTRY_SYMBOL "lt_plugin_entry"

/* Result status of a call. Anything else than OK carries an error JSON object in the result:
 * {"code": "not_found" | "conflict" | "precondition_failed" | "invalid_argument" |
 *          "unsupported" | "unavailable" | "timeout" | "internal", "message": "..."} */
typedef enum lt_status {
    LT_STATUS_OK = 0,
    LT_STATUS_ERROR = 1,
} lt_status;

/* Log levels for lt_host_v1.log, same order as swift-log. */
typedef enum lt_log_level {
    LT_LOG_TRACE = 0,
    LT_LOG_DEBUG = 1,
    LT_LOG_INFO = 2,
    LT_LOG_NOTICE = 3,
    LT_LOG_WARNING = 4,
    LT_LOG_ERROR = 5,
    LT_LOG_CRITICAL = 6,
} lt_log_level;

/* A byte buffer with its owner's release function.
 * Ownership: the receiver of an lt_bytes owns it and calls release(ctx) exactly once when done,
 * unless release is NULL (static or borrowed memory that outlives the receiving call). */
typedef struct lt_bytes {
    const uint8_t *_Nullable ptr;
    size_t len;
    void (*_Nullable release)(void *_Nullable ctx);
    void *_Nullable ctx;
} lt_bytes;

/* Convenience for either side: a heap copy released with free(). */
static inline void lt_free_release(void *_Nullable ctx) { free(ctx); }

static inline lt_bytes lt_bytes_copy(const void *_Nullable data, size_t len) {
    lt_bytes b = { NULL, 0, NULL, NULL };
    if (len == 0) return b;
    uint8_t *p = (uint8_t *)malloc(len);
    if (p == NULL) return b;
    memcpy(p, data, len);
    b.ptr = p; b.len = len; b.release = lt_free_release; b.ctx = p;
    return b;
}

/* Release a received buffer (no-op when it has no release function). */
static inline void lt_bytes_release(lt_bytes b) { if (b.release != NULL) b.release(b.ctx); }

/* Identifies one call; chosen by the caller, echoed in the completion. */
typedef uint64_t lt_call_id;

/* Completion of an asynchronous call. [any-thread]
 * Called exactly once per call. `result` is owned by the completion's receiver (it calls
 * result.release). On LT_STATUS_OK it is the result JSON; otherwise the error JSON. */
typedef void (*lt_complete_fn)(void *_Nullable ctx, lt_call_id id, int32_t status, lt_bytes result);

/* Services the host offers to a plugin. Passed to lt_plugin_entry and to create; valid until the
 * process exits. Plugins link nothing from the host; they reach it only through this table. */
typedef struct lt_host_v1 {
    uint32_t struct_size;   /* sizeof(lt_host_v1) as the host was built */
    uint32_t abi_version;   /* LT_ABI_VERSION of the host */
    void *_Nullable host_ctx; /* pass back as the first argument of every function below */

    /* Write a log record under the plugin's logger. `msg` is borrowed for the call. [any-thread] */
    void (*_Nonnull log)(void *_Nullable host_ctx, int32_t level, const char *_Nonnull msg, size_t msg_len);

    /* Publish events from the plugin (a driver emitting outside a handle call, a bus notifying).
     * `events_json` is a JSON array of events, borrowed for the call (the host copies it).
     * Returns 0 when the host accepted the request, non-zero when it refused (malformed JSON).
     * Delivery happens asynchronously. [any-thread] */
    int32_t (*_Nonnull emit)(void *_Nullable host_ctx, const uint8_t *_Nonnull events_json, size_t len);

    /* Call a host method (the same method names children use: "storage.read", "bus.publish",
     * "log", ...). `params_json` is borrowed for the call; the result arrives in `complete`,
     * exactly once, on any thread. [any-thread] */
    void (*_Nonnull call)(void *_Nullable host_ctx, const char *_Nonnull method,
                          const uint8_t *_Nullable params_json, size_t params_len,
                          lt_call_id id, lt_complete_fn _Nonnull complete, void *_Nullable complete_ctx);
} lt_host_v1;

/* An opaque plugin instance, created with a configuration. */
typedef struct lt_instance lt_instance;

/* What a plugin library describes about itself. Returned by lt_plugin_entry; static storage,
 * owned by the plugin, never freed. */
typedef struct lt_plugin_v1 {
    uint32_t struct_size;     /* sizeof(lt_plugin_v1) as the plugin was built */
    uint32_t abi_version;     /* LT_ABI_VERSION the plugin was built against */
    const char *_Nonnull id;  /* the plugin id; must equal the manifest's "id". static */
    const char *_Nonnull version; /* semver of this build; must equal the manifest's "version". static */

    /* Create an instance. `config_json` is a JSON object, borrowed for the call. On failure
     * returns NULL and stores an error JSON object in *error (owned by the host). The host may
     * create several instances of one plugin (for example during a swap). [any-thread] */
    lt_instance *_Nullable (*_Nonnull create)(const lt_host_v1 *_Nonnull host,
                                              const uint8_t *_Nonnull config_json, size_t config_len,
                                              lt_bytes *_Nonnull error);

    /* Start a call on an instance. `method` (NUL-terminated) and `params_json` are borrowed for
     * the duration of this function. The plugin completes it exactly once through `complete`.
     * Must not block the calling thread on I/O. [any-thread] */
    void (*_Nonnull call)(lt_instance *_Nonnull instance, const char *_Nonnull method,
                          const uint8_t *_Nullable params_json, size_t params_len,
                          lt_call_id id, lt_complete_fn _Nonnull complete, void *_Nullable complete_ctx);

    /* Destroy an instance. The host calls it once, after every call on it has completed.
     * [host-loop] */
    void (*_Nonnull destroy)(lt_instance *_Nonnull instance);

    /* Optional extensions by id ("lt.draft.<name>" while experimental); NULL when unknown.
     * [any-thread] */
    const void *_Nullable (*_Nullable get_extension)(const char *_Nonnull extension_id);
} lt_plugin_v1;

/* The one exported symbol. Called once per load with the host's services. */
typedef const lt_plugin_v1 *_Nullable (*lt_plugin_entry_fn)(const lt_host_v1 *_Nonnull host);

#ifdef __cplusplus
}
#endif

#endif /* LIGHTNING_PLUGIN_H */
