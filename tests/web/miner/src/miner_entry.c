/* minehunt test build: the browser miner's WebAssembly entry points around the sdist's
 * cryptonight_hash(). The worker writes a 76-byte job blob, then asks for a batch of nonces;
 * a share is a hash whose last 32-bit word is below the pool's compact target (the check
 * XMRig and CoinHive make for 8-hex-digit targets). Export names are set with -D so the same
 * file builds the named miner and the renamed one. */
#include <stdint.h>
#include <string.h>

void cryptonight_hash(void *output, const void *input, const int aes_ni_supported);

#define NONCE_OFFSET 39
static uint8_t blob[76];
static uint8_t hash[32];
static uint32_t done;

uint8_t *EXPORT_BLOB(void) { return blob; }
uint8_t *EXPORT_RESULT(void) { return hash; }
uint32_t EXPORT_DONE(void) { return done; }

/* Try `count` nonces from `start`; return 1 and leave blob/hash at the share, else 0. */
int EXPORT_SCAN(uint32_t start, uint32_t count, uint32_t target) {
    done = 0;
    for (uint32_t n = start; done < count; n++) {
        memcpy(blob + NONCE_OFFSET, &n, 4);
        cryptonight_hash(hash, blob, 0);
        done++;
        uint32_t last;
        memcpy(&last, hash + 28, 4);
        if (last < target) return 1;
    }
    return 0;
}
