/* minehunt test build: cryptonite_hash.c declares aesb_single_round/aesb_pseudo_round_mut as
 * returning int while aesb.c defines them as void. Native ABIs tolerate that; wasm-ld turns a
 * call through a mismatched signature into a trap ("unreachable"). cryptonite_hash.c is
 * compiled with -D renames to these int-returning wrappers, so the sdist code runs unchanged. */
#include <stdint.h>

void aesb_single_round(const uint8_t *in, uint8_t *out, uint8_t *expandedKey);
void aesb_pseudo_round_mut(uint8_t *val, uint8_t *expandedKey);

int mh_aesb_single_round(const uint8_t *in, uint8_t *out, const uint8_t *key) {
    aesb_single_round(in, out, (uint8_t *)key);
    return 0;
}

int mh_aesb_pseudo_round_mut(uint8_t *val, uint8_t *key) {
    aesb_pseudo_round_mut(val, key);
    return 0;
}
