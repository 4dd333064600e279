/* minehunt test compat: CryptoNote hash-ops.h subset used by the sdist. */
#ifndef MINEHUNT_COMPAT_HASH_OPS_H
#define MINEHUNT_COMPAT_HASH_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#pragma pack(push, 1)
union hash_state {
  uint8_t b[200];
  uint64_t w[25];
};
#pragma pack(pop)

enum {
  HASH_SIZE = 32,
  HASH_DATA_AREA = 136
};

void hash_permutation(union hash_state *state);
void hash_process(union hash_state *state, const uint8_t *buf, int count);
void cn_fast_hash(const void *data, int len, char *hash);

#endif
