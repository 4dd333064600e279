/* minehunt test compat: Skein API types and little-endian port macros for c_skein.c. */
#ifndef MINEHUNT_COMPAT_C_SKEIN_H
#define MINEHUNT_COMPAT_C_SKEIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef unsigned int uint_t;
typedef uint8_t u08b_t;
typedef uint32_t u32b_t;
typedef uint64_t u64b_t;

#ifndef RotL_64
#define RotL_64(x, N) (((x) << (N)) | ((x) >> (64 - (N))))
#endif

/* Every target we build for (x86-64, wasm32) is little-endian. */
#define SKEIN_NEED_SWAP (0)
#define Skein_Swap64(w64) (w64)
#define Skein_Put64_LSB_First(dst08, src64, bCnt) memcpy(dst08, src64, bCnt)
#define Skein_Get64_LSB_First(dst64, src08, wCnt) memcpy(dst64, src08, 8 * (wCnt))

typedef enum { SKEIN_SUCCESS = 0, SKEIN_FAIL = 1, SKEIN_BAD_HASHLEN = 2 } SkeinHashReturn;
typedef size_t SkeinDataLength;
typedef u08b_t SkeinBitSequence;

SkeinHashReturn skein_hash(int hashbitlen, const SkeinBitSequence *data,
                           SkeinDataLength databitlen, SkeinBitSequence *hashval);

#endif
