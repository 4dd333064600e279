/* minehunt test compat: prototypes of the functions defined by the sdist's C files. */
#ifndef MINEHUNT_COMPAT_CRYPTONITE_HASH_H
#define MINEHUNT_COMPAT_CRYPTONITE_HASH_H

#include <stdbool.h>
#include <stdint.h>

void cryptonight_hash(void *output, const void *input, const int aes_ni_supported);
void cryptolight_hash(void *output, const void *input, const int aes_ni_supported);
int scanhash_cryptonight(char *pdata, uint32_t target, uint32_t max_nonce, uint64_t *hashes_done);
int scanhash_cryptolight(char *pdata, uint32_t target, uint32_t max_nonce, uint64_t *hashes_done);
bool has_aes_ni(void);

#endif
