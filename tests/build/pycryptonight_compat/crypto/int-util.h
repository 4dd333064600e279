/* minehunt test compat: the two CryptoNote int-util.h helpers the sdist uses. */
#ifndef MINEHUNT_COMPAT_INT_UTIL_H
#define MINEHUNT_COMPAT_INT_UTIL_H

#include <stdint.h>

static inline uint32_t lo_dword(uint64_t val) { return (uint32_t)val; }
static inline uint32_t hi_dword(uint64_t val) { return (uint32_t)(val >> 32); }

#endif
