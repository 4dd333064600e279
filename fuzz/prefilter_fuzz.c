/*
 * libFuzzer harness for the compiled capture pre-pass (src/minehunt/net/capture/_prefilter.c),
 * built with AddressSanitizer and UndefinedBehaviorSanitizer:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       fuzz/prefilter_fuzz.c -o tests/.cache/fuzz/prefilter_fuzz
 *   tests/.cache/fuzz/prefilter_fuzz -max_total_time=60 tests/.cache/fuzz/prefilter tests/net/data
 *
 * The input is walked as the Python reader does: whole (a memory-mapped file) and in chunks
 * (a gzip stream), handing back what mh_scan did not consume. Every candidate's bytes are
 * read, so a frame pointer or length outside the buffer is an ASan report, not a silent
 * misparse.
 */
#include "../src/minehunt/net/capture/_prefilter.c"

#include <stdlib.h>

static mh_state st;
static mh_pkt out[MH_MAX_OUT];

static void touch(uint32_t n) {
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = (const uint8_t *)(uintptr_t)out[i].addr;
        for (uint32_t j = 0; j < out[i].caplen; j++) sink ^= p[j];
    }
    (void)sink;
}

static void setup(void) {
    mh_init(&st);
    mh_keep_port(&st, 3333);
    mh_keep_port(&st, 14444);
    mh_head_marker(&st, "json", 4);
    mh_head_marker(&st, "websocket", 9);
    static const uint8_t v4[4] = {127, 0, 0, 29};
    mh_follow_host(&st, v4, 4);
    mh_follow_endpoint(&st, v4, 4, 443);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint32_t n = 0;
    /* whole: as a memory-mapped capture */
    setup();
    uint64_t off = 0;
    while (off < size) {
        int64_t r = mh_scan(&st, data + off, size - off, out, MH_MAX_OUT, &n);
        touch(n);
        if (r <= 0) break;
        off += (uint64_t)r;
    }
    /* chunked: as a gzip stream, the unconsumed rest handed back with more bytes; copied
       into a heap buffer of exactly the visible length so reads past it are caught */
    setup();
    size_t chunk = size ? (size_t)data[0] % 61 + 1 : 1;
    off = 0;
    size_t end = chunk < size ? chunk : size;
    while (off < size) {
        size_t len = end - off;
        uint8_t *window = malloc(len ? len : 1);
        if (!window) return 0;
        memcpy(window, data + off, len);
        int64_t r = mh_scan(&st, window, len, out, MH_MAX_OUT, &n);
        touch(n);
        free(window);
        if (r < 0) break;
        if (r == 0) {
            if (end == size) break;
            end = end + chunk < size ? end + chunk : size;
            continue;
        }
        off += (uint64_t)r;
        if (end < off) end = off;
    }
    return 0;
}
