/* minehunt test compat: the pycryptonight 0.0.1 sdist ships its .c files without the
 * cpuminer headers they include; these are minimal stand-ins with the same names. */
#ifndef MINEHUNT_COMPAT_MINER_H
#define MINEHUNT_COMPAT_MINER_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef _ALIGN
#define _ALIGN(x) __attribute__((aligned(x)))
#endif

bool has_aes_ni(void);

#endif
