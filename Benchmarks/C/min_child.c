// The smallest child that speaks enough of the child protocol (docs/protocol.md) to be
// supervised: answers `initialize`, `$/ping` and `shutdown`, exits on `exit` or end of stdin.
// No JSON parser: it finds the request id by text. It separates what the supervisor costs
// from what a child's own start-up costs (Swift runtime, Foundation) in the `spawn` and
// `restart` benchmarks. Compiled with `cc -O2` by lightning-bench at run time.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void answer(const char *line, const char *result) {
    const char *id = strstr(line, "\"id\":");
    if (id == NULL) return;
    id += 5;
    size_t n = strcspn(id, ",}");
    printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":%s}\n", (int)n, id, result);
    fflush(stdout);
}

int main(void) {
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        if (strstr(line, "\"method\":\"initialize\"")) {
            answer(line, "{\"protocol_version\":\"1.0\",\"child\":{\"name\":\"min-child\",\"version\":\"1.0.0\"},\"handles\":[],\"functions\":[]}");
        } else if (strstr(line, "\"method\":\"$/ping\"")) {
            answer(line, "{}");
        } else if (strstr(line, "\"method\":\"shutdown\"")) {
            answer(line, "{}");
        } else if (strstr(line, "\"method\":\"exit\"")) {
            break;
        } else if (strstr(line, "\"method\"") && strstr(line, "\"id\":")) {
            const char *id = strstr(line, "\"id\":") + 5;
            size_t n = strcspn(id, ",}");
            printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"error\":{\"code\":-32601,\"message\":\"method not found\"}}\n", (int)n, id);
            fflush(stdout);
        }
    }
    free(line);
    return 0;
}
