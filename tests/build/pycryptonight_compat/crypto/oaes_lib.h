/* minehunt test compat: OpenAES 0.8.1 API as extended by CryptoNote/cpuminer-multi
 * (the context structs are public because cryptonite_hash.c reads key->exp_data). */
#ifndef MINEHUNT_COMPAT_OAES_LIB_H
#define MINEHUNT_COMPAT_OAES_LIB_H

#include <stddef.h>
#include <stdint.h>

#define OAES_API
#define OAES_VERSION "0.8.1"
#define OAES_BLOCK_SIZE 16

typedef void OAES_CTX;

typedef enum {
  OAES_RET_FIRST = 0,
  OAES_RET_SUCCESS = 0,
  OAES_RET_UNKNOWN,
  OAES_RET_ARG1,
  OAES_RET_ARG2,
  OAES_RET_ARG3,
  OAES_RET_ARG4,
  OAES_RET_ARG5,
  OAES_RET_NOKEY,
  OAES_RET_MEM,
  OAES_RET_BUF,
  OAES_RET_HEADER,
  OAES_RET_COUNT
} OAES_RET;

typedef uint16_t OAES_OPTION;
#define OAES_OPTION_NONE 0
#define OAES_OPTION_ECB 1
#define OAES_OPTION_CBC 2

typedef struct _oaes_key {
  size_t data_len;
  uint8_t *data;
  size_t exp_data_len;
  uint8_t *exp_data;
  size_t num_keys;
  size_t key_base;
} oaes_key;

typedef struct _oaes_ctx {
  oaes_key *key;
  OAES_OPTION options;
  uint8_t iv[OAES_BLOCK_SIZE];
} oaes_ctx;

OAES_API OAES_CTX *oaes_alloc(void);
OAES_API OAES_RET oaes_free(OAES_CTX **ctx);
OAES_API OAES_RET oaes_set_option(OAES_CTX *ctx, OAES_OPTION option, const void *value);
OAES_API OAES_RET oaes_key_gen_128(OAES_CTX *ctx);
OAES_API OAES_RET oaes_key_gen_192(OAES_CTX *ctx);
OAES_API OAES_RET oaes_key_gen_256(OAES_CTX *ctx);
OAES_API OAES_RET oaes_key_export(OAES_CTX *ctx, uint8_t *data, size_t *data_len);
OAES_API OAES_RET oaes_key_export_data(OAES_CTX *ctx, uint8_t *data, size_t *data_len);
OAES_API OAES_RET oaes_key_import(OAES_CTX *ctx, const uint8_t *data, size_t data_len);
OAES_API OAES_RET oaes_key_import_data(OAES_CTX *ctx, const uint8_t *data, size_t data_len);
OAES_API OAES_RET oaes_encrypt(OAES_CTX *ctx, const uint8_t *m, size_t m_len, uint8_t *c,
                               size_t *c_len);
OAES_API OAES_RET oaes_decrypt(OAES_CTX *ctx, const uint8_t *c, size_t c_len, uint8_t *m,
                               size_t *m_len);
OAES_API OAES_RET oaes_sprintf(char *buf, size_t *buf_len, const uint8_t *data, size_t data_len);
OAES_API OAES_RET oaes_encryption_round(const uint8_t *key, uint8_t *c);
OAES_API OAES_RET oaes_pseudo_encrypt_ecb(OAES_CTX *ctx, uint8_t *c);

#endif
